"""The low-level Python client against a real server: sessions, uploads,
the Neo-structured data stream and machine-readable errors."""

import os
import sys

import grpc
import numpy as np
import pytest

from spikeserve import data, wire
from spikeserve.errors import SpikeserveError
from spikeserve.session import Session
from spikeserve.v1 import data_pb2, simulator_pb2
from spikeserve.values import Cells, RandomValue, SequenceListValue
from spikeserve_server import server  # noqa: F401  (pytest fixture)


@pytest.fixture
def session(server):
    with Session(server.address, timestep=0.1, seed=7, label="client-test") as s:
        yield s


def test_session_reports_its_settings_and_capabilities(session):
    description = session.describe()
    assert description.seed == 7
    assert description.timestep_ms == pytest.approx(0.1)
    assert description.label == "client-test"
    names = {cell.name for cell in session.capabilities().cell_types}
    assert {"IF_curr_exp", "IF_cond_exp", "SpikeSourceArray", "SpikeSourcePoisson"} <= names


def test_large_arrays_travel_through_upload_and_read_back_identically(session):
    # 200,000 values are 1.6 MB: above the inline limit, so they are uploaded
    # in chunks and read back in several streamed chunks.
    size = 200_000
    tau_m = np.linspace(5.0, 30.0, size)
    info = session.create_population(size, "IF_curr_exp", {"tau_m": tau_m})
    values = session.get_parameters(Cells(info.population_id), ["tau_m", "cm"])
    np.testing.assert_array_equal(values["tau_m"], tau_m)
    np.testing.assert_array_equal(values["cm"], np.ones(size))


def test_membrane_potential_follows_the_analytic_step_response(session):
    # IF_curr_exp is integrated exactly, so v(t) = v_rest + R I (1 - exp(-t/tau_m))
    # holds to rounding at every sample.
    cells = session.create_population(
        3, "IF_curr_exp", {"i_offset": np.array([0.1, 0.2, 0.3]), "tau_m": 10.0, "cm": 0.5,
                           "v_thresh": 0.0})
    session.record([Cells(cells.population_id)], ["v"])
    session.run_until(50.0)
    block = session.get_data([Cells(cells.population_id)])
    signal = block.segments[0].signal("v")
    assert signal.units == "mV" and signal.values.shape == (501, 3)
    t = np.arange(501) * 0.1
    resistance = 10.0 / 0.5
    expected = -65.0 + resistance * np.outer(1 - np.exp(-t / 10.0), [0.1, 0.2, 0.3])
    np.testing.assert_allclose(signal.values, expected, rtol=0, atol=1e-9)


def test_spike_times_come_back_exactly_and_streams_of_any_chunk_size_agree(session):
    times = [[1.0, 5.5, 9.9], [], [0.3, 0.4, 20.0, 30.1]]
    sources = session.create_population(3, "SpikeSourceArray",
                                        {"spike_times": SequenceListValue(times)})
    session.record([Cells(sources.population_id)], ["spikes"])
    session.run_until(40.0)
    whole = session.get_data([Cells(sources.population_id)])
    small = session.get_data([Cells(sources.population_id)], max_chunk_bytes=4096)
    trains = whole.segments[0].spike_trains[0]
    for k, expected in enumerate(times):
        got = trains.times_ms[trains.train == k]
        np.testing.assert_allclose(got, expected, atol=1e-9)
    np.testing.assert_array_equal(small.segments[0].spike_trains[0].times_ms, trains.times_ms)
    assert trains.t_stop_ms == pytest.approx(40.0)


def test_float32_signals_and_neo_conversion(session):
    cells = session.create_population(4, "IF_cond_exp", {"i_offset": 0.5})
    session.record([Cells(cells.population_id)], ["v", "gsyn_exc", "spikes"])
    session.run_until(10.0)
    wide = session.get_data([Cells(cells.population_id)])
    narrow = session.get_data([Cells(cells.population_id)], dtype="float32")
    for name in ("v", "gsyn_exc"):
        assert narrow.segments[0].signal(name).values.dtype == np.float32
        np.testing.assert_array_equal(narrow.segments[0].signal(name).values,
                                      wide.segments[0].signal(name).values.astype(np.float32))
    from spikeserve.data import to_neo
    neo_block = to_neo(wide)
    v = [s for s in neo_block.segments[0].analogsignals if s.name == "v"][0]
    assert str(v.units.dimensionality) == "mV"
    assert v.shape == (101, 4)
    assert list(v.array_annotations["channel_index"]) == [0, 1, 2, 3]
    assert len(neo_block.segments[0].spiketrains) == 4


