"""Recording for pyNN.spikeserve: PyNN's Recorder over the server's data stream.

PyNN's own Recorder builds the neo objects, so the output has exactly the
names, units and annotations of every other backend; the hooks here fetch
the raw arrays of the current segment with one GetData stream each.
"""

import copy
import dataclasses

import neo
import numpy as np
import quantities as pq
from pyNN import recording

from spikeserve import values

from . import simulator
from .server_errors import translated


def _select(segment, variable, ids):
    """The part of `segment` that holds `variable` of the cells `ids`."""
    ids = np.asarray(sorted(ids), dtype=np.int64)
    selected = copy.copy(segment)
    if variable == "spikes":
        selected.spike_trains = []
        for trains in segment.spike_trains:
            keep = np.isin(trains.source_ids, ids)
            position = np.cumsum(keep) - 1
            spikes = keep[trains.train]
            selected.spike_trains.append(dataclasses.replace(
                trains, source_ids=trains.source_ids[keep],
                channel_index=trains.channel_index[keep],
                train=position[trains.train[spikes]].astype(np.uint32),
                times_ms=trains.times_ms[spikes]))
    else:
        selected.signals = []
        for signal in segment.signals:
            if signal.name == variable:
                keep = np.isin(signal.source_ids, ids)
                selected.signals.append(dataclasses.replace(
                    signal, source_ids=signal.source_ids[keep],
                    channel_index=signal.channel_index[keep], values=signal.values[:, keep]))
    return selected


class Recorder(recording.Recorder):
    _simulator = simulator

    def _population_cells(self, ids=None):
        population = self.population
        # ids are distinct cells of the population: as many as it has are
        # all of it, sent as such rather than as a list of every index.
        if ids is None or len(ids) == population.size:
            return [values.Cells(population._population_id)]
        indices = population.id_to_index(np.asarray(sorted(ids), dtype=np.int64))
        return [values.Cells(population._population_id, np.asarray(indices, dtype=np.uint32))]

    def _get_current_segment(self, filter_ids=None, variables="all", clear=False):
        # PyNN's Recorder builds each AnalogSignal with neo's default copy=True:
        # a second copy of every sample after the one from the stream into
        # numpy, which for a large recording costs as much as the transfer
        # (bench/RESULTS.md). So signals sampled at regular times are built
        # here as PyNN builds them, around the assembled array itself; spikes
        # (and irregularly sampled signals) stay PyNN's.
        if self.record_times:
            return super()._get_current_segment(filter_ids, variables, clear)
        recorded = set(self.recorded)
        if variables != "all":
            recorded &= set(variables)
        segment = super()._get_current_segment(filter_ids, recorded & {"spikes"}, clear)
        for variable in sorted(recorded - {"spikes"}):
            ids = sorted(self.filter_recorded(variable, filter_ids))
            signal_array, _ = self._get_all_signals(variable, ids, clear=clear)
            if signal_array.size == 0:
                continue
            source_ids = np.fromiter(ids, dtype=int)
            segment.analogsignals.append(neo.AnalogSignal(
                signal_array, units=self.population.find_units(variable), copy=False,
                t_start=self._recording_start_time,
                sampling_period=self.sampling_interval * pq.ms,
                name=variable, source_ids=source_ids,
                source_population=self.population.label,
                array_annotations={"channel_index": np.asarray(
                    self.population.id_to_index(source_ids))}))
        return segment

    def _current_segment(self, variable, ids):
        session = simulator.state.session
        if session is None:
            # end() closed the session: PyNN still lets scripts read what was
            # recorded, from the copy taken then.
            return _select(self._final_segment, variable, ids)
        block = session.get_data(self._population_cells(ids), [variable],
                                 segments=[session.num_segments - 1])
        return block.segments[0]

    def keep_final_data(self):
        """Copies the current segment before the session closes (see end())."""
        if not hasattr(self.population, "_population_id"):
            return  # its creation failed: nothing on the server
        session = simulator.state.session
        self._final_segment = session.get_data(self._population_cells(),
                                               segments=[session.num_segments - 1]).segments[0]

    @translated
    def _record(self, variable, new_ids, sampling_interval=None):
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval
        if not new_ids:
            return
        simulator.state.session.record(self._population_cells(new_ids), [variable],
                                       self.sampling_interval)

    @translated
    def _get_spiketimes(self, ids, clear=False):
        if len(ids) == 0:
            return np.empty(0, dtype=int), np.empty(0)
        segment = self._current_segment("spikes", ids)
        if not segment.spike_trains:
            return np.empty(0, dtype=int), np.empty(0)
        trains = segment.spike_trains[0]
        return trains.ids, trains.times_ms.copy()

    @translated
    def _get_all_signals(self, variable, ids, clear=False):
        if len(ids) == 0:
            return np.empty((0, 0)), None
        segment = self._current_segment(variable, ids)
        signal = segment.signal(variable)
        if len(signal.source_ids) != len(ids):
            # Cells asked for but not recorded on the server: not a state
            # PyNN's Recorder can produce, so say so rather than guess.
            raise RuntimeError(f"spikeserve: the server recorded {variable} of "
                               f"{len(signal.source_ids)} of the {len(ids)} cells asked for")
        return signal.values, None

    @translated
    def _local_count(self, variable, filter_ids=None):
        ids = self.filter_recorded(variable, filter_ids)
        counts = {int(i): 0 for i in ids}
        if not ids:
            return counts
        segment = self._current_segment("spikes", ids)
        if segment.spike_trains:
            trains = segment.spike_trains[0]
            numbers = np.bincount(trains.train, minlength=len(trains.source_ids))
            counts.update({int(i): int(n) for i, n in zip(trains.source_ids, numbers)})
        return counts

    @translated
    def _clear_simulator(self):
        simulator.state.session.clear_data([self.population._population_id])

    @translated
    def _reset(self):
        simulator.state.session.stop_recording(self._population_cells())
