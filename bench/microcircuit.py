#!/usr/bin/python3
"""The Potjans & Diesmann (2014) cortical microcircuit as a plain PyNN script.

    bench/microcircuit.py --scale 1.0 --threads 2 --duration 1000 --record-spikes all

Potjans TC, Diesmann M (2014) The cell-type specific cortical microcircuit:
relating structure and activity in a full-scale spiking network model. Cereb.
Cortex 24:785-806. Parameters are the published ones, as NEST's PyNEST example
(pynest/examples/Potjans_2014) and PyNN's examples/Potjans2014 state them:

- 8 populations of IF_curr_exp cells (77,169 at full scale), initial v normal
  (-58 mV, sd 10 mV: the "original" initialisation of both reference versions).
- Connections per pair: K = log(1 - C) / log(1 - 1 / (N_pre N_post)) synapses
  drawn with FixedTotalNumberConnector (multapses and autapses allowed, as
  published), 298,880,968 in total at full scale.
- PSC amplitude 87.8 pA (L4E -> L23E doubled), inhibitory g = -4, relative sd
  0.1 everywhere (NEST's PSP_sd; PyNN's example uses 0.05 for L4E -> L23E),
  each weight clipped to keep its sign; delays normal (1.5 ms excitatory,
  0.75 ms inhibitory, relative sd 0.5) clipped below at dt (normal_clipped).
- Background: per cell an independent Poisson source at 8 Hz x K_ext, through
  a OneToOneConnector with the excitatory weight (NEST's 1.5 ms delay).

Scaling (--scale, --k-scale), as the PyNN example does it: --scale multiplies
the number of neurons and keeps each cell's in-degree (total synapses
K_full/N_post_full x N_post, so the synapse count scales with --scale and
the activity stays close to the full model's); --k-scale < 1 additionally
scales the in-degrees (recurrent and K_ext), multiplies the weights by
1/sqrt(k) and adds the DC current that keeps each cell's mean input (from
the published full-scale rates) as in the diffusion approximation.

The part below `build()` measures: build (setup to record) and simulation
wall time, the real-time factor (simulation / biological time), the
server's peak RSS (a fresh server per run unless --server is given), the
synapse count against the formula, and the mean rate per population.
"""

import argparse
import importlib
import json
import math
import os
import sys
import time

import numpy as np

BENCH_DIRECTORY = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIRECTORY), "clients", "python"))

POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N_FULL = np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948])
# Connection probabilities, [target][source].
CONN_PROBS = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443]])
K_EXT = np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100])
# Full-scale mean rates (Hz) of NEST's example (network_params.py), which it
# uses for the DC compensation of --k-scale; also the reference we compare with.
FULL_MEAN_RATES = np.array([0.971, 2.868, 4.746, 5.396, 8.142, 9.078, 0.991, 7.523])

CELL_PARAMETERS = dict(cm=0.25, tau_m=10.0, tau_refrac=2.0, v_rest=-65.0, v_reset=-65.0,
                       v_thresh=-50.0, tau_syn_E=0.5, tau_syn_I=0.5, i_offset=0.0)
V0_MEAN, V0_SD = -58.0, 10.0  # mV
W_MEAN = 0.0878  # nA
W_REL_SD = 0.1
G = -4.0
BG_RATE = 8.0  # Hz per external synapse
DELAY_MEAN = {"E": 1.5, "I": 0.75}  # ms
DELAY_REL_SD = 0.5
BACKGROUND_DELAY = 1.5  # ms
DT = 0.1  # ms


def is_excitatory(index):
    return POPULATIONS[index].endswith("E")


def full_in_degrees():
    """Synapses per target cell at full scale, [target][source]."""
    pairs = np.outer(N_FULL, N_FULL).astype(float)
    with np.errstate(divide="ignore"):
        total = np.round(np.log(1.0 - CONN_PROBS) / np.log(1.0 - 1.0 / pairs))
    return total / N_FULL[:, None]


