"""PyNN's standard models for spikeserve.

The server speaks PyNN's standard names and units, so every translation is
the identity and one loop makes all the classes. Which models the server
really has is its business: a model it lacks fails at the call that creates
it, with the server's message (GetCapabilities lists what exists).
"""

import copy
import inspect

import numpy as np
from pyNN.parameters import ParameterSpace
from pyNN.standardmodels import (StandardCellType, StandardCurrentSource, StandardModelType,
                                 StandardSynapseType, build_translations, cells, electrodes,
                                 synapses)

from . import conversion, simulator
from .server_errors import translated


def _identity_translations(base):
    return build_translations(*[(name, name) for name in base.default_parameters])


def _standard_classes(module, kind):
    return [cls for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, kind) and cls.__module__ == module.__name__]


def _minimum_delay(self):
    return simulator.state.min_delay


def _make(base, extra=None):
    namespace = {"__doc__": base.__doc__, "__module__": __name__,
                 "translations": _identity_translations(base)}
    namespace.update(extra or {})
    return type(base.__name__, (base,), namespace)


def _keeping_distance_expressions(base_init):
    """PyNN turns a synapse parameter given as a string of d ("0.1 * d") into
    a Python function at once; the server evaluates the string itself, so it
    is kept, with the function it became (to tell whether it still holds)."""
    def __init__(self, *args, **parameters):
        base_init(self, *args, **parameters)
        self.distance_expressions = {
            name: (text, self.parameter_space[name].base_value)
            for name, text in parameters.items()
            if isinstance(text, str) and name in self.parameter_space.keys()}
    return __init__


class STDPMechanism(synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = build_translations(("weight", "weight"), ("delay", "delay"),
                                           ("dendritic_delay_fraction", "dendritic_delay_fraction"))
    _get_minimum_delay = _minimum_delay
    __init__ = _keeping_distance_expressions(synapses.STDPMechanism.__init__)

    def _build_translations(self):
        # PyNN's version updates the class attribute in place; work on a copy.
        self.translations = copy.deepcopy(self.__class__.base_translations)
        for component in (self.timing_dependence, self.weight_dependence,
                          self.voltage_dependence):
            if component:
                self.translations.update(component.translations)

    @property
    def possible_models(self):
        return {"STDPMechanism"}


class _ServerCurrentSource(StandardCurrentSource):
    """A current source that lives on the server; this object is its handle.

    The server keeps the source alive whether or not Python still holds this
    object (PyNN's anonymous `DCSource(...).inject_into(cells)` idiom)."""

    @translated
    def __init__(self, **parameters):
        StandardModelType.__init__(self, **parameters)
        self._source_id, applied = simulator.state.session.create_current_source(
            type(self).__name__, self._evaluated(self.parameter_space))
        self._keep(applied)

    @staticmethod
    def _evaluated(parameters):
        parameters.shape = (1,)
        parameters.evaluate(simplify=True)
        return {name: conversion.evaluated_value(value) for name, value in parameters.items()}

    def _keep(self, applied):
        """Keeps the parameters as the server applied them (step times on the
        grid, ...) as attributes, which is how PyNN reads them: `step.times[0]`."""
        for name, value in applied.items():
            object.__setattr__(self, name, value)

    @translated
    def inject_into(self, cells):
        for part in (cells if isinstance(cells, (list, tuple)) else [cells]):
            celltype = part.celltype if hasattr(part, "celltype") else part.parent.celltype
            if not celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
        simulator.state.session.inject(self._source_id, conversion.cell_parts(cells))

    @translated
    def set_native_parameters(self, parameters):
        self._keep(simulator.state.session.set_current_source_parameters(
            self._source_id, self._evaluated(parameters)))

    def get_native_parameters(self):
        return ParameterSpace({name: getattr(self, name) for name in self.get_native_names()})

    @translated
    def record(self):
        simulator.state.session.record_current_source(self._source_id)
        simulator.state.recorded_sources.append(self)

    def keep_final_data(self):
        """Copies the recording before the session closes (see end())."""
        self._final_data = self._get_data()

    @translated
    def _get_data(self):
        """(times in ms, current in nA) of the current segment."""
        session = simulator.state.session
        if session is None:  # after end(): what was recorded up to it
            return self._final_data
        block = session.get_data([], current_sources=[self._source_id],
                                 segments=[session.num_segments - 1])
        signal = block.segments[0].signals[0]
        times = signal.t_start_ms + signal.sampling_period_ms * np.arange(len(signal.values))
        return times, signal.values[:, 0].copy()

    def _reset(self):
        pass  # the server restarts sources with the simulation


for _base in _standard_classes(cells, StandardCellType):
    globals()[_base.__name__] = _make(_base)

for _base in _standard_classes(synapses, StandardSynapseType):
    if _base is not synapses.STDPMechanism:
        globals()[_base.__name__] = _make(_base, {
            "_get_minimum_delay": _minimum_delay,
            "__init__": _keeping_distance_expressions(_base.__init__)})

for _base in (_standard_classes(synapses, synapses.STDPWeightDependence)
              + _standard_classes(synapses, synapses.STDPTimingDependence)):
    globals()[_base.__name__] = _make(_base, {"possible_models": {"STDPMechanism"}})

for _base in _standard_classes(electrodes, StandardCurrentSource):
    globals()[_base.__name__] = type(_base.__name__, (_ServerCurrentSource, _base), {
        "__doc__": _base.__doc__, "__module__": __name__,
        "translations": _identity_translations(_base)})

del _base
