"""What run.py and a peer process say to each other.

run.py starts every measured simulation in a fresh interpreter, so the
interpreter's start-up and imports are outside every timing and one run's
memory cannot leak into the next. A peer script takes the arguments below,
builds, runs and reads back one network, and writes one JSON object (the
keys of RESULT_KEYS; None where a figure does not apply) to --output.
"""

import argparse
import json

from va_network import DURATION_MS, MODELS

RESULT_KEYS = (
    "synapses",                 # recurrent + kick synapses actually created
    "build_s",                  # wall: setup, populations, projections, record
    "compile_s",                # wall: C++ compilation (Brian2 cpp_standalone only)
    "sim_s",                    # wall: the simulation of DURATION_MS
    "sim_cpu_s",                # CPU seconds of the simulating process during sim_s
    "fetch_s",                  # wall: all spikes into Python objects
    "peak_rss_bytes",           # VmHWM of the simulating process
    "build_rss_growth_bytes",   # its resident memory after build minus before
    "spikes", "rate_hz", "cv_isi",
)


def parse_arguments(description, add_peer_arguments=None):
    """The common arguments; `add_peer_arguments(parser)` adds a peer's own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", choices=MODELS, required=True)
    parser.add_argument("--neurons", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--duration", type=float, default=DURATION_MS, help="ms")
    parser.add_argument("--output", required=True, help="JSON file to write")
    parser.add_argument("--server", help="host:port of the server (spikeserve peers)")
    parser.add_argument("--server-pid", type=int, help="its process id, for /proc")
    parser.add_argument("--threads", type=int, default=0,
                        help="the session's threads (spikeserve peers; 0: the server's default)")
    if add_peer_arguments is not None:
        add_peer_arguments(parser)
    return parser.parse_args()


def write_result(path, **figures):
    unknown = set(figures) - set(RESULT_KEYS)
    if unknown:
        raise ValueError(f"not result keys: {sorted(unknown)}")
    with open(path, "w") as output:
        json.dump({key: figures.get(key) for key in RESULT_KEYS}, output)
