"""pyNN.spikeserve against a real server: PyNN's call forms (0.8 and later),
recording into Neo, projections, current sources and error mapping."""

import os
import sys
import warnings

import h5py
import numpy as np
import pytest

import spikeserve.pynn_path  # noqa: F401  (makes pyNN.spikeserve importable)
import pyNN.spikeserve as sim
from pyNN import errors
from pyNN.parameters import Sequence
from pyNN.random import NumpyRNG, RandomDistribution
from pyNN.space import Cuboid, Grid2D, RandomStructure, Space, Sphere
from spikeserve import values
from spikeserve.errors import SpikeserveError
from spikeserve_server import server  # noqa: F401  (pytest fixture)


@pytest.fixture
def simulator(server):
    sim.setup(timestep=0.1, min_delay=0.1, server=server.address)
    yield sim
    sim.end()


def test_population_call_forms_and_parameter_value_forms(simulator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old_form = sim.Population(4, sim.IF_cond_exp, {"tau_m": 12.0, "cm": 0.8})
    new_form = sim.Population(4, sim.IF_cond_exp(tau_m=12.0, cm=0.8))
    for population in (old_form, new_form):
        assert population.get("tau_m") == pytest.approx(12.0)
        assert population.get("cm") == pytest.approx(0.8)
    # Ids are contiguous blocks from the server.
    assert int(new_form.first_id) == int(old_form.last_id) + 1

    p = sim.Population(5, sim.IF_curr_exp())
    p.set(tau_m=[10.0, 11.0, 12.0, 13.0, 14.0])
    np.testing.assert_allclose(p.get("tau_m"), [10, 11, 12, 13, 14])
    p.set(cm=lambda i: 0.5 + 0.1 * i)
    np.testing.assert_allclose(p.get("cm"), [0.5, 0.6, 0.7, 0.8, 0.9])
    rng = NumpyRNG(seed=3)
    p.set(v_thresh=RandomDistribution("uniform", (-55.0, -50.0), rng=rng))
    expected = NumpyRNG(seed=3).uniform(-55.0, -50.0, size=5)
    np.testing.assert_allclose(p.get("v_thresh"), expected)  # PyNN's own stream
    p[1:3].set(i_offset=0.25)
    np.testing.assert_allclose(p.get("i_offset"), [0, 0.25, 0.25, 0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        p.tset("tau_refrac", np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
        p.rset("tau_syn_E", RandomDistribution("uniform", (1.0, 2.0), rng=rng))
    np.testing.assert_allclose(p.get("tau_refrac"), [1, 2, 3, 4, 5])
    assert np.all((p.get("tau_syn_E") >= 1.0) & (p.get("tau_syn_E") <= 2.0))


def test_spike_source_array_forms_emit_the_given_times(simulator):
    same = sim.Population(2, sim.SpikeSourceArray(spike_times=Sequence([2.0, 4.0])))
    per_cell = sim.Population(2, sim.SpikeSourceArray(
        spike_times=[Sequence([1.0]), Sequence([3.0, 7.5])]))
    by_function = sim.Population(3, sim.SpikeSourceArray(
        spike_times=lambda i: Sequence([1.0 + i, 10.0 + i])))
    for p in (same, per_cell, by_function):
        p.record("spikes")
    sim.run(20.0)
    expected = {same: [[2, 4], [2, 4]], per_cell: [[1], [3, 7.5]],
                by_function: [[1, 10], [2, 11], [3, 12]]}
    for p, trains in expected.items():
        got = p.get_data().segments[0].spiketrains
        assert len(got) == len(trains)
        for train, times in zip(got, trains):
            np.testing.assert_allclose(train.magnitude, times)


def test_unsorted_spike_times_raise_invalid_parameter_value(simulator):
    with pytest.raises(errors.InvalidParameterValueError):
        sim.Population(1, sim.SpikeSourceArray(spike_times=[Sequence([5.0, 1.0])]))


def test_get_data_gives_one_segment_per_run_between_resets(simulator):
    cells = sim.Population(3, sim.IF_cond_exp(i_offset=2.0), label="cells")
    cells.record(["spikes", "v", "gsyn_exc"])
    sim.run(20.0)
    sim.reset(annotations={"trial": 1})
    sim.run(10.0)
    block = cells[1:3].get_data()
    assert block.name == "cells"
    assert block.annotations["simulator"] == "spikeserve"
    assert block.annotations["size"] == 3 and block.annotations["dt"] == pytest.approx(0.1)
    assert [s.name for s in block.segments] == ["segment000", "segment001"]
    assert block.segments[0].annotations == {"trial": 1}
    first, second = block.segments
    v0 = [s for s in first.analogsignals if s.name == "v"][0]
    assert v0.shape == (201, 3)  # cached segments are not filtered by the view (PyNN)
    assert str(v0.units.dimensionality) == "mV"
    assert float(v0[0, 0]) == pytest.approx(-65.0)
    g = [s for s in first.analogsignals if s.name == "gsyn_exc"][0]
    assert str(g.units.dimensionality) == "uS"
    v1 = [s for s in second.analogsignals if s.name == "v"][0]
    assert v1.shape == (101, 2)
    assert list(v1.array_annotations["channel_index"]) == [1, 2]
    assert list(v1.annotations["source_ids"]) == [int(cells[1]), int(cells[2])]
    assert len(second.spiketrains) == 2
    assert all(float(t.t_stop) == pytest.approx(10.0) for t in second.spiketrains)
    # 2 nA into IF_cond_exp drives regular firing.
    assert all(len(t) > 0 for t in first.spiketrains)


def test_adaptive_cells_record_w_with_the_other_variables(simulator):
    cells = sim.Population(2, sim.EIF_cond_exp_isfa_ista(i_offset=1.0))
    cells.record(["spikes", "v", "w", "gsyn_exc", "gsyn_inh"])
    sim.run(100.0)
    segment = cells.get_data().segments[0]
    units = {s.name: str(s.units.dimensionality) for s in segment.analogsignals}
    assert units == {"v": "mV", "w": "nA", "gsyn_exc": "uS", "gsyn_inh": "uS"}
    w = segment.filter(name="w")[0].magnitude
    spikes = sum(len(t) for t in segment.spiketrains)
    assert spikes > 0 and w[-1, 0] > 0.0  # spike-triggered adaptation (b > 0) builds up


def test_recording_shortcuts_and_write_data(simulator, tmp_path):
    cells = sim.Population(2, sim.IF_cond_exp(i_offset=1.5))
    sim.record_v(cells, str(tmp_path / "v.pkl"))
    sim.record_gsyn(cells, str(tmp_path / "gsyn.pkl"))
    cells.record("spikes")
    sim.run(10.0)
    cells.write_data(str(tmp_path / "all.pkl"))
    from neo.io import PickleIO
    written = PickleIO(str(tmp_path / "all.pkl")).read_block()
    assert {s.name for s in written.segments[0].analogsignals} == {"v", "gsyn_exc", "gsyn_inh"}
    sim.end()  # writes what record_v / record_gsyn asked for
    assert (tmp_path / "v.pkl").exists() and (tmp_path / "gsyn.pkl").exists()


def test_write_data_to_nix_files_written_by_the_server(simulator, tmp_path):
    import h5py
    cells = sim.Population(3, sim.IF_cond_exp(i_offset=1.5), label="cells")
    cells.annotate(experiment="nix")
    cells.record(["spikes", "v"])
    sim.run(20.0)
    sim.reset(annotations={"trial": 7})
    sim.run(10.0)
    cells.write_data(str(tmp_path / "cells.h5"))
    expected = cells.get_data()
    with h5py.File(tmp_path / "cells.h5", "r") as nix:
        assert nix.attrs["format"] in (b"nix", "nix")
        (block,) = nix["data"].values()
        assert block.attrs["type"] in (b"neo.block", "neo.block")
        def neo_name(group):
            value = group["metadata"]["properties"]["neo_name"][0]
            return value.decode() if isinstance(value, bytes) else value

        segments = {neo_name(g): g for g in block["groups"].values()}
        assert set(segments) == {"segment000", "segment001"}
        trial = segments["segment000"]["metadata"]["properties"]["trial"][0]
        assert trial == 7  # reset(annotations=...) reaches the server's file
        arrays = [a for a in block["data_arrays"].values()
                  if a.attrs["type"] in (b"neo.analogsignal", "neo.analogsignal")]
        assert len(arrays) == 2 * 3  # two segments x three channels of v
        v0 = expected.segments[0].filter(name="v")[0].magnitude
        columns = sorted((a for a in arrays if a["data"].shape[0] == v0.shape[0]),
                         key=lambda a: int(a.attrs["name"].rsplit(".", 1)[1]))
        for channel, array in enumerate(columns):
            np.testing.assert_array_equal(array["data"][:], v0[:, channel])
        assert block["metadata"]["properties"]["experiment"][0] in (b"nix", "nix")  # annotate()


def test_projection_get_set_save_and_deprecated_forms(simulator, server, tmp_path):
    pre = sim.Population(10, sim.SpikeSourcePoisson(rate=10.0))
    post = sim.Population(8, sim.IF_cond_exp())
    prj = sim.Projection(pre, post, sim.AllToAllConnector(),
                         sim.StaticSynapse(weight=0.05, delay=0.5), receptor_type="excitatory")
    assert len(prj) == 80
    weights = prj.get("weight", format="list", with_address=False)
    assert len(weights) == 80 and np.allclose(weights, 0.05)
    w, d = prj.get(["weight", "delay"], format="array")
    assert w.shape == (10, 8) and np.allclose(d, 0.5)
    rng = NumpyRNG(seed=11)
    prj.set(weight=RandomDistribution("uniform", (0.0, 0.1), rng=rng), delay=0.4)
    w = prj.get("weight", format="array")
    assert np.all((w >= 0) & (w <= 0.1)) and w.std() > 0.01
    assert np.allclose(prj.get("delay", format="array"), 0.4)
    matrix = np.arange(80, dtype=float).reshape(10, 8) / 1000.0
    prj.set(weight=matrix)
    np.testing.assert_allclose(prj.get("weight", format="array"), matrix, rtol=1e-6)
    prj.save("all", str(tmp_path / "conn.txt"), format="list")
    saved = np.loadtxt(str(tmp_path / "conn.txt"))
    assert saved.shape == (80, 4)
    listed = np.array(prj.get(["weight", "delay"], format="list"))
    np.testing.assert_array_equal(saved, listed)
    prj.save("weight", str(tmp_path / "w_array.txt"), format="array")
    np.testing.assert_array_equal(np.loadtxt(str(tmp_path / "w_array.txt")), matrix)
    assert prj.save_on_server("all", "prj/conn.h5") == 80
    with h5py.File(os.path.join(server.data_dir, "prj", "conn.h5"), "r") as f:
        np.testing.assert_array_equal(f["data"][:], listed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prj.setWeights(0.02)
        assert np.allclose(prj.getWeights(format="list"), 0.02)
        prj.setDelays(1.0)
        assert np.allclose(prj.getDelays(format="list"), 1.0)
        prj.randomizeWeights(RandomDistribution("uniform", (0.0, 0.01), rng=rng))
        assert max(prj.getWeights(format="list")) <= 0.01
        prj.randomizeDelays(RandomDistribution("uniform", (0.5, 1.0), rng=rng))
        prj.printWeights(str(tmp_path / "w.txt"))
        prj.saveConnections(str(tmp_path / "c.txt"))
    assert (tmp_path / "w.txt").exists() and (tmp_path / "c.txt").exists()


def test_server_side_connectors_have_the_right_structure(simulator):
    a = sim.Population(50, sim.IF_curr_exp())
    b = sim.Population(40, sim.IF_curr_exp())
    rng = NumpyRNG(seed=5)
    fixed_pre = sim.Projection(a, b, sim.FixedNumberPreConnector(7, rng=rng),
                               sim.StaticSynapse(weight=0.1))
    pre, post = np.array(fixed_pre.get("weight", format="list"))[:, :2].T.astype(int)
    assert np.all(np.bincount(post, minlength=40) == 7)
    one = sim.Projection(a[:40], b, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.1))
    assert sorted(one.get("weight", format="list")) == [(i, i, pytest.approx(0.1))
                                                        for i in range(40)]
    no_self = sim.Projection(a, a, sim.AllToAllConnector(allow_self_connections=False),
                             sim.StaticSynapse(weight=0.1))
    assert len(no_self) == 50 * 49
    listed = sim.Projection(a, b, sim.FromListConnector([(0, 1, 0.5, 1.0), (3, 4, 0.25, 2.0)]),
                            sim.StaticSynapse())
    assert sorted(listed.get(["weight", "delay"], format="list")) == [
        (0, 1, pytest.approx(0.5), pytest.approx(1.0)),
        (3, 4, pytest.approx(0.25), pytest.approx(2.0))]


def test_clipped_normal_weights_with_pynn_infinite_bounds(simulator):
    # The Potjans-Diesmann microcircuit's form (bench/microcircuit.py): weights
    # clipped at 0 on one side and unbounded on the other, delays clipped at dt.
    a = sim.Population(30, sim.IF_curr_exp())
    rng = NumpyRNG(seed=8)
    excitatory = sim.Projection(a, a, sim.FixedTotalNumberConnector(3000, rng=rng), sim.StaticSynapse(
        weight=RandomDistribution("normal_clipped", mu=0.05, sigma=0.05, low=0.0, high=np.inf, rng=rng),
        delay=RandomDistribution("normal_clipped", mu=0.75, sigma=0.375, low=0.1, high=np.inf, rng=rng)))
    inhibitory = sim.Projection(a, a, sim.FixedTotalNumberConnector(3000, rng=rng), sim.StaticSynapse(
        weight=RandomDistribution("normal_clipped", mu=-0.2, sigma=0.2, low=-np.inf, high=0.0, rng=rng)),
        receptor_type="inhibitory")
    w, d = (np.array(column) for column in zip(*excitatory.get(["weight", "delay"], format="list",
                                                               with_address=False)))
    assert len(w) == 3000 and w.min() >= 0 and d.min() >= 0.1
    # The normal conditioned on w >= 0: mean mu + sigma phi(0) / (1 - Phi(-1)), 0.0644.
    assert w.mean() == pytest.approx(0.05 + 0.05 * 0.24197 / 0.84134, abs=5 * 0.0397 / np.sqrt(3000))  # sd 0.0397
    w_inh = np.array(inhibitory.get("weight", format="list", with_address=False))
    assert w_inh.max() <= 0


def test_client_expanded_connectors_and_distance_dependent_weights(simulator):
    line = sim.Population(20, sim.IF_curr_exp(), structure=sim.Line(dx=1.0))
    prj = sim.Projection(line, line, sim.DistanceDependentProbabilityConnector("d < 2.5"),
                         sim.StaticSynapse(weight=lambda d: 0.1 * d + 0.05, delay=0.3))
    connections = prj.get(["weight", "delay"], format="list")
    assert len(connections) == sum(1 for i in range(20) for j in range(20) if abs(i - j) < 2.5)
    for i, j, weight, delay in connections:
        assert abs(i - j) < 2.5
        assert weight == pytest.approx(0.1 * abs(i - j) + 0.05, rel=1e-6)
        assert delay == pytest.approx(0.3)


def _server_specs(monkeypatch):
    """The connector names and synapse values the backend sends, in order."""
    sent = []
    session = sim.simulator.state.session
    original = session.create_projection

    def recording(pre, post, connector, **kwargs):
        sent.append((connector["name"], kwargs.get("synapse_parameters", {})))
        return original(pre, post, connector, **kwargs)
    monkeypatch.setattr(session, "create_projection", recording)
    return sent


def _pynn_distances(space, pre, post):
    """PyNN's own distance matrix (pyNN.space.Space.distances) for two populations."""
    return space.distances(pre.positions.T, post.positions.T).reshape(pre.size, post.size)


def test_positions_live_on_the_server(simulator):
    ball = sim.Population(500, sim.IF_curr_exp(),
                          structure=RandomStructure(Sphere(50.0), origin=(100.0, 0.0, 0.0),
                                                    rng=NumpyRNG(seed=3)))
    xyz = ball.positions
    assert xyz.shape == (3, 500)
    assert np.all(np.linalg.norm(xyz.T - (100.0, 0.0, 0.0), axis=1) < 50.0)
    # The backend reads what the server generated.
    session = sim.simulator.state.session
    assert np.array_equal(session.get_positions(ball._cells()), xyz.T)
    box = sim.Population(300, sim.IF_curr_exp(),
                         structure=RandomStructure(Cuboid(10.0, 20.0, 30.0), rng=NumpyRNG(seed=3)))
    assert np.all(np.abs(box.positions) <= np.array([[5.0], [10.0], [15.0]]))
    grid = sim.Population(12, sim.IF_curr_exp(), structure=Grid2D(aspect_ratio=3, dx=2.0, dy=5.0))
    assert np.array_equal(grid.positions, Grid2D(aspect_ratio=3, dx=2.0, dy=5.0)
                          .generate_positions(12))
    # Setting positions, whole or per cell, reaches the server.
    new = np.arange(36, dtype=float).reshape(3, 12)
    grid.positions = new
    assert np.array_equal(session.get_positions(grid._cells()), new.T)
    grid[4].position = (-1.0, -2.0, -3.0)
    grid.sync_positions()
    assert np.array_equal(session.get_positions(grid._cells())[4], (-1.0, -2.0, -3.0))


def test_distance_dependent_probability_runs_on_the_server_as_pynn_defines_it(simulator,
                                                                               monkeypatch):
    sent = _server_specs(monkeypatch)
    grid = sim.Population(100, sim.IF_curr_exp(), structure=Grid2D(dx=10.0, dy=10.0))
    torus = Space(periodic_boundaries=((0, 100), (0, 100), None))
    # A threshold is deterministic: the connections are exactly PyNN's.
    near = sim.Projection(grid, grid, sim.DistanceDependentProbabilityConnector(
        "d < 15", allow_self_connections=False), sim.StaticSynapse(weight="0.01 * d + 0.1"),
        space=torus)
    d = _pynn_distances(torus, grid, grid)
    expected = {(i, j) for i in range(100) for j in range(100) if d[i, j] < 15 and i != j}
    got = near.get("weight", format="list")
    assert {(int(i), int(j)) for i, j, _ in got} == expected
    for i, j, weight in got:
        assert weight == pytest.approx(0.01 * d[int(i), int(j)] + 0.1, rel=1e-12)
    assert sent[-1][0] == "DistanceDependentProbabilityConnector"
    assert sent[-1][1]["weight"] == values.DistanceExpression("0.01 * d + 0.1")
    # Axes, scale_factor and offset as pyNN.space.Space.distances.
    line = sim.Population(40, sim.IF_curr_exp(), structure=sim.Line(dx=3.0, y=7.0))
    odd = Space(axes="xy", scale_factor=0.5, offset=np.array([4.0, 1.0, 100.0]))
    prj = sim.Projection(line, grid, sim.DistanceDependentProbabilityConnector("d < 20"),
                         sim.StaticSynapse(weight=0.1), space=odd)
    d = _pynn_distances(odd, line, grid)
    assert {(int(i), int(j)) for i, j, _ in prj.get("weight", format="list")} == \
        {(i, j) for i in range(40) for j in range(100) if d[i, j] < 20}
    # A probability: the count lies in the binomial interval of PyNN's p(d).
    p = np.minimum(np.exp(-_pynn_distances(torus, grid, grid) / 20.0), 1.0)
    soft = sim.Projection(grid, grid, sim.DistanceDependentProbabilityConnector(
        "exp(-d/20)", rng=NumpyRNG(seed=11)), sim.StaticSynapse(weight=0.1), space=torus)
    assert abs(len(soft) - p.sum()) < 3.29 * np.sqrt((p * (1 - p)).sum())
    assert sent[-1][0] == "DistanceDependentProbabilityConnector"


def test_small_world_connector_runs_on_the_server(simulator):
    grid = sim.Population(64, sim.IF_curr_exp(), structure=Grid2D(dx=10.0, dy=10.0))
    lattice = sim.Projection(grid, grid, sim.SmallWorldConnector(
        degree=15.0, rewiring=0.0, allow_self_connections=False), sim.StaticSynapse(weight=0.1))
    d = _pynn_distances(Space(), grid, grid)
    expected = {(i, j) for i in range(64) for j in range(64) if d[i, j] < 15.0 and i != j}
    pairs = {(int(i), int(j)) for i, j, _ in lattice.get("weight", format="list")}
    assert pairs == expected
    rewired = sim.Projection(grid, grid, sim.SmallWorldConnector(
        degree=15.0, rewiring=0.5, allow_self_connections=False, rng=NumpyRNG(seed=2)),
        sim.StaticSynapse(weight=0.1))
    got = [(int(i), int(j)) for i, j, _ in rewired.get("weight", format="list")]
    assert len(set(got)) == len(got) == len(expected)
    assert np.array_equal(np.bincount([i for i, _ in got], minlength=64),
                          np.bincount([i for i, _ in expected], minlength=64))
    assert len(set(got) - expected) > 0
    nearest = sim.Projection(grid, grid, sim.SmallWorldConnector(
        degree=25.0, rewiring=0.0, allow_self_connections=False, n_connections=3),
        sim.StaticSynapse(weight=0.1))
    assert np.all(np.bincount(np.array(nearest.get("weight", format="list"))[:, 0].astype(int),
                              minlength=64) == 3)


def test_clone_and_array_connectors_run_on_the_server(simulator, monkeypatch):
    sent = _server_specs(monkeypatch)
    a = sim.Population(30, sim.IF_curr_exp())
    b = sim.Population(20, sim.IF_curr_exp())
    reference = sim.Projection(a, b, sim.FixedProbabilityConnector(0.2, rng=NumpyRNG(seed=4)),
                               sim.StaticSynapse(weight=0.1))
    clone = sim.Projection(a, b, sim.CloneConnector(reference), sim.StaticSynapse(weight=0.3))
    assert sent[-1][0] == "CloneConnector"
    reference_pairs = [(i, j) for i, j, _ in reference.get("weight", format="list")]
    assert [(i, j) for i, j, _ in clone.get("weight", format="list")] == reference_pairs
    assert [w for _, _, w in clone.get("weight", format="list")] == \
        [pytest.approx(0.3)] * len(reference_pairs)
    with pytest.raises(errors.ConnectionError):
        sim.Projection(b, a, sim.CloneConnector(reference), sim.StaticSynapse(weight=0.3))
    flags = NumpyRNG(seed=9).uniform(0, 1, (30, 20)) < 0.3
    array = sim.Projection(a, b, sim.ArrayConnector(flags), sim.StaticSynapse(weight=0.2))
    assert sent[-1][0] == "ArrayConnector"
    assert [(i, j) for i, j, _ in array.get("weight", format="list")] == \
        [tuple(ij) for ij in np.argwhere(flags)]


def test_bad_distance_expressions_name_the_field(simulator):
    a = sim.Population(5, sim.IF_curr_exp())
    # PyNN accepts this string (np is in its namespace); the server does not run it.
    with pytest.raises(errors.InvalidParameterValueError) as caught:
        sim.Projection(a, a, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight="np.random.rand() + 0 * d"))
    message = str(caught.value)
    assert "synapse.parameters.weight" in message and "'np.random' is not allowed" in message
    session = sim.simulator.state.session
    with pytest.raises(SpikeserveError) as caught:
        session.create_projection(
            [a._cells()], [a._cells()],
            {"name": "DistanceDependentProbabilityConnector",
             "distance_expression": "__import__('os').system('true')"})
    assert caught.value.field == "connector.distance_expression"
    assert caught.value.reason == "INVALID_EXPRESSION"
    with pytest.raises(SpikeserveError) as caught:
        session.create_projection([a._cells()], [a._cells()], {"name": "AllToAllConnector"},
                                  space={"axes": "xq"})
    assert caught.value.field == "space.axes"
    with pytest.raises(SpikeserveError) as caught:
        session.set_positions(a._cells(), np.zeros((4, 3)))
    assert caught.value.field == "xyz_f64le" and caught.value.reason == "WRONG_LENGTH"
    with pytest.raises(SpikeserveError) as caught:
        session.create_population(4, "IF_curr_exp", structure=("RandomStructure", {"radius": 1.0},
                                                                "Torus", 1))
    assert caught.value.field == "structure.boundary"


def test_assemblies_record_and_connect(simulator):
    p1 = sim.Population(3, sim.SpikeSourceArray(spike_times=Sequence([1.0])), label="p1")
    p2 = sim.Population(2, sim.SpikeSourceArray(spike_times=Sequence([2.0])), label="p2")
    target = sim.Population(1, sim.IF_curr_exp())
    assembly = p1 + p2
    assembly.record("spikes")
    prj = sim.Projection(assembly, target, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.5))
    assert sorted(c[0] for c in prj.get("weight", format="list")) == [0, 1, 2, 3, 4]
    sim.run(5.0)
    trains = assembly.get_data().segments[0].spiketrains
    assert sorted(float(t[0]) for t in trains) == [1.0, 1.0, 1.0, 2.0, 2.0]


def test_current_sources_are_changeable_between_runs(simulator):
    cell = sim.Population(1, sim.IF_curr_exp(v_thresh=100.0, tau_m=10.0, cm=1.0))
    source = sim.DCSource(amplitude=0.5, start=0.0, stop=1e9)
    source.inject_into(cell)
    cell.record("v")
    sim.run(100.0)
    source.amplitude = 1.0
    assert source.amplitude == pytest.approx(1.0)
    sim.run(100.0)
    v = cell.get_data().segments[0].analogsignals[0].magnitude[:, 0]
    # After ten time constants v sits at v_rest + R I (R = tau_m / cm = 10 MOhm).
    assert v[1000] == pytest.approx(-65.0 + 10.0 * 0.5, abs=1e-3)
    assert v[2000] == pytest.approx(-65.0 + 10.0 * 1.0, abs=1e-3)


def test_reset_change_parameters_and_rerun(simulator):
    # Subthreshold IF_curr_exp: each segment follows v_rest + R I (1 - exp(-t/tau_m))
    # for the current it ran with; the second run starts again from v_rest.
    cell = sim.Population(1, sim.IF_curr_exp(v_thresh=100.0, tau_m=10.0, cm=0.5, i_offset=0.1))
    cell.record("v")
    sim.run(50.0)
    sim.reset()
    cell.set(i_offset=0.3, tau_m=5.0)
    sim.run(50.0)
    first, second = (s.analogsignals[0].magnitude[:, 0] for s in cell.get_data().segments)
    t = np.arange(501) * 0.1
    np.testing.assert_allclose(first, -65.0 + 20.0 * 0.1 * (1 - np.exp(-t / 10.0)), atol=1e-9)
    np.testing.assert_allclose(second, -65.0 + 10.0 * 0.3 * (1 - np.exp(-t / 5.0)), atol=1e-9)


def test_reset_reproduces_a_deterministic_network(simulator):
    source = sim.Population(5, sim.SpikeSourceArray(spike_times=lambda i: Sequence([1.0 + i])))
    target = sim.Population(3, sim.IF_curr_exp(tau_syn_E=2.0))
    sim.Projection(source, target, sim.AllToAllConnector(), sim.StaticSynapse(weight=2.0))
    target.record(["spikes", "v"])
    sim.run(30.0)
    sim.reset()
    sim.run(30.0)
    first, second = target.get_data().segments
    np.testing.assert_array_equal(first.analogsignals[0].magnitude,
                                  second.analogsignals[0].magnitude)
    assert [list(t.magnitude) for t in first.spiketrains] == \
        [list(t.magnitude) for t in second.spiketrains]
    assert sum(len(t) for t in first.spiketrains) > 0


def test_network_grows_after_a_run(simulator):
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=Sequence([15.0, 25.0])))
    source.record("spikes")
    sim.run(10.0)
    target = sim.Population(1, sim.IF_curr_exp(tau_syn_E=1.0))
    target.record("v")
    sim.Projection(source, target, sim.OneToOneConnector(), sim.StaticSynapse(weight=5.0, delay=1.0))
    sim.run(20.0)
    v = target.get_data().segments[0].analogsignals[0]
    assert float(v.t_start) == pytest.approx(10.0)  # recording began when it was asked for
    # The spike at 15 ms arrives 1 ms later and depolarises the new cell.
    before = v.magnitude[int(round((15.9 - 10.0) / 0.1)), 0]
    after = v.magnitude[int(round((17.5 - 10.0) / 0.1)), 0]
    assert before == pytest.approx(-65.0) and after > -64.0
    assert [list(t.magnitude) for t in source.get_data().segments[0].spiketrains] == [[15.0, 25.0]]


