#!/usr/bin/python3
"""The Vogels-Abbott network as a PyNN script on pyNN.neuron (one measured run).

The same script as the pyNN.spikeserve peer (va_pynn.py), on NEURON in this
process: what a PyNN user's script takes on a backend in use today. The
timings cover setup to record (build), run, and get_data of every spike;
memory and CPU time are this process's. PyNN's NEURON backend needs its
mechanisms compiled first: bench/setup_pynn_neuron.sh.
"""

import os

import numpy as np
import pyNN.neuron as sim

import peer_protocol
import va_network as va
import va_pynn


def spike_arrays(net, populations, trains):
    """pyNN.neuron's SpikeTrains are objects already, each annotated with its
    cell's index in the population."""
    cells, times = [], []
    for offset, group in zip((0, net.n_exc), trains):
        for train in group:
            cells.append(np.full(len(train), offset + train.annotations["source_index"]))
            times.append(train.magnitude)
    return np.concatenate(cells), np.concatenate(times)


def main():
    args = peer_protocol.parse_arguments(__doc__)
    va_pynn.measure(sim, va.network(args.model, args.neurons), args, os.getpid(), spike_arrays,
                    native_rng_baseseed=args.seed)


if __name__ == "__main__":
    main()