def weight_matrix():
    """Mean PSC amplitude (nA), [target][source]."""
    w = np.where([is_excitatory(j) for j in range(8)], W_MEAN, G * W_MEAN)[None, :].repeat(8, 0)
    w[0, 2] *= 2.0  # L4E -> L23E
    return w


def population_sizes(scale):
    return np.array([int(n * scale) for n in N_FULL])


def synapse_numbers(scale, k_scale):
    """Total synapses per projection, [target][source] (PyNN example's rounding)."""
    sizes = population_sizes(scale)
    return np.round(full_in_degrees() * k_scale * sizes[:, None]).astype(np.int64)


def build(sim, scale, k_scale, record_spikes, seed):
    """The network, with PyNN calls only. Returns (populations, projections)."""
    from pyNN.random import NumpyRNG, RandomDistribution
    rng = NumpyRNG(seed=seed)
    sizes = population_sizes(scale)
    w = weight_matrix() / math.sqrt(k_scale)
    w_ext = W_MEAN / math.sqrt(k_scale)
    # DC that keeps the mean input when in-degrees shrink (PyNN example's scaling.py).
    mean_input = (weight_matrix() * full_in_degrees() * FULL_MEAN_RATES[None, :]).sum(1) \
        + W_MEAN * K_EXT * BG_RATE
    dc = 1e-3 * CELL_PARAMETERS["tau_syn_E"] * (1.0 - math.sqrt(k_scale)) * mean_input  # nA

    populations = []
    for i, name in enumerate(POPULATIONS):
        cells = sim.Population(int(sizes[i]), sim.IF_curr_exp(**dict(CELL_PARAMETERS,
                                                                      i_offset=dc[i])),
                               label=name)
        cells.initialize(v=RandomDistribution("normal", mu=V0_MEAN, sigma=V0_SD, rng=rng))
        if record_spikes == "all":
            cells.record("spikes")
        populations.append(cells)

    projections = []
    n_syn = synapse_numbers(scale, k_scale)
    for i, post in enumerate(populations):
        background = sim.Population(post.size, sim.SpikeSourcePoisson(
            rate=BG_RATE * K_EXT[i] * k_scale), label=f"background {POPULATIONS[i]}")
        projections.append(sim.Projection(background, post, sim.OneToOneConnector(),
                                          sim.StaticSynapse(weight=w_ext, delay=BACKGROUND_DELAY),
                                          receptor_type="excitatory"))
        for j, pre in enumerate(populations):
            if n_syn[i, j] == 0:
                continue
            excitatory = is_excitatory(j)
            sd = abs(w[i, j]) * W_REL_SD
            bounds = (0.0, math.inf) if excitatory else (-math.inf, 0.0)
            weight = RandomDistribution("normal_clipped", mu=w[i, j], sigma=sd,
                                        low=bounds[0], high=bounds[1], rng=rng)
            d_mean = DELAY_MEAN["E" if excitatory else "I"]
            delay = RandomDistribution("normal_clipped", mu=d_mean, sigma=d_mean * DELAY_REL_SD,
                                       low=DT, high=math.inf, rng=rng)
            projections.append(sim.Projection(
                pre, post, sim.FixedTotalNumberConnector(int(n_syn[i, j]), with_replacement=True,
                                                         rng=rng),
                sim.StaticSynapse(weight=weight, delay=delay),
                receptor_type="excitatory" if excitatory else "inhibitory",
                label=f"{POPULATIONS[j]}->{POPULATIONS[i]}"))
    return populations, projections


