"""Projections of pyNN.spikeserve.

Connectors the server knows are sent as one spec and the connectivity is
generated there (no per-connection traffic), with the projection's Space;
synapse values given as strings of d go as distance expressions. Any other
connector, or synapse values that only the client can compute (Python
functions of distance, arrays of the connection matrix), runs PyNN's own
connector code here and the connections go up in bounded chunks as a
FromListConnector.
"""

import numpy as np
from pyNN import common, connectors
from pyNN.space import Space

from . import conversion, simulator
from .server_errors import translated
from .standardmodels import StaticSynapse

_MULTI_SYNAPSE_UFUNCS = {"sum": np.add, "min": np.minimum, "max": np.maximum}


def _server_connector(connector, projection):
    """The server's spec for `connector`, or None if it must be expanded here."""
    kind = type(connector)
    if kind is connectors.CloneConnector:
        reference = connector.reference_projection
        if (projection.pre != reference.pre or projection.post != reference.post
                or not hasattr(reference, "_projection_id")):
            return None  # PyNN's own connect() raises the ConnectionError
        return {"name": kind.__name__, "reference_projection_id": reference._projection_id}
    if kind is connectors.ArrayConnector:
        matrix = np.asarray(connector.array)
        if matrix.shape != (projection.pre.size, projection.post.size):
            return None
        return {"name": kind.__name__, "matrix": matrix}
    self_connections = getattr(connector, "allow_self_connections", True)
    if self_connections not in (True, False):  # 'NoMutual'
        return None
    parameters = {"allow_self_connections": float(self_connections)}
    rng = getattr(connector, "rng", None)
    seed = conversion.server_seed(rng) if rng is not None else 0
    if kind is connectors.DistanceDependentProbabilityConnector:
        return {"name": kind.__name__, "parameters": parameters, "seed": seed,
                "distance_expression": connector.d_expression}
    if kind is connectors.SmallWorldConnector:
        # PyNN keeps degree only inside its d_expression, "d < %g" % degree.
        parameters["degree"] = float(connector.d_expression.split("<", 1)[1])
        parameters["rewiring"] = connector.rewiring
        if connector.n_connections is not None:
            parameters["n_connections"] = connector.n_connections
        return {"name": kind.__name__, "parameters": parameters, "seed": seed}
    if kind is connectors.AllToAllConnector:
        return {"name": "AllToAllConnector", "parameters": parameters}
    if kind is connectors.OneToOneConnector:
        return {"name": "OneToOneConnector", "parameters": {}}
    if kind is connectors.FixedProbabilityConnector:
        parameters["p_connect"] = connector.p_connect
        return {"name": "FixedProbabilityConnector", "parameters": parameters, "seed": seed}
    if kind in (connectors.FixedNumberPreConnector, connectors.FixedNumberPostConnector,
                connectors.FixedTotalNumberConnector):
        if not isinstance(connector.n, (int, np.integer)):
            return None  # n drawn from a distribution: PyNN draws it per cell
        parameters["n"] = connector.n
        parameters["with_replacement"] = float(connector.with_replacement)
        return {"name": kind.__name__, "parameters": parameters, "seed": seed}
    return None


def _from_list_spec(connector):
    """FromList/FromFile connections as a server spec (they are data already)."""
    if isinstance(connector, connectors.FromFileConnector):
        # What FromFileConnector.connect() would read, read here instead.
        columns = [c for c in connector.file.get_metadata().get("columns", ("weight", "delay"))
                   if c not in ("i", "j")]
        conn_list = connector.file.read()
    else:
        columns = list(connector.column_names or [])
        conn_list = connector.conn_list
    rows = np.asarray(conn_list, dtype=float)
    if rows.size == 0:
        rows = rows.reshape(0, 2 + len(columns))
    return {"name": "FromListConnector", "parameters": {}, "column_names": columns, "rows": rows}


def _root_populations(cells):
    """The Populations whose cells a Population, view or Assembly holds."""
    parts = cells.populations if hasattr(cells, "populations") else [cells]
    return {getattr(part, "grandparent", part) for part in parts}


class Connection(common.Connection):
    """One connection of a projection; setting an attribute (`c.weight = w`)
    changes the connection on the server."""

    def __init__(self, projection, index, pre, post, attributes):
        object.__setattr__(self, "_projection", projection)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "presynaptic_index", pre)
        object.__setattr__(self, "postsynaptic_index", post)
        object.__setattr__(self, "_attributes", attributes)

    def __getattr__(self, name):
        try:
            return self._attributes[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        if name not in self._attributes:
            raise AttributeError(f"connections have no attribute '{name}'")
        self._projection._set_connection_attribute(self._index, name, value)
        self._attributes[name] = float(value)

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)


