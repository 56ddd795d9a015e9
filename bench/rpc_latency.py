#!/usr/bin/python3
"""Latency of small RPCs on loopback, from the Python client.

Times N calls of SetParameters on one cell (PyNN's `cell.tau_m = x`) and of a
Run that advances 0 ms, and reports medians and 90th percentiles.

    bench/rpc_latency.py [--calls 2000] [--server-binary PATH]
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import ServerProcess  # noqa: E402
from spikeserve.session import Session  # noqa: E402
from spikeserve.values import Cells  # noqa: E402


def timings(call, calls):
    samples = []
    for _ in range(calls):
        started = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - started) / 1000.0)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--server-binary", default="bazel-bin/server/spikeserve")
    args = parser.parse_args()
    with ServerProcess(args.server_binary, "/tmp/bench-latency-server.log") as server:
        with Session(server.address) as session:
            cells = session.create_population(10, "IF_curr_exp")
            one = Cells(cells.population_id, np.array([3], dtype=np.uint32))
            results = {
                "SetParameters (one cell, one value)":
                    timings(lambda: session.set_parameters(one, {"tau_m": 12.0}), args.calls),
                "Run of 0 ms (stream: progress + finished)":
                    timings(lambda: session.run_until(session.t), args.calls),
            }
    print(f"Python client, loopback, {args.calls} calls each (microseconds)")
    print("| call | median | 90th percentile |")
    print("|---|---|---|")
    for name, samples in results.items():
        print(f"| {name} | {statistics.median(samples):.0f} | "
              f"{np.percentile(samples, 90):.0f} |")


if __name__ == "__main__":
    sys.exit(main())