def population_rates(populations, duration, transient):
    """Mean rate (Hz) per population over [transient, duration) and total spikes."""
    rates, total = {}, 0
    for cells in populations:
        trains = cells.get_data("spikes").segments[0].spiketrains
        if hasattr(trains, "multiplexed"):
            _, times = trains.multiplexed
            times = np.asarray(times.magnitude if hasattr(times, "magnitude") else times)
        else:
            times = np.concatenate([np.asarray(t.magnitude) for t in trains] or [np.empty(0)])
        total += times.size
        counted = np.count_nonzero(times >= transient)
        rates[cells.label] = counted / (cells.size * (duration - transient) * 1e-3)
    return rates, total


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulator", default="spikeserve",
                        help="PyNN backend module (pyNN.<name>); spikeserve by default")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the neurons")
    parser.add_argument("--k-scale", type=float, default=1.0,
                        help="fraction of the in-degrees (with weight and DC compensation)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=float, default=1000.0,
                        help="biological ms; 0 builds the network only (the build figures)")
    parser.add_argument("--transient", type=float, default=100.0,
                        help="ms left out of the rates (the start-up burst)")
    parser.add_argument("--record-spikes", choices=("all", "none"), default="all")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--server", help="host:port of a running server (default: start one)")
    parser.add_argument("--server-pid", type=int, help="its pid, for its memory figures")
    parser.add_argument("--server-binary",
                        default=os.path.join(os.path.dirname(BENCH_DIRECTORY), "bazel-bin",
                                             "server", "spikeserve"))
    parser.add_argument("--server-log", default="/tmp/microcircuit_server.log")
    parser.add_argument("--heap-in-use", action="store_true",
                        help="also measure the server's live heap before and after the build "
                             "(glibc malloc_stats, which the server prints on SIGUSR1; needs its stderr in "
                             "--server-log, as when the benchmark starts the server)")
    parser.add_argument("--output", help="write the figures here as JSON")
    args = parser.parse_args()
    if not 0 < args.scale <= 1 or not 0 < args.k_scale <= 1:
        parser.error("--scale and --k-scale must be in (0, 1]")
    if args.duration < 0:
        parser.error("--duration must be >= 0")
    if 0 < args.duration <= args.transient and args.record_spikes == "all":
        parser.error("--duration must be 0 (build only) or longer than --transient, "
                     "which the rates leave out")
    return args


def engine_memory(sim, when):
    """The session's own account of its largest structures (DescribeSession);
    {} from a server that does not give one."""
    description = sim.simulator.state.session.describe()
    if not description.HasField("memory"):
        return {}
    return {f"engine_{name}_{when}": getattr(description.memory, name) for name in
            ("synapse_bytes", "ring_buffer_bytes", "recording_bytes", "spilled_recording_bytes")}