def test_plastic_synapses_through_pynn(simulator):
    # Tsodyks-Markram depression: with tau_facil = 0 and a regular train, the
    # released fraction follows u_n = U and x_{n+1} = 1 - (1 - x_n(1 - U)) e^{-T/tau_rec}.
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=Sequence([10.0, 30.0, 50.0])))
    target = sim.Population(1, sim.IF_cond_exp(v_thresh=100.0, tau_syn_E=2.0))
    tm = sim.Projection(source, target, sim.OneToOneConnector(),
                        sim.TsodyksMarkramSynapse(weight=0.01, delay=0.5, U=0.5, tau_rec=100.0,
                                                  tau_facil=0.0))
    assert tm.get("U", format="list", with_address=False) == [pytest.approx(0.5)]
    target.record("gsyn_exc")
    stdp_source = sim.Population(1, sim.SpikeSourceArray(spike_times=Sequence([5.0])))
    dummy = sim.Population(1, sim.IF_curr_exp())  # never fires: no pairs, no change
    stdp = sim.Projection(stdp_source, dummy, sim.AllToAllConnector(), sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.01,
                                            A_minus=0.012),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=1.0),
        weight=0.5, delay=1.0, dendritic_delay_fraction=1.0))
    assert len(stdp) == 1
    sim.run(80.0)
    assert stdp.get("weight", format="list", with_address=False) == [0.5]
    g = target.get_data().segments[0].analogsignals[0].magnitude[:, 0]
    # Peak conductance after each presynaptic spike, relative to the first.
    peaks = [g[int((t + 0.5) / 0.1) + 1] for t in (10.0, 30.0, 50.0)]
    x, u, expected = 1.0, 0.5, []
    for _ in range(3):
        expected.append(u * x)
        x = 1 - (1 - x * (1 - u)) * np.exp(-20.0 / 100.0)
    np.testing.assert_allclose(np.array(peaks) / peaks[0], np.array(expected) / expected[0],
                               rtol=0.02)


