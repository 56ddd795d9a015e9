#!/usr/bin/python3
"""Retrieval throughput: a large recording from the server into Python.

Records v of N IF_cond_exp cells for T ms (default 4000 x 10001 samples,
float64: 320 MB) and times, on loopback, medians of --repeats:
  raw     the GetData stream as grpcio delivers it, messages not parsed
          (grpcio's own ceiling);
  numpy   the stream assembled into numpy arrays (spikeserve.data.assemble);
  neo     pyNN.spikeserve's get_data(): the full neo.Block PyNN users get.

    bench/retrieval.py [--neurons 4000] [--duration 1000] [--repeats 3]
"""

import argparse
import gc
import statistics
import sys
import time

import spikeserve.pynn_path  # noqa: F401
from server_process import ServerProcess
from spikeserve.session import Session
from spikeserve.values import Cells
from spikeserve.v1 import simulator_pb2


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def raw_stream(session, population_id, variable="v"):
    """The bytes of the GetData messages as grpcio delivers them, not parsed:
    the payload plus a few bytes of framing per chunk."""
    request = simulator_pb2.GetDataRequest(
        session_id=session.id, variables=[variable])
    request.cells.parts.append(Cells(population_id).to_proto())
    get_data = session._channel.unary_stream(
        "/spikeserve.v1.Simulator/GetData",
        request_serializer=simulator_pb2.GetDataRequest.SerializeToString)
    return sum(len(message) for message in get_data(request))


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
                seconds, _ = timed(lambda: raw_stream(session, cells.population_id))
                raw.append(seconds)
                block = None
                seconds, block = timed(lambda: session.get_data([Cells(cells.population_id)],
                                                                ["v"]))
                assembled.append(seconds)
            values = block.segments[0].signal("v").values
            payload = block.total_bytes
        # PyNN path: a complete neo.Block.
        import pyNN.spikeserve as sim
        sim.setup(server=server.address)
        population = sim.Population(args.neurons, sim.IF_cond_exp(i_offset=0.5))
        population.record("v")
        sim.run(args.duration)
        through_neo = []
        for _ in range(args.repeats):
            # neo's objects refer to each other (segment <-> block), so the
            # previous block's arrays wait for the cycle collector: free them
            # now, not while the next block is being assembled.
            neo_block = None
            gc.collect()
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
