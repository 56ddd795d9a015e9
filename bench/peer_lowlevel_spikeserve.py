#!/usr/bin/python3
"""The Vogels-Abbott network through the low-level client `spikeserve.session`.

The same network as peer_pynn_spikeserve.py, but with no PyNN in between,
so the difference between the two is PyNN's (and neo's) overhead. The
initial membrane potentials are drawn on the server here, not in Python.
"""

import time

import numpy as np

from spikeserve.session import Session
from spikeserve.values import Cells, RandomValue

import peer_protocol
import proc_status
import spike_statistics
import va_network as va


def _connector(name, seed, **parameters):
    return {"name": name, "seed": seed,
            "parameters": dict(parameters, allow_self_connections=1.0)}


def build_cells(session, net, seed):
    """The populations, with the spikes of the network's cells recorded:
    returns the PopulationInfo of (excitatory, inhibitory, kick sources)."""
    v_init = RandomValue("uniform", {"low": va.V_RESET, "high": va.V_THRESH}, seed=seed)
    exc = session.create_population(net.n_exc, net.cell_type, net.cell_parameters,
                                    {"v": v_init}, label="excitatory")
    inh = session.create_population(net.n_inh, net.cell_type, net.cell_parameters,
                                    {"v": v_init}, label="inhibitory")
    kick = session.create_population(va.KICK_SOURCES, "SpikeSourcePoisson",
                                     {"rate": va.KICK_RATE_HZ, "duration": va.KICK_DURATION_MS},
                                     label="kick")
    session.record([Cells(exc.population_id), Cells(inh.population_id)], ["spikes"])
    return exc, inh, kick


def connect(session, net, seed, exc, inh, kick):
    """The projections (their ProjectionInfo) between build_cells' populations."""
    cells = [Cells(exc.population_id), Cells(inh.population_id)]
    if net.fixed_probability:
        exc_connector = _connector("FixedProbabilityConnector", seed + 1, p_connect=va.P_CONNECT)
        inh_connector = _connector("FixedProbabilityConnector", seed + 2, p_connect=va.P_CONNECT)
    else:
        exc_connector = _connector("FixedNumberPreConnector", seed + 1,
                                   n=va.IN_DEGREE_EXC, with_replacement=0.0)
        inh_connector = _connector("FixedNumberPreConnector", seed + 2,
                                   n=va.IN_DEGREE_INH, with_replacement=0.0)
    kick_connector = _connector("FixedProbabilityConnector", seed + 3, p_connect=va.KICK_P_CONNECT)
    return [
        session.create_projection([Cells(exc.population_id)], cells, exc_connector,
                                  synapse_parameters={"weight": net.w_exc, "delay": va.DELAY_MS},
                                  receptor_type="excitatory"),
        session.create_projection([Cells(inh.population_id)], cells, inh_connector,
                                  synapse_parameters={"weight": net.w_inh, "delay": va.DELAY_MS},
                                  receptor_type="inhibitory"),
        session.create_projection([Cells(kick.population_id)], [Cells(exc.population_id)],
                                  kick_connector,
                                  synapse_parameters={"weight": va.KICK_WEIGHT,
                                                      "delay": va.DELAY_MS},
                                  receptor_type="excitatory"),
    ]


def build(session, net, seed):
    """Returns (the populations' PopulationInfo, the projections' ProjectionInfo)."""
    exc, inh, kick = build_cells(session, net, seed)
    return (exc, inh), connect(session, net, seed, exc, inh, kick)


def main():
    args = peer_protocol.parse_arguments(__doc__)
    net = va.network(args.model, args.neurons)
    server_rss_before = proc_status.rss_bytes(args.server_pid)

    started = time.perf_counter()
    session = Session(args.server, timestep=va.DT_MS, min_delay=va.DELAY_MS, max_delay=1.0,
                      seed=args.seed, threads=args.threads)
    (exc, inh), projections = build(session, net, args.seed)
    built = time.perf_counter()
    server_rss_built = proc_status.rss_bytes(args.server_pid)
    server_cpu_before = proc_status.cpu_seconds(args.server_pid)
    session.run_until(args.duration)
    ran = time.perf_counter()
    server_cpu_ran = proc_status.cpu_seconds(args.server_pid)
    block = session.get_data([Cells(exc.population_id), Cells(inh.population_id)], ["spikes"])
    fetched = time.perf_counter()
    peak = proc_status.peak_rss_bytes(args.server_pid)
    session.close()

    # Cell index in 0..N-1: excitatory first, as every peer numbers them.
    first_index = {exc.population_id: (exc.first_id, 0),
                   inh.population_id: (inh.first_id, net.n_exc)}
    trains = block.segments[0].spike_trains
    cells = np.concatenate([t.ids - first_index[t.population_id][0]
                            + first_index[t.population_id][1] for t in trains])
    times = np.concatenate([t.times_ms for t in trains])
    peer_protocol.write_result(
        args.output, synapses=sum(p.num_connections for p in projections),
        build_s=built - started, sim_s=ran - built, sim_cpu_s=server_cpu_ran - server_cpu_before,
        fetch_s=fetched - ran, peak_rss_bytes=peak,
        build_rss_growth_bytes=server_rss_built - server_rss_before,
        **spike_statistics.summarise(cells, times, net.n_neurons, args.duration))


if __name__ == "__main__":
    main()
