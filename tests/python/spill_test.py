"""Bounded memory against a real server: a session that records more than
--recording_memory_budget_mb (signals or spikes) has the excess in an HDF5
file under <data_dir>/.spill/ (checked with h5py), reads back bitwise what a
server without a budget records (GetData and the NIX export), and loses the file when it closes or the server
stops; a spill directory that cannot be written stops the run with a clear
error and loses nothing."""

import glob
import os
import sys
import tempfile
import time

os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"  # the server holds the file open

import grpc  # noqa: E402
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from spikeserve.errors import SpikeserveError  # noqa: E402
from spikeserve.live import LiveData  # noqa: E402
from spikeserve.session import Session  # noqa: E402
from spikeserve.values import Cells  # noqa: E402
from spikeserve_server import ServerProcess  # noqa: E402

BUDGET = 1 << 20  # --recording_memory_budget_mb=1
CELLS = 200
T_STOP = 1000.0  # 10001 rows of 200 values of v: 16 MB, 15 times the budget


@pytest.fixture(scope="module")
def servers():
    spilling = ServerProcess("--recording_memory_budget_mb=1")
    unlimited = ServerProcess("--recording_memory_budget_mb=0")
    yield spilling, unlimited
    for process in (spilling, unlimited):
        assert process.stop() == 0, process.read_log()


def network(session):
    cells = session.create_population(CELLS, "IF_curr_exp", {
        "i_offset": np.linspace(0.5, 2.5, CELLS), "tau_refrac": 2.0})
    noise = session.create_population(50, "SpikeSourcePoisson", {"rate": 40.0})
    session.record([Cells(cells.population_id)], ["spikes", "v"])
    session.record([Cells(noise.population_id)], ["spikes"])
    return [Cells(cells.population_id), Cells(noise.population_id)]


def spill_files(server):
    return sorted(glob.glob(os.path.join(server.data_dir, ".spill", "*.h5")))


def blocks_in(path):
    """The file's blocks in the order they were written, concatenated."""
    with h5py.File(path, "r") as f:
        names = sorted(f.keys(), key=lambda name: int(name[1:]))
        return np.concatenate([f[name][()] for name in names]) if names else np.empty(0)


def wait_until_gone(paths):
    # The file goes with the session's last reference, which a call that is
    # just returning may hold a moment longer.
    deadline = time.monotonic() + 10
    while any(os.path.exists(p) for p in paths) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(os.path.exists(p) for p in paths)


def assert_bitwise_equal(block, reference):
    assert len(block.segments) == len(reference.segments)
    for segment, expected in zip(block.segments, reference.segments):
        v, v_ref = segment.signal("v"), expected.signal("v")
        assert v.values.shape == v_ref.values.shape
        np.testing.assert_array_equal(v.values.view(np.uint64), v_ref.values.view(np.uint64))
        assert len(segment.spike_trains) == len(expected.spike_trains) == 2
        for trains, trains_ref in zip(segment.spike_trains, expected.spike_trains):
            np.testing.assert_array_equal(trains.ids, trains_ref.ids)
            np.testing.assert_array_equal(trains.times_ms, trains_ref.times_ms)


def nix_values(path):
    """Every DataArray's values in a NIX export, as sorted bytes (spike
    trains' names hold random ids)."""
    with h5py.File(path, "r") as f:
        return sorted(array["data"][()].tobytes() for block in f["data"].values()
                      for array in block["data_arrays"].values())


def test_the_excess_goes_to_the_spill_file_and_reads_back_identical(servers):
    spilling, unlimited = servers
    with Session(unlimited.address, timestep=0.1, seed=5) as s:
        cells = network(s)
        s.run_until(T_STOP)
        reference = s.get_data(cells)
        s.export_data(cells, path="exports/reference.h5")
    assert spill_files(unlimited) == []

    s = Session(spilling.address, timestep=0.1, seed=5)
    cells = network(s)
    run = s.run_live(T_STOP, LiveData(cells, ["spikes", "v"], policy="pause"), 100.0)
    for _ in run:
        pass
    live = run.block
    block = s.get_data(cells)
    assert_bitwise_equal(block, reference)
    # Live data read the rows that had gone to the file while the run went on.
    np.testing.assert_array_equal(live.segments[0].signal("v").values.view(np.uint64),
                                  reference.segments[0].signal("v").values.view(np.uint64))

    [path] = spill_files(spilling)
    assert os.path.basename(path).startswith(f"session-{spilling.process.pid}-{s.id[:8]}-")
    spilled = blocks_in(path)
    v = reference.segments[0].signal("v").values
    assert v.nbytes > 10 * BUDGET
    # The file holds the first rows of v, in order; memory the rest, within budget.
    assert spilled.size % CELLS == 0
    assert v.nbytes - BUDGET <= spilled.nbytes < v.nbytes
    np.testing.assert_array_equal(spilled.view(np.uint64), v.ravel()[:spilled.size].view(np.uint64))

    # A NIX export of spilled data holds the same values, and is the user's:
    # it stays after the session.
    assert s.export_data(cells, path="exports/spilled.h5") > spilled.nbytes
    exported = nix_values(os.path.join(spilling.data_dir, "exports", "spilled.h5"))
    expected = nix_values(os.path.join(unlimited.data_dir, "exports", "reference.h5"))
    assert len(expected) > CELLS and exported == expected
    with pytest.raises(SpikeserveError) as caught:
        s.export_data(cells, path=".spill/mine.h5")
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT and caught.value.field == "path"

    # A clear drops the spilled rows with the rest; recording goes on.
    s.clear_data([cells[0].population_id])
    assert blocks_in(path).size == 0
    s.close()
    assert wait_until_gone([path]), os.listdir(os.path.dirname(path))
    assert os.path.exists(os.path.join(spilling.data_dir, "exports", "spilled.h5"))


