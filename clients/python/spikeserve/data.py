"""Recorded data: the GetData chunk stream (and the live data of a run)
assembled into numpy arrays.

Each bulk chunk is copied once, from the received message's bytes into a
preallocated array of the final shape: GetData's chunks arrive with their bulk
fields as views of those bytes (spikeserve.wire), and numpy.frombuffer makes no
copy of its own. A signal thus exists twice on the client, and only while its
chunk is being copied. `to_neo` turns a Block into neo objects for clients that
do not go through PyNN.
"""

from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np

from spikeserve import wire
from spikeserve.v1 import data_pb2, values_pb2

_DTYPES = {data_pb2.FLOAT64: np.dtype("<f8"), data_pb2.FLOAT32: np.dtype("<f4")}


class MalformedStream(Exception):
    """The chunk stream broke one of its invariants."""


def _bytes_field(message, bulk, name):
    """A bytes field of `message`, or its view in `bulk`. Each read of a
    protobuf bytes field copies it, so callers read each one once."""
    view = bulk.get(name)
    return getattr(message, name) if view is None else view


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
    # Position of values[0] in the segment's recording: 0 for GetData; for
    # live data the samples recorded before the run (t_start_ms is values[0]'s time).
    first_sample: int = 0


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
        source_ids = self.source_ids
        if source_ids.size and source_ids[-1] - source_ids[0] == source_ids.size - 1:
            # Ascending and distinct, so a block of consecutive ids (every
            # cell of a population recorded): an offset, one pass, where the
            # gather below took four times as long.
            return np.add(self.train, source_ids[0], dtype=np.int64)
        return source_ids[self.train]


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
    # LiveDataSkipped reports (live data with policy DROP_LIVE)
    skipped: list = field(default_factory=list)


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


