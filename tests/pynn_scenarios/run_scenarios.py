#!/usr/bin/python3
"""Runs PyNN 0.10.1's simulator-independent system scenarios against
pyNN.spikeserve and a real spikeserve server, one subprocess per scenario.

    tests/pynn_scenarios/run_scenarios.py --pynn-source /path/to/PyNN-0.10.1 \
        [--server-binary bazel-bin/server/spikeserve | --server host:port] [--only NAME]

The PyNN source is a checkout of NeuralEnsemble/PyNN at tag 0.10.1 (only its
test/system directory is used); it is not part of this repository. Prints one
line per scenario (PASS / FAIL / SKIP with the first line of the reason) and a
closing "N passed, N failed, N skipped" line; exits 1 if any scenario failed.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Runs one scenario in a fresh interpreter; prints PASS/SKIP or raises.
CHILD = r"""
import sys, unittest
sys.path[:0] = [{shims!r}, {pynn_test!r}, {client!r}]
import spikeserve.pynn_path
import pyNN.spikeserve as sim
# Unseeded, a session draws its seed; the scenarios run with the seed that
# pyNN.nest takes by default (rng_seed=42), so that the statistical ones give
# the same result on every run, as they do on NEST.
_setup = sim.setup
def _seeded_setup(*args, **kwargs):
    if "seed" not in kwargs and "rng_seed" not in kwargs:
        kwargs["rng_seed"] = 42
    return _setup(*args, **kwargs)
sim.setup = _seeded_setup
from system.scenarios.registry import registry
import system.scenarios
scenario = [s for s in registry if s.__name__ == {name!r}][0]
try:
    scenario(sim)
except unittest.SkipTest as skip:
    print("SKIP", str(skip).splitlines()[0] if str(skip) else "skipped")
else:
    print("PASS")
"""

LIST = r"""
import sys
sys.path[:0] = [{shims!r}, {pynn_test!r}]
from system.scenarios.registry import registry
import system.scenarios
for s in registry:
    print(s.__name__)
"""


def start_server(binary):
    directory = tempfile.mkdtemp(prefix="spikeserve-scenarios-")
    port_file = os.path.join(directory, "port")
    log = open(os.path.join(directory, "server.log"), "w")
    process = subprocess.Popen([binary, "--listen=127.0.0.1:0", f"--port_file={port_file}",
                                "--max_sessions=8"], stderr=log)
    for _ in range(1500):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return process, "127.0.0.1:" + open(port_file).read().strip()
        time.sleep(0.02)
    raise RuntimeError("the server did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pynn-source", required=True, help="PyNN 0.10.1 source checkout")
    parser.add_argument("--server", help="address of a running server")
    parser.add_argument("--server-binary", default=os.path.join(REPO, "bazel-bin/server/spikeserve"))
    parser.add_argument("--only", action="append", help="scenario name (repeatable)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per scenario")
    args = parser.parse_args()

    paths = dict(shims=os.path.join(HERE, "shims"),
                 pynn_test=os.path.join(os.path.abspath(args.pynn_source), "test"),
                 client=os.path.join(REPO, "clients/python"))
    names = subprocess.run([sys.executable, "-c", LIST.format(**paths)], check=True,
                           capture_output=True, text=True).stdout.split()
    if args.only:
        names = [n for n in names if n in args.only]

    server = None
    address = args.server
    if address is None:
        server, address = start_server(args.server_binary)
    environment = dict(os.environ, SPIKESERVE_ADDRESS=address, MPLBACKEND="Agg")
    # Scenarios write files (Results/, *.pkl) into their working directory.
    workdir = tempfile.mkdtemp(prefix="spikeserve-scenario-files-")
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    try:
        for name in names:
            started = time.monotonic()
            try:
                result = subprocess.run([sys.executable, "-c", CHILD.format(name=name, **paths)],
                                        capture_output=True, text=True, env=environment,
                                        timeout=args.timeout, cwd=workdir)
                lines = result.stdout.strip().splitlines()
                if result.returncode == 0 and lines and lines[-1].split()[0] in ("PASS", "SKIP"):
                    verdict, _, reason = lines[-1].partition(" ")
                else:
                    errors = [line for line in result.stderr.strip().splitlines() if line.strip()]
                    verdict, reason = "FAIL", (errors[-1] if errors else f"exit {result.returncode}")
            except subprocess.TimeoutExpired:
                verdict, reason = "FAIL", f"timed out after {args.timeout:.0f} s"
            counts[verdict] += 1
            print(f"{verdict:4} {name:55} {time.monotonic() - started:6.1f}s  {reason}",
                  flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
