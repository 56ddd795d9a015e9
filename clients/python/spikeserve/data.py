"""Recorded data: the GetData chunk stream assembled into numpy arrays.

Each bulk chunk is copied once, from the message bytes into a preallocated
array of the final shape (numpy.frombuffer makes no copy of its own), so a
signal costs one copy on the client. `to_neo` turns a Block into neo objects
for clients that do not go through PyNN.
"""

from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np

from spikeserve.v1 import data_pb2, values_pb2

_DTYPES = {data_pb2.FLOAT64: np.dtype("<f8"), data_pb2.FLOAT32: np.dtype("<f4")}


class MalformedStream(Exception):
    """The chunk stream broke one of its invariants."""


@dataclass
class Signal:
    """An AnalogSignal: one variable of one population, channels as columns."""

    name: str
    units: str
    sampling_period_ms: float
    t_start_ms: float
    population_id: int
    source_population: str
    source_ids: np.ndarray
    channel_index: np.ndarray
    values: np.ndarray  # (n_samples, n_channels)
    current_source_id: object = None  # set for the recorded current of a current source


@dataclass
class SpikeTrains:
    """All spike trains of one population, multiplexed in time order."""

    population_id: int
    source_population: str
    t_start_ms: float
    t_stop_ms: float
    source_ids: np.ndarray  # recorded cells, ascending
    channel_index: np.ndarray
    train: np.ndarray  # position in source_ids, per spike
    times_ms: np.ndarray

    @property
    def ids(self):
        """PyNN id of the cell of each spike."""
        return self.source_ids[self.train]


@dataclass
class Segment:
    index: int
    name: str
    t_start_ms: float
    t_stop_ms: float
    closed: bool
    annotations: Dict[str, object]
    signals: List[Signal] = field(default_factory=list)
    spike_trains: List[SpikeTrains] = field(default_factory=list)

    def signal(self, name):
        for signal in self.signals:
            if signal.name == name:
                return signal
        raise KeyError(name)


@dataclass
class Block:
    name: str
    dt_ms: float
    simulator: str
    populations: list
    segments: List[Segment] = field(default_factory=list)
    total_bytes: int = 0


def annotation_value(message):
    """The Python value of an AnnotationValue."""
    kind = message.WhichOneof("value")
    return getattr(message, kind) if kind else None


def annotation_message(value):
    """An AnnotationValue for a Python value (str, bool, int or float)."""
    message = values_pb2.AnnotationValue()
    if isinstance(value, (bool, np.bool_)):
        message.bool_value = bool(value)
    elif isinstance(value, (int, np.integer)):
        message.int_value = int(value)
    elif isinstance(value, (float, np.floating)):
        message.double_value = float(value)
    else:
        message.string_value = str(value)
    return message


