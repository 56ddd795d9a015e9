#!/usr/bin/python3
"""Latency of small RPCs on loopback, from the Python client.

Times N calls each of SetParameters on one cell (PyNN's `cell.tau_m = x`), of
a Run that advances 0 ms, and of Runs of 10 ms and of 250 ms (two progress
events on the stream) of a small network (100 IF_curr_exp cells driven by 100
Poisson sources), and reports medians and 90th percentiles. For the small
network it also reports what the RPC adds to the simulation: the call's wall
time minus the run's own wall time as the server measured it
(RunFinished.wall_s), per call.

With --compare-binary the same calls go to a second server (another build),
alternating between the two in rounds of --round calls, so that both see the
same noise of a shared machine.

    bench/rpc_latency.py [--calls 2000] [--server-binary PATH] [--compare-binary PATH]
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

SMALL_RUNS_MS = (10.0, 250.0)


class Calls:
    """The timed calls on one server, with their samples (microseconds)."""

    def __init__(self, session):
        self.session = session
        cells = session.create_population(10, "IF_curr_exp")
        self.one = Cells(cells.population_id, np.array([3], dtype=np.uint32))
        network = session.create_population(100, "IF_curr_exp")
        noise = session.create_population(100, "SpikeSourcePoisson", {"rate": 20.0})
        session.create_projection([Cells(noise.population_id)], [Cells(network.population_id)],
                                  {"name": "FixedProbabilityConnector",
                                   "parameters": {"p_connect": 0.1}, "seed": 3},
                                  synapse_parameters={"weight": 0.5, "delay": 1.0})
        self.samples = {"set": [], "run0": []}
        for ms in SMALL_RUNS_MS:
            self.samples[ms] = []
            self.samples[ms, "added"] = []

    def round(self, calls):
        session = self.session
        for _ in range(calls):
            started = time.perf_counter_ns()
            session.set_parameters(self.one, {"tau_m": 12.0})
            self.samples["set"].append((time.perf_counter_ns() - started) / 1e3)
        for _ in range(calls):
            started = time.perf_counter_ns()
            session.run_until(session.t)
            self.samples["run0"].append((time.perf_counter_ns() - started) / 1e3)
        for ms in SMALL_RUNS_MS:
            for _ in range(calls):
                started = time.perf_counter_ns()
                finished = session.run_until(session.t + ms)
                wall_us = (time.perf_counter_ns() - started) / 1e3
                self.samples[ms].append(wall_us)
                self.samples[ms, "added"].append(wall_us - finished.wall_s * 1e6)


ROWS = [("set", "SetParameters (one cell, one value)"),
        ("run0", "Run of 0 ms (stream: RunFinished only)")]
for _ms in SMALL_RUNS_MS:
    ROWS += [(_ms, f"Run of {_ms:g} ms, 100 cells + 100 Poisson sources"),
             ((_ms, "added"), "... of which the RPC (wall - RunFinished.wall_s)")]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--round", type=int, default=100,
                        help="calls of one kind in a row before the next kind or server")
    parser.add_argument("--server-binary", default="bazel-bin/server/spikeserve")
    parser.add_argument("--compare-binary", default="",
                        help="a second server build, measured alternately with the first")
    args = parser.parse_args()
    binaries = [args.server_binary] + ([args.compare_binary] if args.compare_binary else [])
    servers = [ServerProcess(binary, f"/tmp/bench-latency-server-{k}.log")
               for k, binary in enumerate(binaries)]
    for server in servers:
        server.__enter__()
    try:
        sessions = [Session(server.address) for server in servers]
        measured = [Calls(session) for session in sessions]
        done = 0
        while done < args.calls:
            n = min(args.round, args.calls - done)
            for calls in measured:
                calls.round(n)
            done += n
        for session in sessions:
            session.close()
    finally:
        for server in servers:
            server.__exit__(None, None, None)
    print(f"Python client, loopback, {args.calls} calls each (microseconds, median / 90th "
          "percentile)")
    print("| call | " + " | ".join(binaries) + " |")
    print("|---|" + "---|" * len(binaries))
    for key, name in ROWS:
        cells = [f"{statistics.median(m.samples[key]):.0f} / "
                 f"{np.percentile(m.samples[key], 90):.0f}" for m in measured]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