def test_multiquantal_example_initialises_available_sites_and_u(simulator):
    # PyNN's examples/multiquantal_synapses.py: initialize(a=n, u=U). With u = U
    # the first spike (10 ms, NEST counts its interval from 0) releases a fraction
    # U + U (1 - U) e^{-10/tau_facil} of the sites; without it, U. Mean over 4000
    # cells of 5 sites: the sd of the mean jump is 3.5 % of U (2.5 % of the
    # facilitated value), so the 15 % tolerance is over 4 sd (the seed is drawn).
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=Sequence([10.0, 20.0])))
    jumps = {}
    for label, initialise in (("initialised", True), ("default", False)):
        synapse = sim.MultiQuantalSynapse(n=5, U=0.04, tau_rec=50.0, tau_facil=200.0,
                                          weight=0.01, delay=0.5)
        cells = sim.Population(4000, sim.IF_cond_exp(e_rev_I=-75, tau_syn_I=4.3))
        cells.record("gsyn_inh")
        projection = sim.Projection(source, cells, sim.AllToAllConnector(),
                                    receptor_type="inhibitory", synapse_type=synapse)
        if initialise:
            projection.initialize(a=synapse.parameter_space["n"], u=synapse.parameter_space["U"])
        jumps[label] = cells
    with pytest.raises(errors.InvalidParameterValueError):
        projection.initialize(a=6)  # more than the 5 sites
    sim.run(15.0)
    arrival = int(round(10.5 / 0.1))
    decay = np.exp(-0.1 / 4.3)
    for label, u in (("initialised", 0.04 + 0.04 * 0.96 * np.exp(-10.0 / 200.0)),
                     ("default", 0.04)):
        g = jumps[label].get_data().segments[0].analogsignals[0].magnitude.mean(axis=1)
        assert g[arrival + 1] / decay - g[arrival] == pytest.approx(0.01 * u, rel=0.15), label