def assemble(chunks):
    """Builds a Block from an iterable of DataChunk messages."""
    block = None
    segment = None
    signals = {}
    spikes = {}
    filled = {}
    filled_ids = {}
    expected_seq = 0
    ended = False
    for chunk in chunks:
        if chunk.seq != expected_seq:
            raise MalformedStream(f"chunk {chunk.seq} arrived where {expected_seq} was expected")
        expected_seq += 1
        kind = chunk.WhichOneof("chunk")
        if block is None and kind != "block_start":
            raise MalformedStream("the stream does not begin with block_start")
        if kind == "block_start":
            start = chunk.block_start
            block = Block(start.name, start.dt_ms, start.simulator, list(start.populations))
        elif kind == "segment_start":
            start = chunk.segment_start
            segment = Segment(start.index, start.name, start.t_start_ms, start.t_stop_ms, start.closed,
                              {k: annotation_value(v) for k, v in start.annotations.items()})
            block.segments.append(segment)
            signals, spikes, filled_ids = {}, {}, {}
        elif kind == "signal_header":
            header = chunk.signal_header
            dtype = _DTYPES[header.dtype]
            values = np.empty((header.num_samples, header.num_channels), dtype=dtype)
            signal = Signal(header.name, header.units, header.sampling_period_ms, header.t_start_ms,
                            header.population_id, header.source_population,
                            np.empty(header.num_channels, dtype=np.int64),
                            np.empty(header.num_channels, dtype=np.int64), values,
                            header.current_source_id
                            if header.HasField("current_source_id") else None)
            signals[header.signal_id] = signal
            filled_ids[header.signal_id] = 0
            segment.signals.append(signal)
        elif kind == "signal_chunk":
            data = chunk.signal_chunk
            signal = signals.get(data.signal_id)
            if signal is None:
                raise MalformedStream(f"signal_chunk for unknown signal {data.signal_id}")
            rows = slice(data.first_sample, data.first_sample + data.num_samples)
            columns = slice(data.first_channel, data.first_channel + data.num_channels)
            payload = data.data  # each read of a bytes field copies it: read once
            block_values = np.frombuffer(payload, dtype=signal.values.dtype)
            if block_values.size != data.num_samples * data.num_channels:
                raise MalformedStream("signal_chunk size does not match its shape")
            signal.values[rows, columns] = block_values.reshape(data.num_samples, data.num_channels)
            block.total_bytes += len(payload)
        elif kind == "spike_trains_header":
            header = chunk.spike_trains_header
            trains = SpikeTrains(header.population_id, header.source_population, header.t_start_ms,
                                 header.t_stop_ms, np.empty(header.num_trains, dtype=np.int64),
                                 np.empty(header.num_trains, dtype=np.int64),
                                 np.empty(header.num_spikes, dtype=np.uint32),
                                 np.empty(header.num_spikes, dtype=np.float64))
            spikes[header.spikes_id] = trains
            filled[id(trains)] = 0
            filled_ids[header.spikes_id] = 0
            segment.spike_trains.append(trains)
        elif kind == "spike_batch":
            batch = chunk.spike_batch
            trains = spikes.get(batch.spikes_id)
            if trains is None:
                raise MalformedStream(f"spike_batch for unknown trains {batch.spikes_id}")
            start = filled[id(trains)]
            stop = start + batch.num_spikes
            if stop > trains.train.size:
                raise MalformedStream("more spikes than the header announced")
            indices, times = batch.source_index_u32le, batch.times_f64le  # read once
            trains.train[start:stop] = np.frombuffer(indices, dtype="<u4")
            trains.times_ms[start:stop] = np.frombuffer(times, dtype="<f8")
            filled[id(trains)] = stop
            block.total_bytes += len(indices) + len(times)
        elif kind == "channel_ids":
            ids = chunk.channel_ids
            owner = signals.get(ids.stream_id) or spikes.get(ids.stream_id)
            if owner is None:
                raise MalformedStream(f"channel_ids for unknown stream {ids.stream_id}")
            source_ids = np.frombuffer(ids.source_ids_u64le, dtype="<u8")
            if ids.first != filled_ids[ids.stream_id] or \
                    ids.first + source_ids.size > owner.source_ids.size:
                raise MalformedStream("channel_ids out of order or beyond the header's count")
            owner.source_ids[ids.first:ids.first + source_ids.size] = source_ids
            owner.channel_index[ids.first:ids.first + source_ids.size] = np.frombuffer(
                ids.channel_index_u64le, dtype="<u8")
            filled_ids[ids.stream_id] += source_ids.size
        elif kind == "segment_end":
            if segment is None or segment.index != chunk.segment_end.index:
                raise MalformedStream("segment_end does not match the open segment")
            owners = {**signals, **spikes}
            if any(filled_ids[k] != owners[k].source_ids.size for k in owners):
                raise MalformedStream("some channels arrived without their ids")
        elif kind == "block_end":
            if chunk.block_end.total_bytes != block.total_bytes:
                raise MalformedStream("block_end total_bytes differs from the bytes received")
            ended = True
    if not ended:
        raise MalformedStream("the stream ended before block_end")
    for segment in block.segments:
        for trains in segment.spike_trains:
            if filled[id(trains)] != trains.train.size:
                raise MalformedStream("fewer spikes than the header announced")
    return block


def to_neo(block):
    """A neo.Block with PyNN's names, units and annotations."""
    import neo
    import quantities as pq
    from neo.core.spiketrainlist import SpikeTrainList

    result = neo.Block(name=block.name)
    result.annotate(simulator=block.simulator, dt=block.dt_ms, mpi_processes=1)
    for segment in block.segments:
        neo_segment = neo.Segment(name=segment.name, **segment.annotations)
        per_population = [
            SpikeTrainList.from_spike_time_array(
                trains.times_ms * pq.ms, trains.ids, trains.source_ids,
                t_stop=trains.t_stop_ms * pq.ms, units="ms", t_start=trains.t_start_ms * pq.ms,
                source_population=trains.source_population)
            for trains in segment.spike_trains]
        if len(per_population) == 1:
            neo_segment.spiketrains = per_population[0]
        else:
            neo_segment.spiketrains = [train for trains in per_population for train in trains]
        for signal in segment.signals:
            neo_segment.analogsignals.append(neo.AnalogSignal(
                signal.values, units=signal.units or "dimensionless",
                t_start=signal.t_start_ms * pq.ms, sampling_period=signal.sampling_period_ms * pq.ms,
                name=signal.name, source_ids=signal.source_ids,
                source_population=signal.source_population,
                array_annotations={"channel_index": signal.channel_index}))
        result.segments.append(neo_segment)
    return result
