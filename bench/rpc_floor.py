#!/usr/bin/python3
"""How much of a small RPC from Python is grpcio's and how much is spikeserve's.

Against one server, times the same small calls made ever more bare, alternating
between them in rounds of --round calls so that all see the same noise, and
prints medians and 90th percentiles in microseconds:

  unary   Health.Check with raw bytes (the cheapest call the server answers:
          grpcio's floor), SetParameters as prebuilt raw bytes, the prebuilt
          message through the generated stub, with and without a deadline,
          and Session.set_parameters (what PyNN's `cell.tau_m = x` costs);
          plus building the request alone, without sending it;
  stream  a one-message stream (GetParameters of one cell) and a Run of 0 ms
          over a channel with grpcio's default multi-threaded unary-stream
          calls and over one with single-threaded ones (what Session uses),
          and Session.run_until.

    bench/rpc_floor.py [--calls 2000] [--round 100] [--server-binary PATH]
"""

import argparse
import os
import statistics
import sys
import time

import grpc
import grpc.experimental
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import ServerProcess  # noqa: E402
from spikeserve.session import UNARY_TIMEOUT_S, Session  # noqa: E402
from spikeserve.values import Cells  # noqa: E402
from spikeserve.v1 import simulator_pb2, simulator_pb2_grpc  # noqa: E402

SERVICE = "/spikeserve.v1.Simulator/"


def channel(address, single_threaded_streams):
    options = [("grpc.keepalive_time_ms", 60_000)]
    if single_threaded_streams:
        options.append((grpc.experimental.ChannelOptions.SingleThreadedUnaryStream, 1))
    return grpc.insecure_channel(address, options=options)


def variants(session, address):
    cells = session.create_population(10, "IF_curr_exp")
    one = Cells(cells.population_id, np.array([3], dtype=np.uint32))
    request = simulator_pb2.SetParametersRequest(session_id=session.id, cells=one.to_proto())
    request.parameters["tau_m"].scalar = 12.0
    raw_request = request.SerializeToString()
    one_value = simulator_pb2.GetParametersRequest(session_id=session.id, cells=one.to_proto(),
                                                   names=["tau_m"]).SerializeToString()
    run0 = simulator_pb2.RunRequest(session_id=session.id, until_ms=0.0)
    multi, single = channel(address, False), channel(address, True)
    health = single.unary_unary("/grpc.health.v1.Health/Check")
    raw_set = single.unary_unary(SERVICE + "SetParameters")
    stub = simulator_pb2_grpc.SimulatorStub(single)
    streams = {name: (ch.unary_stream(SERVICE + "GetParameters"),
                      simulator_pb2_grpc.SimulatorStub(ch))
               for name, ch in (("multi-threaded", multi), ("single-threaded", single))}

    def build():
        message = simulator_pb2.SetParametersRequest(session_id=session.id, cells=one.to_proto())
        session._fill(message.parameters, {"tau_m": 12.0})

    calls = {
        "Health.Check, raw bytes": lambda: health(b""),
        "SetParameters, prebuilt raw bytes": lambda: raw_set(raw_request),
        "SetParameters, prebuilt message via stub": lambda: stub.SetParameters(request),
        "SetParameters, prebuilt message via stub, deadline":
            lambda: stub.SetParameters(request, timeout=UNARY_TIMEOUT_S),
        "Session.set_parameters": lambda: session.set_parameters(one, {"tau_m": 12.0}),
        "building the SetParameters request only": build,
    }
    for name, (get_parameters, streaming_stub) in streams.items():
        calls[f"one-message stream (GetParameters), {name}"] = (
            lambda call=get_parameters: list(call(one_value)))
        calls[f"Run of 0 ms via stub, {name}"] = (
            lambda s=streaming_stub: list(s.Run(run0)))
    calls["Session.run_until (Run of 0 ms)"] = lambda: session.run_until(session.t)
    return calls, (multi, single)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--round", type=int, default=100)
    parser.add_argument("--server-binary", default="bazel-bin/server/spikeserve")
    args = parser.parse_args()
    with ServerProcess(args.server_binary, "/tmp/bench-rpc-floor-server.log") as server:
        with Session(server.address) as session:
            calls, channels = variants(session, server.address)
            samples = {name: [] for name in calls}
            done = 0
            while done < args.calls:
                n = min(args.round, args.calls - done)
                for name, call in calls.items():
                    for _ in range(n):
                        started = time.perf_counter_ns()
                        call()
                        samples[name].append((time.perf_counter_ns() - started) / 1e3)
                done += n
            for ch in channels:
                ch.close()
    print(f"Python client (grpcio {grpc.__version__}), loopback, {args.calls} calls each "
          "(microseconds)")
    print("| call | median | 90th percentile |")
    print("|---|---|---|")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values):.1f} | {np.percentile(values, 90):.1f} |")


if __name__ == "__main__":
    sys.exit(main())