class Assembler:
    """Builds a Block from DataChunk messages given in stream order.

    GetData's headers announce every size, so arrays are allocated once at
    their final shape. Live data during a run (`growing=True`) announces
    none: arrays grow as chunks arrive (amortised doubling), a signal's rows
    start at its header's first_sample, and LiveDataSkipped reports (`skip`)
    account for chunks the server dropped; rows never received stay NaN.
    `block` is usable at any point; its arrays are views of what arrived.
    """

    def __init__(self, growing=False):
        self.growing = growing
        self.block = None
        self._segment = None
        # Stream ids are unique within a stream, across segments.
        self._signals = {}   # signal_id -> Signal
        self._spikes = {}    # spikes_id -> SpikeTrains
        self._rows = {}      # signal_id -> rows received so far (growing)
        self._filled = {}    # spikes_id -> spikes received so far
        self._filled_ids = {}
        self._buffers = {}   # stream id -> backing array(s) of a growing stream
        self._expected_seq = 0
        self._missing_chunks = 0  # sequence numbers of dropped chunks (growing)
        self._skipped_chunks = 0
        self._skipped_bytes = 0
        self.ended = False

    def add(self, chunk, bulk=None):
        """`bulk`: the chunk's bytes fields by name, when they were taken out
        of the message as views (spikeserve.wire.parse_data_chunk)."""
        if chunk.seq != self._expected_seq and not (self.growing and chunk.seq > self._expected_seq):
            raise MalformedStream(
                f"chunk {chunk.seq} arrived where {self._expected_seq} was expected")
        self._missing_chunks += chunk.seq - self._expected_seq
        self._expected_seq = chunk.seq + 1
        kind = chunk.WhichOneof("chunk")
        if self.block is None and kind != "block_start":
            raise MalformedStream("the stream does not begin with block_start")
        handler = getattr(self, "_" + kind)
        if kind in wire.BULK_KINDS:
            handler(getattr(chunk, kind), bulk or {})
        else:
            handler(getattr(chunk, kind))

    def skip(self, skipped):
        """A LiveDataSkipped report: data the server did not send live."""
        owner = self._signals.get(skipped.stream_id) or self._spikes.get(skipped.stream_id)
        if owner is None:
            raise MalformedStream(f"live_skipped for unknown stream {skipped.stream_id}")
        if isinstance(owner, Signal):
            self._skipped_bytes += skipped.num_values * owner.values.dtype.itemsize
            self._grow_signal(skipped.stream_id, skipped.first_sample + skipped.num_samples)
        else:
            self._skipped_bytes += skipped.num_spikes * 12
        self._skipped_chunks += skipped.num_chunks
        self.block.skipped.append(skipped)

    def advance(self, t_ms):
        """Live data: everything recorded up to `t_ms` has arrived (RunProgress)."""
        if self._segment is not None:
            self._segment.t_stop_ms = t_ms
            for trains in self._segment.spike_trains:
                trains.t_stop_ms = t_ms

    def finish(self):
        """The complete Block; checks that nothing announced is missing."""
        if not self.ended:
            raise MalformedStream("the stream ended before block_end")
        if self._missing_chunks != self._skipped_chunks:
            raise MalformedStream(f"{self._missing_chunks} chunks missing but "
                                  f"{self._skipped_chunks} reported skipped")
        if not self.growing:
            for spikes_id, trains in self._spikes.items():
                if self._filled[spikes_id] != trains.train.size:
                    raise MalformedStream("fewer spikes than the header announced")
        return self.block

    # --- one method per chunk kind ------------------------------------------

    def _block_start(self, start):
        self.block = Block(start.name, start.dt_ms, start.simulator, list(start.populations))

    def _segment_start(self, start):
        self._segment = Segment(start.index, start.name, start.t_start_ms, start.t_stop_ms,
                                start.closed,
                                {k: annotation_value(v) for k, v in start.annotations.items()})
        self.block.segments.append(self._segment)

    def _signal_header(self, header):
        dtype = _DTYPES[header.dtype]
        rows = 0 if self.growing else header.num_samples
        values = np.empty((rows, header.num_channels), dtype=dtype)
        signal = Signal(header.name, header.units, header.sampling_period_ms,
                        header.t_start_ms + header.first_sample * header.sampling_period_ms,
                        header.population_id, header.source_population,
                        np.empty(header.num_channels, dtype=np.int64),
                        np.empty(header.num_channels, dtype=np.int64), values,
                        header.current_source_id if header.HasField("current_source_id") else None,
                        header.first_sample)
        self._signals[header.signal_id] = signal
        self._filled_ids[header.signal_id] = 0
        self._rows[header.signal_id] = rows
        self._buffers[header.signal_id] = values
        self._segment.signals.append(signal)

    def _grow_signal(self, signal_id, end_sample):
        """Makes rows up to `end_sample` (a position in the segment's signal) exist."""
        signal = self._signals[signal_id]
        end = end_sample - signal.first_sample
        if end <= self._rows[signal_id]:
            return
        if not self.growing:
            raise MalformedStream("signal_chunk beyond the header's num_samples")
        buffer = self._buffers[signal_id]
        if end > buffer.shape[0]:
            bigger = np.full((max(end, 2 * buffer.shape[0]), buffer.shape[1]), np.nan,
                             dtype=buffer.dtype)
            bigger[:self._rows[signal_id]] = buffer[:self._rows[signal_id]]
            buffer = self._buffers[signal_id] = bigger
        self._rows[signal_id] = end
        signal.values = buffer[:end]

    def _signal_chunk(self, data, bulk):
        signal = self._signals.get(data.signal_id)
        if signal is None:
            raise MalformedStream(f"signal_chunk for unknown signal {data.signal_id}")
        if data.first_sample < signal.first_sample:
            raise MalformedStream("signal_chunk before the header's first_sample")
        self._grow_signal(data.signal_id, data.first_sample + data.num_samples)
        first = data.first_sample - signal.first_sample
        rows = slice(first, first + data.num_samples)
        columns = slice(data.first_channel, data.first_channel + data.num_channels)
        payload = _bytes_field(data, bulk, "data")
        block_values = np.frombuffer(payload, dtype=signal.values.dtype)
        if block_values.size != data.num_samples * data.num_channels:
            raise MalformedStream("signal_chunk size does not match its shape")
        signal.values[rows, columns] = block_values.reshape(data.num_samples, data.num_channels)
        self.block.total_bytes += len(payload)

    def _spike_trains_header(self, header):
        size = 0 if self.growing else header.num_spikes
        trains = SpikeTrains(header.population_id, header.source_population, header.t_start_ms,
                             header.t_stop_ms, np.empty(header.num_trains, dtype=np.int64),
                             np.empty(header.num_trains, dtype=np.int64),
                             np.empty(size, dtype=np.uint32), np.empty(size, dtype=np.float64))
        self._spikes[header.spikes_id] = trains
        self._filled[header.spikes_id] = 0
        self._filled_ids[header.spikes_id] = 0
        self._buffers[header.spikes_id] = (trains.train, trains.times_ms)
        self._segment.spike_trains.append(trains)

    def _spike_batch(self, batch, bulk):
        trains = self._spikes.get(batch.spikes_id)
        if trains is None:
            raise MalformedStream(f"spike_batch for unknown trains {batch.spikes_id}")
        start = self._filled[batch.spikes_id]
        stop = start + batch.num_spikes
        train, times = self._buffers[batch.spikes_id]
        if stop > train.size:
            if not self.growing:
                raise MalformedStream("more spikes than the header announced")
            capacity = max(stop, 2 * train.size)
            train = np.concatenate([train[:start], np.empty(capacity - start, dtype=train.dtype)])
            times = np.concatenate([times[:start], np.empty(capacity - start, dtype=times.dtype)])
            self._buffers[batch.spikes_id] = (train, times)
        indices = _bytes_field(batch, bulk, "source_index_u32le")
        payload = _bytes_field(batch, bulk, "times_f64le")
        train[start:stop] = np.frombuffer(indices, dtype="<u4")
        times[start:stop] = np.frombuffer(payload, dtype="<f8")
        self._filled[batch.spikes_id] = stop
        trains.train, trains.times_ms = train[:stop], times[:stop]
        self.block.total_bytes += len(indices) + len(payload)

    def _channel_ids(self, ids, bulk):
        owner = self._signals.get(ids.stream_id) or self._spikes.get(ids.stream_id)
        if owner is None:
            raise MalformedStream(f"channel_ids for unknown stream {ids.stream_id}")
        source_ids = np.frombuffer(_bytes_field(ids, bulk, "source_ids_u64le"), dtype="<u8")
        if ids.first != self._filled_ids[ids.stream_id] or \
                ids.first + source_ids.size > owner.source_ids.size:
            raise MalformedStream("channel_ids out of order or beyond the header's count")
        owner.source_ids[ids.first:ids.first + source_ids.size] = source_ids
        owner.channel_index[ids.first:ids.first + source_ids.size] = np.frombuffer(
            _bytes_field(ids, bulk, "channel_index_u64le"), dtype="<u8")
        self._filled_ids[ids.stream_id] += source_ids.size

    def _segment_end(self, end):
        if self._segment is None or self._segment.index != end.index:
            raise MalformedStream("segment_end does not match the open segment")
        owners = {**self._signals, **self._spikes}
        if any(self._filled_ids[k] != owners[k].source_ids.size for k in owners):
            raise MalformedStream("some channels arrived without their ids")

    def _block_end(self, end):
        if end.total_bytes != self.block.total_bytes + self._skipped_bytes:
            raise MalformedStream("block_end total_bytes differs from the bytes received "
                                  "and reported skipped")
        self.ended = True


def assemble(chunks):
    """Builds a Block from GetData's chunks: an iterable of (DataChunk, bulk
    fields) pairs as spikeserve.wire.parse_data_chunk returns them."""
    assembler = Assembler()
    for chunk, bulk in chunks:
        assembler.add(chunk, bulk)
    return assembler.finish()


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