class _ConnectionCollector:
    """Stands in for the projection while PyNN's connector code runs, and
    gathers what it produces."""

    def __init__(self):
        self.pre, self.post, self.columns = [], [], {}

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, **parameters):
        n = len(presynaptic_indices)
        if n == 0:
            return
        self.pre.append(np.asarray(presynaptic_indices, dtype=float))
        self.post.append(np.full(n, postsynaptic_index, dtype=float))
        for name, value in parameters.items():
            self.columns.setdefault(name, []).append(np.broadcast_to(
                np.asarray(value, dtype=float), (n,)))

    def spec(self):
        """The FromList spec of what was gathered, and the parameters that are
        the same for every connection (sent once rather than per row)."""
        columns = {name: np.concatenate(parts) for name, parts in self.columns.items()}
        uniform = {name: float(values[0]) for name, values in columns.items()
                   if values.size and np.all(values == values[0])}
        names = sorted(set(columns) - set(uniform))
        if not self.pre:
            rows = np.empty((0, 2 + len(names)))
        else:
            rows = np.column_stack([np.concatenate(self.pre), np.concatenate(self.post)]
                                   + [columns[n] for n in names])
        return {"name": "FromListConnector", "column_names": names, "rows": rows}, uniform


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    @translated
    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space, label)
        synapse_parameters = self.synapse_type.native_parameters
        expressions = getattr(self.synapse_type, "distance_expressions", {})
        server_values = {name: conversion.synapse_value(value, expressions.get(name))
                         for name, value in synapse_parameters.items()}
        space = conversion.space_spec(self.space)
        for population in _root_populations(self.pre) | _root_populations(self.post):
            population.sync_positions()
        spec = None
        if space is not None and all(v is not None for v in server_values.values()):
            spec = (_from_list_spec(connector)
                    if isinstance(connector, connectors.FromListConnector)
                    else _server_connector(connector, self))
        if spec is None:
            collector = _ConnectionCollector()
            self._convergent_connect = collector._convergent_connect
            connector.connect(self)
            del self._convergent_connect
            spec, server_values = collector.spec()
        # Values given as columns win; the others apply to every connection.
        given = {name: value for name, value in server_values.items()
                 if name not in spec.get("column_names", ()) and value is not None}
        components = {
            f"{kind}_dependence": type(getattr(self.synapse_type, f"{kind}_dependence")).__name__
            for kind in ("timing", "weight")
            if getattr(self.synapse_type, f"{kind}_dependence", None) is not None}
        info = simulator.state.session.create_projection(
            conversion.cell_parts(self.pre), conversion.cell_parts(self.post), spec,
            synapse_type=type(self.synapse_type).__name__, synapse_parameters=given,
            receptor_type=self.receptor_type or "excitatory", label=self.label or "",
            space=space or {}, **components)
        self._projection_id = info.projection_id
        self._size = info.num_connections

    def __len__(self):
        return self._size

    @translated
    def save_on_server(self, attribute_names, path, format="hdf5"):
        """spikeserve's own Projection.save: the server writes the connections
        to `path`, relative to its data directory; `format` "hdf5" (PyNN's list
        layout, i, j, attributes, as its HDF5ArrayFile writes it, .h5), "list"
        (the list layout as PyNN's text) or "array" (PyNN's n_pre x n_post matrix
        of one attribute, 0 where unconnected, as text or, for a .h5 path,
        HDF5). Returns the number of connections written."""
        if attribute_names in ("all", "connections"):
            attribute_names = self.synapse_type.get_parameter_names()
        elif isinstance(attribute_names, str):
            attribute_names = [attribute_names]
        return simulator.state.session.save_projection(
            self._projection_id, path, list(attribute_names), format).num_connections

    def _fetch(self, names):
        names = [n for n in names if n not in ("presynaptic_index", "postsynaptic_index")]
        return translated(simulator.state.session.get_connections)(self._projection_id, names)

    def _connection(self, fetched, k):
        pre, post, columns = fetched
        return Connection(self, k, int(pre[k]), int(post[k]),
                          {name: float(values[k]) for name, values in columns.items()})

    @property
    def connections(self):
        fetched = self._fetch(self.synapse_type.get_parameter_names())
        for k in range(len(fetched[0])):
            yield self._connection(fetched, k)

    def __getitem__(self, i):
        return self._connection(self._fetch(self.synapse_type.get_parameter_names()), i)

    @translated
    def _set_connection_attribute(self, index, name, value):
        _, _, columns = simulator.state.session.get_connections(self._projection_id, [name])
        column = columns[name].copy()
        column[index] = value
        simulator.state.session.set_synapse_parameters(self._projection_id, {name: column})

    def _get_attributes_as_list(self, names):
        pre, post, columns = self._fetch(names)
        series = []
        for name in names:
            if name == "presynaptic_index":
                series.append(pre.astype(int))
            elif name == "postsynaptic_index":
                series.append(post.astype(int))
            else:
                series.append(columns[name])
        return [tuple(row) for row in zip(*(s.tolist() for s in series))]

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        names = [n[:-1] if n.endswith("s") and n[:-1] in ("weight", "delay") else n
                 for n in names]
        pre, post, columns = self._fetch(names)
        arrays = []
        for name in names:
            result = np.full((self.pre.size, self.post.size), np.nan)
            values = columns[name]
            if multiple_synapses in ("first", "last"):
                order = slice(None, None, -1) if multiple_synapses == "first" else slice(None)
                result[pre[order], post[order]] = values[order]
            else:
                seen = np.zeros_like(result, dtype=bool)
                seen[pre, post] = True
                accumulated = np.zeros_like(result) if multiple_synapses == "sum" else \
                    np.full_like(result, np.inf if multiple_synapses == "min" else -np.inf)
                _MULTI_SYNAPSE_UFUNCS[multiple_synapses].at(accumulated, (pre, post), values)
                result[seen] = accumulated[seen]
            arrays.append(result)
        return arrays

    @translated
    def _set_attributes(self, parameter_space):
        session = simulator.state.session
        per_connection = {}
        for name, value in parameter_space.items():
            spec = conversion.synapse_value(value)
            if spec is not None:
                per_connection[name] = spec
                continue
            pre, post, _ = session.get_connections(self._projection_id)
            value.shape = (self.pre.size, self.post.size)
            matrix = np.asarray(value.evaluate(simplify=False), dtype=float)
            per_connection[name] = matrix[pre.astype(int), post.astype(int)]
        session.set_synapse_parameters(self._projection_id, per_connection)

    @translated
    def _set_initial_value_array(self, variable, value):
        value.shape = (self._size,)
        initial = conversion.synapse_value(value)
        if initial is None:
            initial = np.asarray(value.evaluate(), dtype=float)
        simulator.state.session.initialize_synapses(self._projection_id, {variable: initial})
