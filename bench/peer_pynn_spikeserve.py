#!/usr/bin/python3
"""The Vogels-Abbott network as a PyNN script on pyNN.spikeserve (one measured run).

Written as VAbenchmarks.py writes it; the timings cover what a user's script
waits for: setup to record (build), run, and get_data of every spike as neo
SpikeTrains (fetch; neo makes the per-cell SpikeTrain objects only when
they are first touched, which is not timed here). The server's memory and CPU time are read from /proc.
"""

import time

import numpy as np

import spikeserve.pynn_path  # noqa: F401  (lets `import pyNN.spikeserve` find the backend)
import pyNN.spikeserve as sim
from pyNN.random import NumpyRNG, RandomDistribution

import peer_protocol
import proc_status
import spike_statistics
import va_network as va


def build(net, seed, server, threads):
    """Returns (all cells as an Assembly, the projections)."""
    sim.setup(timestep=va.DT_MS, min_delay=va.DELAY_MS, max_delay=1.0, server=server, seed=seed,
              threads=threads)
    rng = NumpyRNG(seed=seed)
    cell_type = getattr(sim, net.cell_type)
    exc = sim.Population(net.n_exc, cell_type(**net.cell_parameters), label="excitatory")
    inh = sim.Population(net.n_inh, cell_type(**net.cell_parameters), label="inhibitory")
    cells = exc + inh
    cells.initialize(v=RandomDistribution("uniform", low=va.V_RESET, high=va.V_THRESH, rng=rng))
    kick = sim.Population(va.KICK_SOURCES, sim.SpikeSourcePoisson(
        rate=va.KICK_RATE_HZ, duration=va.KICK_DURATION_MS), label="kick")
    if net.fixed_probability:
        exc_connector = inh_connector = sim.FixedProbabilityConnector(va.P_CONNECT, rng=rng)
    else:
        exc_connector = sim.FixedNumberPreConnector(va.IN_DEGREE_EXC, rng=rng)
        inh_connector = sim.FixedNumberPreConnector(va.IN_DEGREE_INH, rng=rng)
    projections = [
        sim.Projection(exc, cells, exc_connector,
                       sim.StaticSynapse(weight=net.w_exc, delay=va.DELAY_MS),
                       receptor_type="excitatory"),
        sim.Projection(inh, cells, inh_connector,
                       sim.StaticSynapse(weight=net.w_inh, delay=va.DELAY_MS),
                       receptor_type="inhibitory"),
        sim.Projection(kick, exc, sim.FixedProbabilityConnector(va.KICK_P_CONNECT, rng=rng),
                       sim.StaticSynapse(weight=va.KICK_WEIGHT, delay=va.DELAY_MS),
                       receptor_type="excitatory"),
    ]
    cells.record("spikes")
    return (exc, inh), projections


def main():
    args = peer_protocol.parse_arguments(__doc__)
    net = va.network(args.model, args.neurons)
    server_rss_before = proc_status.rss_bytes(args.server_pid)

    started = time.perf_counter()
    (exc, inh), projections = build(net, args.seed, args.server, args.threads)
    built = time.perf_counter()
    server_rss_built = proc_status.rss_bytes(args.server_pid)
    server_cpu_before = proc_status.cpu_seconds(args.server_pid)
    sim.run(args.duration)
    ran = time.perf_counter()
    server_cpu_ran = proc_status.cpu_seconds(args.server_pid)
    trains = [population.get_data("spikes").segments[0].spiketrains for population in (exc, inh)]
    fetched = time.perf_counter()
    peak = proc_status.peak_rss_bytes(args.server_pid)
    sim.end()

    # neo builds the SpikeTrainList lazily from the multiplexed arrays; read
    # those rather than materialise one SpikeTrain object per cell.
    # Cell index in 0..N-1: excitatory first, as every peer numbers them.
    cells, times = [], []
    for offset, population, group in zip((0, net.n_exc), (exc, inh), trains):
        ids, spike_times = group.multiplexed
        cells.append(offset + population.id_to_index(np.asarray(ids, dtype=int)))
        times.append(spike_times.magnitude)
    cells, times = np.concatenate(cells), np.concatenate(times)
    peer_protocol.write_result(
        args.output, synapses=sum(len(p) for p in projections),
        build_s=built - started, sim_s=ran - built, sim_cpu_s=server_cpu_ran - server_cpu_before,
        fetch_s=fetched - ran, peak_rss_bytes=peak,
        build_rss_growth_bytes=server_rss_built - server_rss_before,
        **spike_statistics.summarise(cells, times, net.n_neurons, args.duration))


if __name__ == "__main__":
    main()
