#!/usr/bin/python3
"""Network build on the server: synapses created per second.

For N = 1000, 2000, 4000, 8000 it creates two populations of N IF_cond_exp
cells and times CreateProjection with FixedProbabilityConnector(0.02) and
FixedNumberPreConnector(80), recurrent (self-connections to screen) and
between the two populations, through the low-level Python client, and
reads the call's own duration from the server's log line (the server's
part; the rest is the client building the request and the RPC).

    bench/build_throughput.py [--server-binary PATH]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import ServerProcess  # noqa: E402
from spikeserve.session import Session  # noqa: E402
from spikeserve.values import Cells  # noqa: E402

CONNECTORS = {
    "FixedProbability(0.02)": {"name": "FixedProbabilityConnector",
                               "parameters": {"p_connect": 0.02}},
    "FixedNumberPre(80)": {"name": "FixedNumberPreConnector", "parameters": {"n": 80}},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-binary", default="bazel-bin/server/spikeserve")
    args = parser.parse_args()
    print("| connector | N | pre | synapses | ms | M synapses/s | server ms | server M synapses/s |")
    print("|---|---|---|---|---|---|---|---|")
    log_path = "/tmp/bench-build-server.log"
    with ServerProcess(args.server_binary, log_path) as server:
        for label, connector in CONNECTORS.items():
            for n in (1000, 2000, 4000, 8000):
                with Session(server.address) as session:
                    target = session.create_population(n, "IF_cond_exp")
                    other = session.create_population(n, "IF_cond_exp")
                    for name, pre in (("same population", target), ("other population", other)):
                        calls_before = len(call_lines(log_path, "CreateProjection"))
                        started = time.perf_counter()
                        info = session.create_projection(
                            [Cells(pre.population_id)], [Cells(target.population_id)], connector,
                            synapse_parameters={"weight": 0.004, "delay": 0.2})
                        seconds = time.perf_counter() - started
                        server_ms = call_ms(log_path, "CreateProjection", calls_before)
                        print(f"| {label} | {n} | {name} | {info.num_connections} | "
                              f"{seconds * 1000:.1f} | {info.num_connections / seconds / 1e6:.1f} | "
                              f"{server_ms:.1f} | {info.num_connections / server_ms / 1e3:.1f} |")


def call_lines(log_path, method):
    """The server's log lines for `method` (README: one line per call)."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        return [line for line in log if f"rpc={method} " in line]


def call_ms(log_path, method, index):
    """duration_ms of the server's line for call number `index` of `method`,
    waiting briefly for it: the server logs a call after answering it."""
    deadline = time.monotonic() + 5.0
    while len(lines := call_lines(log_path, method)) <= index:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server logged no {method} call number {index + 1}")
        time.sleep(0.01)
    for field in lines[index].split():
        if field.startswith("duration_ms="):
            return float(field.split("=", 1)[1])
    raise RuntimeError(f"no duration_ms in the server's log line {lines[index]!r}")


if __name__ == "__main__":
    sys.exit(main())
