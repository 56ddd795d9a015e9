"""PyNN values and cell collections as spikeserve requests.

Cell parameters are evaluated here, with PyNN's own random streams, so a
population gets exactly the values any other PyNN backend would give it.
Synapse parameters that are numbers or random distributions go to the server
as specs (drawn there, per connection); anything else makes the projection
fall back to client-side expansion (see projections.py).
"""

import hashlib
import numbers
import os
import weakref

import numpy as np
from pyNN.parameters import ArrayParameter, LazyArray
from pyNN import space
from pyNN.random import RandomDistribution

from spikeserve import values

# How often each RNG object has seeded a server-side draw, so that two draws
# from one seeded RNG differ (as consecutive draws from a stream do) while
# the whole script stays reproducible.
_rng_uses = weakref.WeakKeyDictionary()


def server_seed(rng):
    """A 64-bit seed for a server-side stream standing in for `rng`."""
    seed = getattr(rng, "seed", None)
    if seed is None:
        # An unseeded PyNN RNG is meant to differ from run to run.
        return int.from_bytes(os.urandom(8), "little") | 1
    uses = _rng_uses.get(rng, 0)
    _rng_uses[rng] = uses + 1
    digest = hashlib.sha256(f"{seed}:{uses}".encode()).digest()
    return int.from_bytes(digest[:8], "little") | 1


def evaluated_value(value):
    """A spikeserve value for an evaluated ParameterSpace entry."""
    if isinstance(value, np.ndarray) and value.dtype == object:
        if value.ndim == 0:
            return evaluated_value(value.item())
        return values.SequenceListValue([np.asarray(item.value, dtype=float) for item in value])
    if isinstance(value, ArrayParameter):
        array = np.asarray(value.value, dtype=float)
        if array.ndim == 2:
            # A function of the cell index evaluated for all cells at once
            # returns one Sequence whose columns are the cells' sequences.
            return values.SequenceListValue(list(array.T))
        return values.SequenceValue(array)
    if isinstance(value, (numbers.Real, np.bool_)):
        return float(value)
    return np.asarray(value, dtype=float)


def cell_values(parameter_space, mask=None):
    """Evaluates a ParameterSpace of native (here: standard) names for sending."""
    parameter_space.evaluate(mask=mask, simplify=True)
    return {name: evaluated_value(value) for name, value in parameter_space.items()}


def synapse_value(lazy_array, expression=None):
    """A server-side spec for a synapse parameter, or None when the value can
    only be computed per connection on the client (callables, arrays of the
    connection matrix, queued arithmetic). `expression`: (text, function) if
    the parameter was given as a string of d that became `function`."""
    if not isinstance(lazy_array, LazyArray):
        lazy_array = LazyArray(lazy_array)
    if lazy_array.operations:
        return None
    base = lazy_array.base_value
    if expression is not None and base is expression[1]:
        return values.DistanceExpression(expression[0])
    if isinstance(base, (numbers.Real, np.bool_)):
        return float(base)
    if isinstance(base, RandomDistribution):
        return values.RandomValue(base.name, dict(base.parameters), server_seed(base.rng))
    return None


def root_cells(view_or_population):
    """values.Cells for a Population or PopulationView (in its root population)."""
    if hasattr(view_or_population, "parent"):
        root = view_or_population.grandparent
        indices = view_or_population.index_in_grandparent(np.arange(view_or_population.size))
        return values.Cells(root._population_id, np.asarray(indices, dtype=np.uint32))
    return values.Cells(view_or_population._population_id)


def cell_parts(cells):
    """values.Cells parts for a Population, PopulationView, Assembly or list of IDs."""
    if hasattr(cells, "populations"):  # Assembly
        return [root_cells(p) for p in cells.populations]
    if hasattr(cells, "_population_id") or hasattr(cells, "parent") and hasattr(cells, "mask"):
        return [root_cells(cells)]
    parts = {}
    for cell in cells:  # a list of IDs
        population = cell.parent
        parts.setdefault(population, []).append(population.id_to_index(cell))
    return [values.Cells(p._population_id, np.unique(np.asarray(i, dtype=np.uint32)))
            for p, i in parts.items()]


def structure_spec(structure):
    """The server's structure for a pyNN.space structure, or None if the
    server does not generate it (the client then sends the positions)."""
    if type(structure) is space.Line:
        return ("Line", {n: getattr(structure, n) for n in structure.parameter_names})
    if getattr(structure, "fill_order", None) != "sequential":
        pass  # a random fill order is PyNN's permutation: sent as positions
    elif type(structure) is space.Grid2D:
        return ("Grid2D", {n: getattr(structure, n)
                           for n in ("aspect_ratio", "dx", "dy", "x0", "y0", "z")})
    elif type(structure) is space.Grid3D:
        xy, xz = structure.aspect_ratios
        return ("Grid3D", {"aspect_ratioXY": xy, "aspect_ratioXZ": xz,
                           **{n: getattr(structure, n) for n in ("dx", "dy", "dz", "x0", "y0",
                                                                  "z0")}})
    if type(structure) is space.RandomStructure:
        boundary = structure.boundary
        if type(boundary) is space.Cuboid:
            extent = {"width": boundary.width, "height": boundary.height, "depth": boundary.depth}
        elif type(boundary) is space.Sphere:
            extent = {"radius": boundary.radius}
        else:
            return None
        origin = dict(zip(("origin_x", "origin_y", "origin_z"), structure.origin))
        return ("RandomStructure", {**extent, **origin}, type(boundary).__name__,
                server_seed(structure.rng))
    return None


_AXES = {(0,): "x", (1,): "y", (2,): "z", (0, 1): "xy", (1, 2): "yz", (0, 2): "xz",
         (0, 1, 2): "xyz"}


def space_spec(pynn_space):
    """network_pb2.Space fields for a pyNN.space.Space, or None if it holds
    something the server does not take (an array scale_factor)."""
    if not isinstance(pynn_space.scale_factor, numbers.Real):
        return None
    offset = np.atleast_1d(np.asarray(pynn_space.offset, dtype=float))
    spec = {"axes": _AXES[tuple(int(a) for a in pynn_space.axes)],
            "scale_factor": float(pynn_space.scale_factor),
            "offset": offset.tolist()}
    if spec["scale_factor"] == 0.0:
        return None  # the wire's 0 means 1
    if pynn_space.periodic_boundaries is not None:
        bounds = [b if b is not None else (0.0, 0.0) for b in pynn_space.periodic_boundaries]
        spec["periodic_min"] = [float(b[0]) for b in bounds]
        spec["periodic_max"] = [float(b[1]) for b in bounds]
    return spec
