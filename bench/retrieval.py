#!/usr/bin/python3
"""Retrieval throughput: a large recording from the server into Python.

Records v of N IF_cond_exp cells for T ms (default 4000 x 10001 samples,
float64: 320 MB) and times, on loopback, medians of --repeats:
  raw     the GetData stream received, bytes untouched (gRPC's own ceiling);
  numpy   the stream assembled into numpy arrays (spikeserve.data.assemble);
  neo     pyNN.spikeserve's get_data(): the full neo.Block PyNN users get.

    bench/retrieval.py [--neurons 4000] [--duration 1000] [--repeats 3]
"""

import argparse
import statistics
import sys
import time

import numpy as np

import spikeserve.pynn_path  # noqa: F401
from server_process import ServerProcess
from spikeserve import data
from spikeserve.session import Session
from spikeserve.values import Cells
from spikeserve.v1 import data_pb2, simulator_pb2


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def raw_stream(session, population_id, variable="v"):
    request = simulator_pb2.GetDataRequest(
        session_id=session.id, variables=[variable])
    request.cells.parts.append(Cells(population_id).to_proto())
    total = 0
    for chunk in session._stub.GetData(request):
        if chunk.HasField("signal_chunk"):
            total += len(chunk.signal_chunk.data)
        elif chunk.HasField("spike_batch"):
            total += len(chunk.spike_batch.source_index_u32le) + len(chunk.spike_batch.times_f64le)
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neurons", type=int, default=4000)
    parser.add_argument("--duration", type=float, default=1000.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--server-binary", default="bazel-bin/server/spikeserve")
    args = parser.parse_args()

    with ServerProcess(args.server_binary, "/tmp/bench-retrieval-server.log") as server:
        # Low-level path: raw and numpy.
        with Session(server.address) as session:
            cells = session.create_population(args.neurons, "IF_cond_exp", {"i_offset": 0.5})
            session.record([Cells(cells.population_id)], ["v"])
            session.run_until(args.duration)
            raw, assembled = [], []
            for _ in range(args.repeats):
                seconds, payload = timed(lambda: raw_stream(session, cells.population_id))
                raw.append(seconds)
                seconds, block = timed(lambda: session.get_data([Cells(cells.population_id)],
                                                                ["v"]))
                assembled.append(seconds)
            values = block.segments[0].signal("v").values
        # PyNN path: a complete neo.Block.
        import pyNN.spikeserve as sim
        sim.setup(server=server.address)
        population = sim.Population(args.neurons, sim.IF_cond_exp(i_offset=0.5))
        population.record("v")
        sim.run(args.duration)
        through_neo = []
        for _ in range(args.repeats):
            seconds, neo_block = timed(lambda: population.get_data("v"))
            through_neo.append(seconds)
        signal = neo_block.segments[0].analogsignals[0]
        assert signal.shape == values.shape
        sim.end()

    megabytes = payload / 1e6
    print(f"{args.neurons} cells x {values.shape[0]} samples of v, float64: {megabytes:.0f} MB "
          f"(medians of {args.repeats}, loopback)")
    print("| path | seconds | MB/s |")
    print("|---|---|---|")
    for name, times in (("raw gRPC stream", raw), ("numpy (spikeserve.data)", assembled),
                        ("neo.Block (pyNN.spikeserve get_data)", through_neo)):
        median = statistics.median(times)
        print(f"| {name} | {median:.2f} | {megabytes / median:.0f} |")


if __name__ == "__main__":
    sys.exit(main())