def test_chunks_read_with_bulk_views_assemble_exactly_as_fully_parsed_messages(session):
    # get_data takes each chunk's bytes fields as views of the received message
    # (spikeserve.wire); protobuf's own parse of the same stream is the reference.
    cells = session.create_population(300, "IF_cond_exp", {"i_offset": np.linspace(0.3, 1.2, 300)})
    session.record([Cells(cells.population_id)], ["v", "spikes"])
    session.run_until(200.0)
    request = simulator_pb2.GetDataRequest(session_id=session.id, variables=["v", "spikes"],
                                           max_chunk_bytes=4096)
    request.cells.parts.append(Cells(cells.population_id).to_proto())
    reference = data.Assembler()
    for chunk in session._stub.GetData(request):
        reference.add(chunk)
    expected = reference.finish().segments[0]
    got = session.get_data([Cells(cells.population_id)], ["v", "spikes"],
                           max_chunk_bytes=4096).segments[0]
    trains, expected_trains = got.spike_trains[0], expected.spike_trains[0]
    assert expected_trains.times_ms.size > 500  # several spike batches of 4096 bytes
    for name in ("source_ids", "channel_index", "train", "times_ms"):
        np.testing.assert_array_equal(getattr(trains, name), getattr(expected_trains, name))
    np.testing.assert_array_equal(got.signal("v").values, expected.signal("v").values)
    np.testing.assert_array_equal(got.signal("v").source_ids, expected.signal("v").source_ids)


def test_spike_ids_are_looked_up_for_any_recorded_cells():
    def trains(source_ids, train):
        return data.SpikeTrains(1, "p", 0.0, 10.0, np.asarray(source_ids, dtype=np.int64),
                                np.arange(len(source_ids)), np.asarray(train, dtype=np.uint32),
                                np.zeros(len(train)))
    every_cell = trains([40, 41, 42, 43], [3, 0, 0, 2])
    assert every_cell.ids.dtype == np.int64
    np.testing.assert_array_equal(every_cell.ids, [43, 40, 40, 42])
    some_cells = trains([40, 42, 43, 47], [3, 0, 1, 2])
    np.testing.assert_array_equal(some_cells.ids, [47, 40, 42, 43])
    assert trains([], []).ids.size == 0


def test_truncated_or_malformed_chunk_bytes_are_refused():
    chunk = data_pb2.DataChunk(seq=3)
    chunk.signal_chunk.signal_id = 1
    chunk.signal_chunk.num_samples = 2
    chunk.signal_chunk.data = bytes(range(16))
    raw = chunk.SerializeToString()
    message, bulk = wire.parse_data_chunk(raw)
    assert message.seq == 3 and message.signal_chunk.num_samples == 2
    assert not message.signal_chunk.data and bytes(bulk["data"]) == bytes(range(16))
    with pytest.raises(wire.MalformedMessage, match="past the end"):
        wire.parse_data_chunk(raw[:-1])
    with pytest.raises(wire.MalformedMessage, match="wire type 7"):
        wire.parse_data_chunk(b"\x0f" + raw)
    # A chunk kind without bytes fields is parsed whole.
    end = data_pb2.DataChunk(seq=9)
    end.block_end.total_bytes = 123
    message, bulk = wire.parse_data_chunk(end.SerializeToString())
    assert message == end and bulk == {}


def test_sessions_tune_glibc_malloc_unless_told_not_to(session):
    import subprocess
    from spikeserve import heap
    assert heap.keep_freed_memory()  # already done by the session's opening
    script = ("import os, sys; from spikeserve import heap; "
              "sys.exit(0 if heap.keep_freed_memory() is False else 1)")
    untouched = subprocess.run([sys.executable, "-c", script],
                               env={**os.environ, heap.TUNE_VARIABLE: "0"})
    assert untouched.returncode == 0


def test_errors_name_the_field_and_reason(session):
    with pytest.raises(SpikeserveError) as caught:
        session.create_population(5, "IF_curr_exp", {"tau_m": np.ones(4)})
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.reason == "WRONG_LENGTH"
    assert "tau_m" in caught.value.field
    with pytest.raises(SpikeserveError) as caught:
        session.create_population(5, "IF_curr_exp", {"tau_q": 1.0})
    assert caught.value.reason == "UNKNOWN_PARAMETER"


