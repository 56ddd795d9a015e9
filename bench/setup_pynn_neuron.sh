#!/bin/bash
# Compiles PyNN's NEURON mechanisms so that bench/run.py's pynn-neuron peer
# can run (PyNN's NEURON backend loads them from pyNN/neuron/nmodl). Needs
# root for apt-get and for writing into the installed pyNN package.
#
# Debian 12's nrnivmodl (package neuron-dev) looks for its makefile in
# /usr/bin instead of /usr/lib/nrn and does not link against /usr/lib/nrn;
# this runs a copy with the makefile's path and the link flags fixed. Its
# last step, linking the `special` executable, fails for a missing header
# (ivstream.h); PyNN needs only the shared library made before it.
set -euo pipefail
apt-get install -y neuron-dev python3-neuron
nmodl_dir=$(/usr/bin/python3 -c 'import os, pyNN; print(os.path.join(os.path.dirname(pyNN.__file__), "neuron", "nmodl"))')
fixed=$(mktemp)
trap 'rm -f "$fixed"' EXIT
sed 's|"${bindir}/nrnmech_makefile"|"/usr/lib/nrn/nrnmech_makefile"|' /usr/bin/nrnivmodl > "$fixed"
chmod +x "$fixed"
cd "$nmodl_dir"
"$fixed" -loadflags "-L/usr/lib/nrn -Wl,-rpath,/usr/lib/nrn" > nrnivmodl.log 2>&1 || true
if [[ ! -f x86_64/.libs/libnrnmech.so ]]; then
  echo "setup_pynn_neuron: no x86_64/.libs/libnrnmech.so in $nmodl_dir; see $nmodl_dir/nrnivmodl.log" >&2
  exit 1
fi
# Not from $nmodl_dir: NEURON loads ./x86_64's mechanisms by itself, and
# PyNN's second load of them fails.
cd /
/usr/bin/python3 -c 'import pyNN.neuron as sim; sim.setup(); sim.Population(1, sim.IF_cond_exp()); sim.run(1.0); sim.end()' > /dev/null
echo "setup_pynn_neuron: PyNN's NEURON mechanisms are compiled in $nmodl_dir"
