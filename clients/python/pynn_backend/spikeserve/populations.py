"""Populations, views and assemblies of pyNN.spikeserve.

A Population is created on the server, which assigns a contiguous block of
global ids; those are the PyNN ids shown here. Views address their root
population by index, so nothing is copied on the server.
"""

import contextlib
import gc

import numpy as np
from pyNN import common
from pyNN.parameters import LazyArray, ParameterSpace, simplify
from pyNN.standardmodels import StandardCellType

from . import conversion, nix_files, simulator
from .recording import Recorder
from .server_errors import translated


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Python's cyclic garbage collector paused: a population's ID objects,
    one per cell, are all live, and while they were made the collector
    traversed them again and again. Making 800,000 and setting their parent
    took 0.8 s with it and 0.23 s without (bench/RESULTS.md, session 15)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _NixWriting:
    """write_data() to .h5/.nix files through the server (see nix_files.py)."""

    def write_data(self, io, variables="all", gather=True, clear=False, annotations=None):
        if not nix_files.is_nix_file(io):
            return super().write_data(io, variables, gather, clear, annotations)
        nix_files.write_nix(self, io, variables, annotations)
        if clear:
            self.get_data(variables, clear=True)


class Assembly(_NixWriting, common.Assembly):
    _simulator = simulator


class _ServerCells(_NixWriting):
    """Parameter access shared by Population and PopulationView."""

    def _cells(self):
        return conversion.root_cells(self)

    @translated
    def _get_parameters(self, *names):
        fetched = simulator.state.session.get_parameters(self._cells(), names)
        parameters = {}
        for name in names:
            value = fetched[name]
            if isinstance(value, list):  # one sequence per cell
                sequence_class = self.celltype.get_schema()[name]
                items = np.empty(len(value), dtype=object)
                items[:] = [sequence_class(v) for v in value]
                parameters[name] = simplify(items) if len(items) else items
            else:
                parameters[name] = simplify(value)
        return ParameterSpace(parameters, shape=(self.size,))

    @translated
    def _set_parameters(self, parameter_space):
        simulator.state.session.set_parameters(
            self._cells(), conversion.cell_values(parameter_space, mask=self._mask_local))

    @translated
    def _set_initial_value_array(self, variable, initial_values):
        if not isinstance(initial_values, LazyArray):
            initial_values = LazyArray(initial_values, shape=(self.size,))
        initial_values.shape = (self.size,)
        value = initial_values.evaluate(simplify=True)
        if getattr(self, "_cells_at_defaults", False) and \
                np.isscalar(value) and value == self.celltype.default_initial_values.get(variable):
            return  # the server already starts every cell there
        simulator.state.session.initialize(self._cells(),
                                           {variable: conversion.evaluated_value(value)})

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class PopulationView(_ServerCells, common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    @property
    def initial_values(self):
        # PyNN 0.10.1 leaves this unimplemented for views; the server knows.
        fetched = translated(simulator.state.session.get_parameters)(
            self._cells(), list(self.celltype.default_initial_values), initial_values=True)
        return {name: LazyArray(value, shape=(self.size,)) for name, value in fetched.items()}

    def initialize(self, **initial_values):
        for variable, value in initial_values.items():
            self._set_initial_value_array(variable, LazyArray(value, shape=(self.size,),
                                                              dtype=float))


class Population(_ServerCells, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def __init__(self, *args, **kwargs):
        # PyNN's constructor initialises every state variable, defaults
        # included; new cells on the server are at PyNN's defaults already, so
        # only values that differ need a call while it runs.
        self._cells_at_defaults = True
        try:
            super().__init__(*args, **kwargs)
        finally:
            self._cells_at_defaults = False

    @translated
    def _create_cells(self):
        if not isinstance(self.celltype, StandardCellType):
            raise NotImplementedError(
                f"spikeserve runs PyNN's standard cell types only, not {type(self.celltype)}")
        parameter_space = self.celltype.native_parameters
        parameter_space.shape = (self.size,)
        structure = conversion.structure_spec(self._structure)
        info = simulator.state.session.create_population(
            self.size, type(self.celltype).__name__, conversion.cell_values(parameter_space),
            label=self.label or "", structure=structure)
        self._population_id = info.population_id
        if structure is None:
            self._send_positions(self._structure.generate_positions(self.size))
        self._mask_local = np.ones((self.size,), bool)
        with _cyclic_gc_paused():
            self.all_cells = np.array([simulator.ID(i) for i in
                                       range(info.first_id, info.first_id + self.size)],
                                      dtype=simulator.ID)
            # What IDMixin.__setattr__ does for "parent", without first
            # asking whether the cell type has a parameter of that name.
            set_attribute = object.__setattr__
            for cell in self.all_cells:
                set_attribute(cell, "parent", self)

    # Positions live on the server (it generates Line, Grid2D, Grid3D and
    # RandomStructure itself); the 3xN array PyNN shows is a copy, fetched
    # once. PyNN code may write into that array (cell.position = ...), so
    # sync_positions() sends it back when it has changed.

    def _get_positions(self):
        if self._positions is None:
            xyz = translated(simulator.state.session.get_positions)(self._cells())
            self._positions = np.ascontiguousarray(xyz.T)
            self._sent_positions = self._positions.copy()
        return self._positions

    def _set_positions(self, pos_array):
        common.Population._set_positions(self, pos_array)
        self._send_positions(self._positions)

    positions = property(_get_positions, _set_positions, doc=common.Population.positions.__doc__)

    def _set_structure(self, structure):
        changed = structure != self._structure
        common.Population._set_structure(self, structure)
        if changed:
            self._send_positions(structure.generate_positions(self.size))

    structure = property(common.Population._get_structure, _set_structure)

    @translated
    def _send_positions(self, positions):
        positions = np.array(positions, dtype=float)
        simulator.state.session.set_positions(self._cells(), positions.T)
        self._positions = positions
        self._sent_positions = positions.copy()

    def sync_positions(self):
        """Sends positions changed in place since they were read or set."""
        if self._positions is not None and not np.array_equal(self._positions,
                                                               self._sent_positions):
            self._send_positions(self._positions)
