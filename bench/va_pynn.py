"""The Vogels-Abbott network as a PyNN script, written as VAbenchmarks.py
writes it, for any PyNN backend: the pyNN.spikeserve and pyNN.neuron peers
build and measure the same network with it."""

import time

from pyNN.random import NumpyRNG, RandomDistribution

import peer_protocol
import proc_status
import spike_statistics
import va_network as va


def build(sim, net, network_seed, **setup_options):
    """Sets `sim` up and builds `net` on it, recording every cell's spikes;
    returns ((excitatory, inhibitory), the projections). `network_seed` seeds
    the NumpyRNG that PyNN draws connections and initial v from; the
    backend's own seed, if any, goes in `setup_options`."""
    sim.setup(timestep=va.DT_MS, min_delay=va.DELAY_MS, max_delay=1.0, **setup_options)
    rng = NumpyRNG(seed=network_seed)
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


def measure(sim, net, args, pid, spike_arrays, **setup_options):
    """One measured run of `net` on `sim` (peer_protocol's result, written to
    args.output): build, run, and get_data of every spike, timed; memory and
    CPU time are those of process `pid`, the one that simulates.
    spike_arrays(net, (exc, inh), their SpikeTrainLists) gives every spike's
    cell index (excitatory first, as every peer numbers them) and time (ms)."""
    rss_before = proc_status.rss_bytes(pid)
    started = time.perf_counter()
    populations, projections = build(sim, net, args.seed, **setup_options)
    built = time.perf_counter()
    rss_built = proc_status.rss_bytes(pid)
    cpu_before = proc_status.cpu_seconds(pid)
    sim.run(args.duration)
    ran = time.perf_counter()
    cpu_ran = proc_status.cpu_seconds(pid)
    trains = [population.get_data("spikes").segments[0].spiketrains
              for population in populations]
    fetched = time.perf_counter()
    peak = proc_status.peak_rss_bytes(pid)
    cells, times = spike_arrays(net, populations, trains)
    sim.end()
    peer_protocol.write_result(
        args.output, synapses=sum(len(p) for p in projections),
        build_s=built - started, sim_s=ran - built, sim_cpu_s=cpu_ran - cpu_before,
        fetch_s=fetched - ran, peak_rss_bytes=peak, build_rss_growth_bytes=rss_built - rss_before,
        **spike_statistics.summarise(cells, times, net.n_neurons, args.duration))