def test_current_sources_record_what_they_inject(simulator):
    cell = sim.Population(1, sim.IF_curr_exp())
    step = sim.StepCurrentSource(times=[0.41, 0.42, 0.86], amplitudes=[0.5, -0.5, 0.5])
    # On the time grid, duplicates collapsed keeping the last amplitude.
    np.testing.assert_allclose(step.times, [0.4, 0.9])
    np.testing.assert_allclose(step.amplitudes, [-0.5, 0.5])
    step.inject_into(cell)
    step.record()
    sim.run(2.0)
    sim.end()  # recorded currents stay readable
    current = step.get_data()
    assert str(current.units.dimensionality) == "nA"
    values = current.magnitude.ravel()
    assert values.size == 21
    np.testing.assert_allclose(values[:4], 0.0)
    np.testing.assert_allclose(values[4:9], -0.5)
    np.testing.assert_allclose(values[9:], 0.5)


def test_single_connections_change_in_place_and_auto_min_delay(server):
    sim.setup(timestep=0.1, server=server.address)  # min_delay 'auto'
    pre = sim.Population(4, sim.SpikeSourceArray())
    post = sim.Population(3, sim.IF_cond_exp())
    prj = sim.Projection(pre, post, sim.AllToAllConnector(),
                         sim.StaticSynapse(weight=0.05, delay=0.5))
    assert sim.get_min_delay() == pytest.approx(0.5)
    connections = list(prj.connections)
    assert connections[2].weight == 0.05  # weights are kept exactly
    connections[2].weight = 0.0123
    connections[2].delay = 1.0
    values = np.array(prj.get(("weight", "delay"), format="list", with_address=False))
    expected = np.tile([0.05, 0.5], (12, 1))
    expected[2] = [0.0123, 1.0]
    np.testing.assert_array_equal(values, expected)
    sim.end()


