"""Parameter values and cell selections as protocol messages.

Bulk numbers travel as little-endian float64 bytes; arrays over
UPLOAD_THRESHOLD_BYTES go through the Upload stream instead of the request.
"""

import numbers
from dataclasses import dataclass
from typing import Dict, Optional, Sequence

import numpy as np

from spikeserve.v1 import selectors_pb2, values_pb2

UPLOAD_THRESHOLD_BYTES = 1 << 20


@dataclass(frozen=True)
class RandomValue:
    """A random distribution drawn on the server, per element (PyNN's names)."""

    distribution: str
    parameters: Dict[str, float]
    seed: int = 0  # 0: derived from the session seed


@dataclass(frozen=True)
class SequenceValue:
    """One sequence (e.g. spike times in ms), the same for every element."""

    values: Sequence[float]


@dataclass(frozen=True)
class SequenceListValue:
    """One sequence per element."""

    sequences: Sequence[Sequence[float]]


@dataclass(frozen=True)
class DistanceExpression:
    """A function of the distance d (um) between pre- and post-synaptic cell."""

    expression: str


@dataclass(frozen=True)
class Cells:
    """A population, or the cells of it at `indices` (sorted, unique)."""

    population_id: int
    indices: Optional[np.ndarray] = None

    def to_proto(self):
        selector = selectors_pb2.Selector(population_id=self.population_id)
        if self.indices is None:
            selector.all = True
        else:
            selector.indices.indices.extend(np.asarray(self.indices, dtype=np.uint32).tolist())
        return selector


def cell_set(parts):
    """A CellSet message from a sequence of Cells (an Assembly's parts)."""
    message = selectors_pb2.CellSet()
    for part in parts:
        message.parts.append(part.to_proto())
    return message


def float64_bytes(array):
    """The little-endian float64 bytes of `array` (one copy at most)."""
    return np.ascontiguousarray(array, dtype="<f8").tobytes()


def to_proto(value, upload=None):
    """A ParameterValue message for a Python value.

    `upload(bytes) -> upload_id` is used for arrays too large for one message;
    without it, large arrays go inline.
    """
    message = values_pb2.ParameterValue()
    if isinstance(value, (bool, np.bool_)):
        message.scalar = float(value)
    elif isinstance(value, numbers.Real):
        message.scalar = float(value)
    elif isinstance(value, RandomValue):
        message.random.name = value.distribution
        message.random.parameters.update({k: float(v) for k, v in value.parameters.items()})
        message.random.seed = int(value.seed)
    elif isinstance(value, SequenceValue):
        message.sequence.values.extend(np.asarray(value.values, dtype=float).tolist())
    elif isinstance(value, SequenceListValue):
        for sequence in value.sequences:
            message.sequence_list.sequences.add().values.extend(
                np.asarray(sequence, dtype=float).tolist())
    elif isinstance(value, DistanceExpression):
        message.distance_expression = value.expression
    else:
        data = float64_bytes(np.asarray(value, dtype=float).ravel())
        if upload is not None and len(data) > UPLOAD_THRESHOLD_BYTES:
            message.upload_id = upload(data)
        else:
            message.array.f64le = data
    return message


def from_proto(message):
    """The Python value of a ParameterValue the server sent back."""
    kind = message.WhichOneof("value")
    if kind == "scalar":
        return message.scalar
    if kind == "array":
        return np.frombuffer(message.array.f64le, dtype="<f8").copy()
    if kind == "sequence":
        return np.array(message.sequence.values, dtype=float)
    if kind == "sequence_list":
        return [np.array(s.values, dtype=float) for s in message.sequence_list.sequences]
    raise ValueError(f"the server sent a parameter value of kind {kind!r}")
