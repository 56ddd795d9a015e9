"""Low-level Python client for spikeserve, the spiking-network simulation server.

    from spikeserve.session import Session
    with Session("localhost:50051", timestep=0.1) as session:
        cells = session.create_population(100, "IF_cond_exp", {"tau_m": 15.0})
        ...

`spikeserve.session` holds the session handle, `spikeserve.data` decodes the
Neo-structured data stream, `spikeserve.values` encodes parameter values and
`spikeserve.errors` maps server errors. The generated protocol modules live in
`spikeserve.v1` (made by tools/install_python_client.sh, or by Bazel).

The PyNN backend built on this package is `pyNN.spikeserve`.
"""

import pkgutil

# The generated spikeserve.v1 modules may sit in another directory of sys.path
# (a Bazel runfiles tree, for instance) than this package's own sources.
__path__ = pkgutil.extend_path(__path__, __name__)

DEFAULT_ADDRESS = "localhost:50051"
ADDRESS_VARIABLE = "SPIKESERVE_ADDRESS"