def test_run_with_callbacks_and_state_queries(simulator):
    seen = []

    def callback(t):
        seen.append(t)
        return t + 10.0

    sim.run(30.0, callbacks=[callback])
    assert seen[:3] == pytest.approx([0.0, 10.0, 20.0])
    assert sim.get_current_time() == pytest.approx(30.0)
    sim.run_until(35.0)
    assert sim.get_current_time() == pytest.approx(35.0)
    assert sim.get_time_step() == pytest.approx(0.1)
    assert sim.get_min_delay() == pytest.approx(0.1)


def test_gap_junctions_through_pynn(simulator):
    # PyNN's (NEURON) form; the numbers are tests/python/gap_junction_test.py's.
    cells = sim.Population(2, sim.HH_cond_exp())
    assert "source_section.gap" in cells.receptor_types
    junction = sim.Projection(cells[0:1], cells[1:2], sim.AllToAllConnector(),
                              sim.ElectricalSynapse(weight=0.05), source="source_section.gap",
                              receptor_type="source_section.gap")
    assert junction.get("weight", format="list") == [(0, 0, pytest.approx(0.05))]
    cells[0:1].inject(sim.DCSource(amplitude=0.6, start=10.0))
    cells.record("spikes")
    sim.run(60.0)
    driven, follower = (t.magnitude for t in cells.get_data().segments[0].spiketrains)
    # The undriven cell fires only through the junction, within a millisecond.
    assert len(follower) == len(driven) >= 3
    assert np.all((follower - driven > 0) & (follower - driven < 1.0))
    lif = sim.Population(2, sim.IF_curr_exp())
    with pytest.raises(errors.InvalidParameterValueError, match="source_section.gap"):
        sim.Projection(lif, lif, sim.AllToAllConnector(), sim.ElectricalSynapse(weight=0.1))