def test_clearing_restarts_the_current_segment(session):
    cells = session.create_population(2, "IF_curr_exp", {})
    session.record([Cells(cells.population_id)], ["v"])
    session.run_until(10.0)
    session.clear_data([cells.population_id])
    session.run_until(15.0)
    signal = session.get_data([Cells(cells.population_id)]).segments[0].signal("v")
    assert signal.t_start_ms == pytest.approx(10.0)
    assert signal.values.shape == (51, 2)


def test_save_projection_writes_pynn_list_and_array_layouts_on_the_server(session, server):
    import os

    import h5py
    pre = session.create_population(5, "SpikeSourcePoisson", {"rate": 5.0})
    post = session.create_population(4, "IF_curr_exp", {})
    projection = session.create_projection(
        [Cells(pre.population_id)], [Cells(post.population_id)],
        {"name": "FixedProbabilityConnector", "parameters": {"p_connect": 0.6}},
        synapse_parameters={"weight": RandomValue("uniform", {"low": 0.1, "high": 0.5}, 3),
                            "delay": 1.5},
        label="saved")
    i, j, columns = session.get_connections(projection.projection_id, ["weight", "delay"])
    expected = np.column_stack([i, j, columns["weight"], columns["delay"]])
    assert 5 < len(i) < 20

    answer = session.save_projection(projection.projection_id, "conn/saved.h5",
                                     ["weight", "delay"], "hdf5")
    assert answer.num_connections == len(i) and answer.path == "conn/saved.h5"
    path = os.path.join(server.data_dir, "conn", "saved.h5")
    assert answer.total_bytes == os.path.getsize(path)
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["data"][:], expected)
        assert [c.decode() if isinstance(c, bytes) else c for c in f["data"].attrs["columns"]] \
            == ["i", "j", "weight", "delay"]
        label = f["data"].attrs["label"]
        assert (label.decode() if isinstance(label, bytes) else label) == "saved"

    session.save_projection(projection.projection_id, "conn/saved.txt", ["weight"])  # "list"
    path = os.path.join(server.data_dir, "conn", "saved.txt")
    with open(path) as f:
        assert f.readline() == "# columns = ['i', 'j', 'weight']\n"
    np.testing.assert_array_equal(np.loadtxt(path, ndmin=2), expected[:, :3])

    # The array layout: PyNN's matrix, 0 where unconnected, multapses summed.
    matrix = np.zeros((5, 4))
    np.add.at(matrix, (i, j), columns["weight"])
    session.save_projection(projection.projection_id, "conn/weights.txt", ["weight"], "array")
    path = os.path.join(server.data_dir, "conn", "weights.txt")
    with open(path) as f:
        assert f.readline() == "# columns = ['weight']\n"
    np.testing.assert_array_equal(np.loadtxt(path, ndmin=2), matrix)
    session.save_projection(projection.projection_id, "conn/delays.h5", ["delay"], "array")
    with h5py.File(os.path.join(server.data_dir, "conn", "delays.h5"), "r") as f:
        delays = np.zeros((5, 4))
        delays[i, j] = 1.5
        np.testing.assert_array_equal(f["data"][:], delays)

    for kwargs, code, field in [
            ({"format": "array", "names": ["weight", "delay"]}, grpc.StatusCode.INVALID_ARGUMENT,
             "names"),
            ({"format": "csv"}, grpc.StatusCode.INVALID_ARGUMENT, "format"),
            ({"path": "../outside.h5", "format": "hdf5"}, grpc.StatusCode.INVALID_ARGUMENT, "path"),
            ({"path": "x.txt", "format": "hdf5"}, grpc.StatusCode.INVALID_ARGUMENT, "path"),
            ({"names": ["tau_x"]}, grpc.StatusCode.INVALID_ARGUMENT, "names[0]"),
            ({"projection_id": 99}, grpc.StatusCode.NOT_FOUND, "projection")]:
        arguments = {"projection_id": projection.projection_id, "path": "bad.h5",
                     "names": ["weight"], "format": "list", **kwargs}
        with pytest.raises(SpikeserveError) as caught:
            session.save_projection(**arguments)
        assert caught.value.code == code, kwargs
        assert caught.value.field == field, kwargs


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v", "-p", "no:cacheprovider"]))
