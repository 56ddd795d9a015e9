#!/usr/bin/python3
"""Server memory per neuron and per synapse, each on its own.

Builds the Vogels-Abbott network of bench/run.py (fixed in-degree 80 above
4000 cells) twice through the server, each time in a fresh server process,
and takes the growth of the server's resident set over the build:
  cells only   the populations, spikes of every cell recorded;
  network      the same and the projections.
Per neuron = cells-only growth / neurons (cell state, parameters, ring
buffers, recording structures, the session's bookkeeping); per synapse =
(network growth - cells-only growth) / synapses. The figures include what
the allocator keeps, as any RSS does.

    bench/memory.py [--model COBA] [--neurons 100000,1000000] [--server-binary PATH]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_lowlevel_spikeserve as lowlevel  # noqa: E402
import proc_status  # noqa: E402
import va_network as va  # noqa: E402
from server_process import ServerProcess  # noqa: E402
from spikeserve.session import Session  # noqa: E402

SEED = 1


def growth(binary, net, with_projections):
    """(RSS growth in bytes over the build, synapses built)."""
    with ServerProcess(binary, "/tmp/bench-memory-server.log") as server:
        with Session(server.address, timestep=va.DT_MS, min_delay=va.DELAY_MS, max_delay=1.0,
                     seed=SEED) as session:
            before = proc_status.rss_bytes(server.pid)
            exc, inh, kick = lowlevel.build_cells(session, net, SEED)
            synapses = 0
            if with_projections:
                projections = lowlevel.connect(session, net, SEED, exc, inh, kick)
                synapses = sum(p.num_connections for p in projections)
            return proc_status.rss_bytes(server.pid) - before, synapses


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="COBA", choices=va.MODELS)
    parser.add_argument("--neurons", default="100000")
    parser.add_argument("--server-binary", default="bazel-bin/server/spikeserve")
    args = parser.parse_args()
    print("| neurons | synapses | cells-only growth MiB | network growth MiB "
          "| B per neuron | B per synapse |")
    print("|---|---|---|---|---|---|")
    for neurons in (int(n) for n in args.neurons.split(",")):
        net = va.network(args.model, neurons)
        cells, _ = growth(args.server_binary, net, False)
        whole, synapses = growth(args.server_binary, net, True)
        print(f"| {neurons} | {synapses} | {cells / 2**20:.1f} | {whole / 2**20:.1f} | "
              f"{cells / neurons:.0f} | {(whole - cells) / synapses:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