def test_spikes_spill_and_read_back_identical(servers):
    # 2000 sources at 100 Hz: about 200,000 spikes, 2.4 MB at 12 bytes each.
    def spiking(session):
        sources = session.create_population(2000, "SpikeSourcePoisson", {"rate": 100.0})
        session.record([Cells(sources.population_id)], ["spikes"])
        return [Cells(sources.population_id)]

    spilling, unlimited = servers
    with Session(unlimited.address, timestep=0.1, seed=9) as s:
        cells = spiking(s)
        s.run_until(T_STOP)
        [reference] = s.get_data(cells).segments[0].spike_trains
        s.export_data(cells, path="exports/spikes-reference.h5")
    assert reference.times_ms.size * 12 > 2 * BUDGET

    with Session(spilling.address, timestep=0.1, seed=9) as s:
        cells = spiking(s)
        s.run_until(T_STOP)
        [trains] = s.get_data(cells).segments[0].spike_trains
        np.testing.assert_array_equal(trains.train, reference.train)
        np.testing.assert_array_equal(trains.times_ms.view(np.uint64),
                                      reference.times_ms.view(np.uint64))
        # The file holds the first spikes as rows of (index, time), in order;
        # memory the rest, within the budget.
        [path] = spill_files(spilling)
        rows = blocks_in(path).reshape(-1, 2)
        assert reference.times_ms.size * 12 - BUDGET <= rows.shape[0] * 12
        np.testing.assert_array_equal(rows[:, 0], reference.train[:rows.shape[0]])
        np.testing.assert_array_equal(rows[:, 1].view(np.uint64),
                                      reference.times_ms[:rows.shape[0]].view(np.uint64))
        # The session's memory report counts the same split.
        memory = s.describe().memory
        assert memory.spilled_recording_bytes == rows.shape[0] * 12
        assert memory.recording_bytes == (reference.times_ms.size - rows.shape[0]) * 12
        assert memory.recording_bytes <= BUDGET
        s.export_data(cells, path="exports/spikes-spilled.h5")
    exported = nix_values(os.path.join(spilling.data_dir, "exports", "spikes-spilled.h5"))
    expected = nix_values(os.path.join(unlimited.data_dir, "exports", "spikes-reference.h5"))
    assert len(expected) == 2000 and exported == expected
    assert wait_until_gone([path])


def test_stale_files_expiry_and_server_shutdown_remove_spill_files():
    # What a killed server (no process has pid 999999999) left, a file of a
    # process that runs (this one, standing for another server) and a file
    # that is not a spill file.
    data_dir = tempfile.mkdtemp(prefix="spikeserve-spill-test-")
    os.makedirs(os.path.join(data_dir, ".spill"))
    stale = os.path.join(data_dir, ".spill", "session-999999999-0123abcd-1.h5")
    running = os.path.join(data_dir, ".spill", f"session-{os.getpid()}-0123abcd-2.h5")
    other = os.path.join(data_dir, ".spill", "notes.txt")
    for path in (stale, running, other):
        open(path, "w").close()
    server = ServerProcess("--recording_memory_budget_mb=1", "--session_idle_timeout=1s",
                           f"--data_dir={data_dir}")  # the last --data_dir counts
    server.data_dir = data_dir
    try:
        assert not os.path.exists(stale)
        assert os.path.exists(running) and os.path.exists(other)
        assert "removed 1 spill file(s)" in server.read_log()
        expiring = Session(server.address, timestep=0.1, seed=5)
        network(expiring)
        expiring.run_until(200.0)  # 3.2 MB of v
        [path] = [p for p in spill_files(server) if p != running]
        assert wait_until_gone([path])  # idle for 1 s: expired
        assert "expired" in server.read_log()
        s = Session(server.address, timestep=0.1, seed=5)
        network(s)
        s.run_until(200.0)
        assert len(spill_files(server)) == 2  # this session's and `running`
    finally:
        assert server.stop() == 0, server.read_log()
    assert spill_files(server) == [running]


def test_a_spill_directory_that_cannot_be_written_stops_the_run_and_loses_nothing(servers):
    spilling, unlimited = servers
    os.makedirs(spilling.data_dir, exist_ok=True)
    blocker = os.path.join(spilling.data_dir, ".spill")
    if os.path.isdir(blocker):
        os.rmdir(blocker)  # empty: the first test's session is closed
    with open(blocker, "w") as f:
        f.write("a file where the spill directory should be\n")
    try:
        with Session(spilling.address, timestep=0.1, seed=5) as s:
            cells = network(s)
            with pytest.raises(SpikeserveError) as caught:
                s.run_until(T_STOP)
            assert caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
            message = str(caught.value)
            assert "--recording_memory_budget_mb" in message and "--data_dir" in message
            assert "the run stopped at t = " in message
            stopped_at = s.describe().t_ms
            assert 0 < stopped_at < T_STOP
            # Everything up to the stop is there, in memory; once the
            # directory can be made the session goes on and spills.
            assert s.get_data(cells).segments[0].signal("v").values.shape[0] == \
                round(stopped_at / 0.1) + 1
            os.remove(blocker)
            s.run_until(T_STOP)
            block = s.get_data(cells)
            assert len(spill_files(spilling)) == 1
    finally:
        if os.path.isfile(blocker):
            os.remove(blocker)
    with Session(unlimited.address, timestep=0.1, seed=5) as s:
        cells = network(s)
        s.run_until(stopped_at)
        s.run_until(T_STOP)
        reference = s.get_data(cells)
    assert_bitwise_equal(block, reference)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v", "-p", "no:cacheprovider"]))
