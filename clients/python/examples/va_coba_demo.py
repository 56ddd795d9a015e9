#!/usr/bin/python3
"""The Vogels-Abbott COBA network (Brette et al. 2007, benchmark 1) on spikeserve.

4000 IF_cond_exp cells (3200 excitatory, 800 inhibitory), 2 % random
connectivity, a 50 ms Poisson kick to start the activity, 1 s of biological
time; writes a raster plot and a population-rate histogram.

    clients/python/examples/va_coba_demo.py --server localhost:50051 --output coba.png
"""

import argparse
import time

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import spikeserve.pynn_path  # noqa: F401,E402
import pyNN.spikeserve as sim  # noqa: E402
from pyNN.random import NumpyRNG, RandomDistribution  # noqa: E402

# Published parameters (Brette et al. 2007, COBA): membrane area 20000 um^2,
# g_leak 5e-5 S/cm^2 -> cm 0.2 nF, tau_m 20 ms; conductances 4 nS / 51 nS.
CELL = dict(tau_m=20.0, cm=0.2, v_rest=-60.0, v_reset=-60.0, v_thresh=-50.0, tau_refrac=5.0,
            tau_syn_E=5.0, tau_syn_I=10.0, e_rev_E=0.0, e_rev_I=-80.0)
N_EXC, N_INH, P_CONNECT, DELAY = 3200, 800, 0.02, 0.2
W_EXC, W_INH = 0.004, 0.051  # uS


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=None, help="host:port (default $SPIKESERVE_ADDRESS)")
    parser.add_argument("--output", default="coba.png")
    parser.add_argument("--duration", type=float, default=1000.0, help="ms")
    parser.add_argument("--seed", type=int, default=98765)
    args = parser.parse_args()

    started = time.perf_counter()
    sim.setup(timestep=0.1, min_delay=DELAY, max_delay=1.0, server=args.server, seed=args.seed)
    rng = NumpyRNG(seed=args.seed)
    exc = sim.Population(N_EXC, sim.IF_cond_exp(**CELL), label="excitatory")
    inh = sim.Population(N_INH, sim.IF_cond_exp(**CELL), label="inhibitory")
    cells = exc + inh
    cells.initialize(v=RandomDistribution("uniform", low=-60.0, high=-50.0, rng=rng))
    kick = sim.Population(20, sim.SpikeSourcePoisson(rate=100.0, duration=50.0), label="kick")
    connector = sim.FixedProbabilityConnector(P_CONNECT, rng=rng)
    sim.Projection(exc, cells, connector, sim.StaticSynapse(weight=W_EXC, delay=DELAY),
                   receptor_type="excitatory")
    sim.Projection(inh, cells, connector, sim.StaticSynapse(weight=W_INH, delay=DELAY),
                   receptor_type="inhibitory")
    sim.Projection(kick, exc, sim.FixedProbabilityConnector(0.01, rng=rng),
                   sim.StaticSynapse(weight=0.1, delay=DELAY), receptor_type="excitatory")
    cells.record("spikes")
    built = time.perf_counter()
    sim.run(args.duration)
    ran = time.perf_counter()
    spikes = [exc.get_data().segments[0].spiketrains, inh.get_data().segments[0].spiketrains]
    fetched = time.perf_counter()
    sim.end()

    counts = np.array([len(train) for group in spikes for train in group])
    rate = counts.mean() / (args.duration / 1000.0)
    intervals = [np.diff(train.magnitude) for group in spikes for train in group if len(train) > 2]
    cv = np.mean([isi.std() / isi.mean() for isi in intervals]) if intervals else float("nan")
    print(f"build {built - started:.2f} s, run {ran - built:.2f} s, "
          f"get_data {fetched - ran:.2f} s; mean rate {rate:.2f} Hz, CV(ISI) {cv:.2f}")

    figure, (raster, histogram) = plt.subplots(2, 1, figsize=(9, 6), sharex=True,
                                               gridspec_kw={"height_ratios": [3, 1]})
    offset = 0
    all_times = []
    for group, colour in zip(spikes, ("tab:red", "tab:blue")):
        for k, train in enumerate(group[:400]):
            raster.plot(train.magnitude, np.full(len(train), offset + k), ",", color=colour)
        offset += 400
        all_times.extend(train.magnitude for train in group)
    raster.set_ylabel("cell (400 exc, 400 inh shown)")
    raster.set_title(f"Vogels-Abbott COBA on spikeserve: {rate:.1f} Hz, CV {cv:.2f}")
    bins = np.arange(0.0, args.duration + 5.0, 5.0)
    histogram.hist(np.concatenate(all_times), bins=bins, color="0.3",
                   weights=np.full(sum(len(t) for t in all_times), 1000.0 / 5.0 / counts.size))
    histogram.set_xlabel("time (ms)")
    histogram.set_ylabel("rate (Hz)")
    figure.tight_layout()
    figure.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