def test_live_data_streams_what_get_data_returns(simulator):
    cells = sim.Population(6, sim.IF_curr_exp(i_offset=np.linspace(0.8, 2.0, 6)), label="cells")
    cells.record(["spikes", "v"])
    updates = []
    with sim.live_data(cells, ["spikes", "v"], updates.append, policy="pause", interval=20.0):
        sim.run(60.0, callbacks=[lambda t: t + 30.0])  # two Run calls of 30 ms
    sim.run(10.0)  # outside the block: no live data
    finals = [u for u in updates if u.final]
    # Intervals count from the start of each run.
    assert [u.t_ms for u in updates] == pytest.approx([20.0, 30.0, 50.0, 60.0])
    assert len(finals) == 2
    block = cells.get_data().segments[0]
    v = block.filter(name="v")[0]
    live_v = [u.to_neo().segments[0].analogsignals[0] for u in finals]
    np.testing.assert_array_equal(np.concatenate([s.magnitude for s in live_v]),
                                  v.magnitude[:601])
    assert live_v[1].t_start == v.t_start + 30.1 * v.t_start.units
    live_trains = [u.to_neo().segments[0].spiketrains for u in finals]
    for k, train in enumerate(block.spiketrains):
        got = np.concatenate([t[k].magnitude for t in live_trains])
        np.testing.assert_array_equal(got, train.magnitude[train.magnitude <= 60.0])
        assert live_trains[0][k].annotations["channel_id"] == int(cells[k])
    assert sum(len(t) for t in block.spiketrains) > 10
    with pytest.raises(ValueError, match="policy"):
        with sim.live_data(cells, ["spikes"], print, policy="sometimes"):
            pass


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v", "-p", "no:cacheprovider"]))
