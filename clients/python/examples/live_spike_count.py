#!/usr/bin/python3
"""Watch a network while it runs: spike counts streamed live from the server.

A small excitatory/inhibitory network driven by Poisson noise. While it runs,
the server streams the spikes it records (pyNN.spikeserve's live_data) and
this script prints the growing spike count and rate every 50 ms of
biological time; with --plot it also redraws a raster into a PNG at every
update. At the end the live spikes are checked against get_data().

    clients/python/examples/live_spike_count.py --server localhost:50051 [--plot raster.png]
"""

import argparse

import numpy as np

import spikeserve.pynn_path  # noqa: F401
import pyNN.spikeserve as sim
from pyNN.random import NumpyRNG, RandomDistribution


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=None, help="host:port (default $SPIKESERVE_ADDRESS)")
    parser.add_argument("--duration", type=float, default=500.0, help="ms of biological time")
    parser.add_argument("--policy", default="pause", choices=["pause", "drop_live"])
    parser.add_argument("--plot", default="", help="PNG redrawn at every update")
    args = parser.parse_args()

    sim.setup(timestep=0.1, min_delay=1.0, server=args.server, seed=42)
    rng = NumpyRNG(seed=42)
    cells = sim.Population(400, sim.IF_cond_exp(tau_refrac=2.0), label="network")
    exc, inh = cells[:320], cells[320:]
    noise = sim.Population(400, sim.SpikeSourcePoisson(rate=20.0), label="noise")
    sim.Projection(noise, cells, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.05, delay=1.0))
    delay = RandomDistribution("uniform", (1.0, 3.0), rng=rng)
    sim.Projection(exc, cells, sim.FixedProbabilityConnector(0.05, rng=rng),
                   sim.StaticSynapse(weight=0.004, delay=delay), receptor_type="excitatory")
    sim.Projection(inh, cells, sim.FixedProbabilityConnector(0.05, rng=rng),
                   sim.StaticSynapse(weight=0.05, delay=delay), receptor_type="inhibitory")
    cells.record("spikes")

    last = []

    def show(update):
        last[:] = [update]
        trains = update.block.segments[0].spike_trains[0]
        rate = trains.times_ms.size / cells.size / max(update.t_ms, 1e-9) * 1000.0
        print(f"t = {update.t_ms:7.1f} ms   spikes so far: {trains.times_ms.size:6d}   "
              f"mean rate {rate:5.1f} Hz" + ("   (done)" if update.final else ""))
        if args.plot:
            plot(trains, update.t_ms, args.plot)

    with sim.live_data(cells, ["spikes"], show, policy=args.policy, interval=50.0):
        sim.run(args.duration)

    recorded = cells.get_data().segments[0].spiketrains
    total = sum(len(train) for train in recorded)
    streamed = last[0].block.segments[0].spike_trains[0].times_ms.size
    skipped = sum(report.num_spikes for report in last[0].block.skipped)
    print(f"get_data(): {total} spikes from {len(recorded)} cells; streamed live: {streamed}"
          f" (+ {skipped} dropped by the {args.policy} policy)")
    sim.end()


def plot(trains, t_ms, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(8, 4))
    axes.plot(trains.times_ms, trains.ids, ".", markersize=1)
    axes.set_xlim(0, max(t_ms, 1.0))
    axes.set_xlabel("time (ms)")
    axes.set_ylabel("cell id")
    figure.savefig(path, dpi=80)
    plt.close(figure)


if __name__ == "__main__":
    main()