def run(args, sim, setup_extra, server_pid):
    import proc_status
    figures = {"command": " ".join(sys.argv), "scale": args.scale, "k_scale": args.k_scale,
               "threads": args.threads, "duration_ms": args.duration,
               "neurons": int(population_sizes(args.scale).sum()),
               "synapses_formula": int(synapse_numbers(args.scale, args.k_scale).sum())}
    rss_before = proc_status.rss_bytes(server_pid) if server_pid else None
    heap_log = args.server_log if args.heap_in_use and server_pid else None
    heap_before = proc_status.heap_in_use_bytes(server_pid, heap_log) if heap_log else None
    build_cpu_before = proc_status.cpu_seconds(server_pid) if server_pid else None
    started = time.perf_counter()
    sim.setup(timestep=DT, min_delay=DT, **setup_extra)
    populations, projections = build(sim, args.scale, args.k_scale, args.record_spikes, args.seed)
    built = time.perf_counter()
    figures["build_s"] = built - started
    figures["synapses_recurrent"] = int(sum(len(p) for p in projections if p.label and "->" in p.label))
    figures["synapses_background"] = int(sum(len(p) for p in projections) -
                                         figures["synapses_recurrent"])
    if server_pid:
        figures["server_rss_built_bytes"] = proc_status.rss_bytes(server_pid)
        figures["build_rss_growth_bytes"] = figures["server_rss_built_bytes"] - rss_before
    if heap_log:
        figures["build_heap_growth_bytes"] = (
            proc_status.heap_in_use_bytes(server_pid, heap_log) - heap_before)
    if args.simulator == "spikeserve":
        figures.update(engine_memory(sim, "built"))
        if "engine_synapse_bytes_built" in figures:
            figures["engine_bytes_per_synapse"] = figures["engine_synapse_bytes_built"] / max(
                1, figures["synapses_recurrent"] + figures["synapses_background"])
        cpu_before = proc_status.cpu_seconds(server_pid)
        figures["build_server_cpu_s"] = cpu_before - build_cpu_before
    print(f"built {figures['neurons']} cells, {figures['synapses_recurrent']} recurrent synapses "
          f"(formula {figures['synapses_formula']}) in {figures['build_s']:.1f} s", flush=True)
    if args.duration == 0:
        if server_pid:
            figures["server_peak_rss_bytes"] = proc_status.peak_rss_bytes(server_pid)
        sim.end()
        return figures
    sim.run(args.duration)
    ran = time.perf_counter()
    figures["sim_s"] = ran - built
    figures["real_time_factor"] = figures["sim_s"] / (args.duration * 1e-3)
    if server_pid:
        figures["sim_server_cpu_s"] = proc_status.cpu_seconds(server_pid) - cpu_before
    if args.record_spikes == "all":
        rates, total = population_rates(populations, args.duration, args.transient)
        figures["fetch_s"] = time.perf_counter() - ran
        figures["total_spikes"] = total
        figures["rates_hz"] = rates
        figures["reference_rates_hz"] = dict(zip(POPULATIONS, FULL_MEAN_RATES.tolist()))
    if args.simulator == "spikeserve":
        figures.update(engine_memory(sim, "ran"))
    if server_pid:
        figures["server_peak_rss_bytes"] = proc_status.peak_rss_bytes(server_pid)
        figures["bytes_per_synapse_build_growth"] = (
            figures["build_rss_growth_bytes"] / max(1, figures["synapses_recurrent"]))
        if "engine_synapse_bytes_built" in figures:
            # What the server grew by over the build that is not synapses,
            # per cell: cell state, parameters, ring buffers, the background
            # sources, recording set-up, bookkeeping and what the allocator
            # kept from the build.
            figures["bytes_per_neuron_build_growth_besides_synapses"] = (
                (figures["build_rss_growth_bytes"] - figures["engine_synapse_bytes_built"])
                / figures["neurons"])
            if heap_log:
                # The same from the live heap: what the cells, their ring
                # buffers, the sources and the bookkeeping hold, without the
                # pages the allocator keeps besides.
                figures["bytes_per_neuron_heap_growth_besides_synapses"] = (
                    (figures["build_heap_growth_bytes"] - figures["engine_synapse_bytes_built"])
                    / figures["neurons"])
    sim.end()
    return figures


def main():
    args = parse_arguments()
    sys.path.insert(0, BENCH_DIRECTORY)
    if args.simulator == "spikeserve":
        import spikeserve.pynn_path  # noqa: F401  (lets `import pyNN.spikeserve` find the backend)
    sim = importlib.import_module(f"pyNN.{args.simulator}")
    setup_extra = {"threads": args.threads}
    if args.simulator != "spikeserve":
        figures = run(args, sim, setup_extra, None)
    else:
        # The delays are unbounded above (normal_clipped): the server sizes
        # its ring buffers from the longest one drawn.
        setup_extra.update(max_delay="auto", seed=args.seed)
        if args.server:
            figures = run(args, sim, dict(setup_extra, server=args.server), args.server_pid)
        else:
            from server_process import ServerProcess
            with ServerProcess(args.server_binary, args.server_log) as server:
                figures = run(args, sim, dict(setup_extra, server=server.address), server.pid)
    print(json.dumps(figures, indent=1))
    if args.output:
        with open(args.output, "w") as out:
            json.dump(figures, out, indent=1)


if __name__ == "__main__":
    main()
