#!/usr/bin/python3
"""The Vogels-Abbott network as a PyNN script on pyNN.spikeserve (one measured run).

The script is va_pynn.py's, as VAbenchmarks.py writes it; the timings cover
what a user's script waits for: setup to record (build), run, and get_data
of every spike as neo SpikeTrains (fetch; neo makes the per-cell SpikeTrain
objects only when they are first touched, which is not timed here). The
server's memory and CPU time are read from /proc.
"""

import numpy as np

import spikeserve.pynn_path  # noqa: F401  (lets `import pyNN.spikeserve` find the backend)
import pyNN.spikeserve as sim

import peer_protocol
import va_network as va
import va_pynn


def spike_arrays(net, populations, trains):
    """neo builds the SpikeTrainList lazily from the multiplexed arrays of
    global ids and times; read those rather than make one SpikeTrain object
    per cell."""
    cells, times = [], []
    for offset, population, group in zip((0, net.n_exc), populations, trains):
        ids, spike_times = group.multiplexed
        cells.append(offset + population.id_to_index(np.asarray(ids, dtype=int)))
        times.append(spike_times.magnitude)
    return np.concatenate(cells), np.concatenate(times)


def main():
    args = peer_protocol.parse_arguments(__doc__)
    va_pynn.measure(sim, va.network(args.model, args.neurons), args, args.server_pid,
                    spike_arrays, server=args.server, seed=args.seed, threads=args.threads)


if __name__ == "__main__":
    main()
