"""Live data during a run, against a real server: what streams while the
network runs is exactly what GetData returns afterwards, under both
back-pressure policies, with a slow reader, across runs and after a cancel."""

import sys
import threading
import time

import grpc
import numpy as np
import pytest

from spikeserve.errors import SpikeserveError
from spikeserve.live import LiveData
from spikeserve.session import Session
from spikeserve.values import Cells
from spikeserve_server import server  # noqa: F401  (pytest fixture)

# Small HTTP/2 windows and no bandwidth probing, so that what the transport
# buffers stays far below what the tests stream: a reader that stops reading
# is felt by the server at once.
SMALL_WINDOWS = [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 16384)]
WINDOW = 64 << 10


@pytest.fixture
def session(server):
    with Session(server.address, timestep=0.1, seed=11, channel_options=SMALL_WINDOWS) as s:
        yield s


def spiking_network(session, size=20):
    """Cells firing regularly at different rates, and Poisson sources."""
    cells = session.create_population(size, "IF_curr_exp", {
        "i_offset": np.linspace(0.6, 2.5, size), "tau_m": 20.0, "cm": 1.0, "tau_refrac": 2.0})
    noise = session.create_population(size, "SpikeSourcePoisson", {"rate": 80.0})
    session.record([Cells(cells.population_id)], ["spikes", "v"])
    session.record([Cells(noise.population_id)], ["spikes"])
    return cells, noise


def spikes_of(block, population_id):
    trains = [t for t in block.segments[0].spike_trains if t.population_id == population_id]
    assert len(trains) == 1
    return trains[0].ids, trains[0].times_ms


def test_on_data_sees_everything_recorded_up_to_each_progress_event(session):
    cells, noise = spiking_network(session)
    both = [Cells(cells.population_id), Cells(noise.population_id)]
    seen = []

    def on_data(update):
        seen.append(update.t_ms)
        for trains in update.block.segments[0].spike_trains:
            assert trains.times_ms.size == 0 or trains.times_ms.max() <= update.t_ms + 1e-9
        v = update.block.segments[0].signal("v")
        assert v.first_sample + v.values.shape[0] == round(update.t_ms / 0.1) + 1

    finished = session.run_until(200.0, progress_interval_ms=25.0, on_data=on_data,
                                 live=LiveData(both, ["spikes", "v"], policy="pause"))
    assert finished.t_ms == pytest.approx(200.0) and session.t == pytest.approx(200.0)
    assert finished.live_data.chunks_skipped == 0
    assert seen == pytest.approx([25.0, 50.0, 75.0, 100.0, 125.0, 150.0, 175.0, 200.0])


def test_a_wall_clock_interval_reports_a_slow_run_in_between(session):
    # Biological reports only at the end; 20,000 cells for 500 ms take far
    # more than 2 ms of wall time on any machine, so reports come in between.
    cells = session.create_population(20000, "IF_cond_exp", {"i_offset": 1.0})
    session.record([Cells(cells.population_id)], ["spikes"])
    seen = []
    finished = session.run_until(
        500.0, progress=lambda t_ms, target_ms: seen.append(t_ms), progress_interval_ms=1e9,
        progress_interval_wall_ms=2.0)
    assert finished.t_ms == pytest.approx(500.0)
    assert len(seen) >= 2 and seen == sorted(seen) and seen[-1] < 500.0
    with pytest.raises(SpikeserveError) as caught:
        session.run_until(510.0, progress_interval_wall_ms=-1.0)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.field == "progress_interval_wall_ms"


def live_block(session, t_stop, live, progress_interval_ms=25.0, pause_at_first=0.0):
    """Runs to t_stop with live data; returns (final block, RunFinished, chunk count)."""
    run = session.run_live(t_stop, live, progress_interval_ms)
    first = True
    for update in run:
        if first and pause_at_first:
            time.sleep(pause_at_first)  # a reader that stops reading for a while
        first = False
    session.t = run.finished.t_ms
    return run.block, run.finished, run.chunks


def test_live_data_equals_get_data_exactly_across_runs(session):
    cells, noise = spiking_network(session)
    both = [Cells(cells.population_id), Cells(noise.population_id)]
    live = LiveData(both, ["spikes", "v"], policy="pause")
    first, finished_1, chunks_1 = live_block(session, 200.0, live)
    second, finished_2, chunks_2 = live_block(session, 300.0, live)
    assert finished_1.live_data.chunks_sent == chunks_1
    assert finished_2.live_data.chunks_sent == chunks_2
    whole = session.get_data(both)

    v_whole = whole.segments[0].signal("v")
    v_1, v_2 = first.segments[0].signal("v"), second.segments[0].signal("v")
    assert v_1.first_sample == 0 and v_2.first_sample == 2001
    assert v_2.t_start_ms == pytest.approx(200.1)
    np.testing.assert_array_equal(np.concatenate([v_1.values, v_2.values]), v_whole.values)
    np.testing.assert_array_equal(v_1.source_ids, v_whole.source_ids)
    np.testing.assert_array_equal(v_1.channel_index, v_whole.channel_index)
    assert v_1.units == "mV" and v_1.sampling_period_ms == v_whole.sampling_period_ms

    for population in (cells, noise):
        ids, times = spikes_of(whole, population.population_id)
        ids_1, times_1 = spikes_of(first, population.population_id)
        ids_2, times_2 = spikes_of(second, population.population_id)
        assert times.size > 100
        np.testing.assert_array_equal(np.concatenate([ids_1, ids_2]), ids)
        np.testing.assert_array_equal(np.concatenate([times_1, times_2]), times)


def test_a_view_and_float32(session):
    cells, _ = spiking_network(session)
    view = [Cells(cells.population_id, np.array([2, 5, 7]))]
    block, _, _ = live_block(session, 50.0, LiveData(view, ["v"], policy="pause", dtype="float32"))
    whole = session.get_data(view, variables=["v"], dtype="float32")
    live_v, v = block.segments[0].signal("v"), whole.segments[0].signal("v")
    assert live_v.values.dtype == np.float32 and live_v.values.shape == (501, 3)
    np.testing.assert_array_equal(live_v.values, v.values)
    np.testing.assert_array_equal(live_v.source_ids, cells.first_id + np.array([2, 5, 7]))
    assert block.segments[0].spike_trains == []


def big_signal(session, size=100):
    cells = session.create_population(size, "IF_curr_exp", {"i_offset": np.linspace(0, 1, size)})
    session.record([Cells(cells.population_id)], ["v"])
    return [Cells(cells.population_id)]


def test_pause_with_a_slow_reader_keeps_everything_within_the_window(session):
    cells = big_signal(session)
    # 3001 rows x 100 channels x 8 bytes = 2.4 MB through a 64 KiB window.
    live = LiveData(cells, ["v"], policy="pause", window_bytes=WINDOW, max_chunk_bytes=16384)
    block, finished, chunks = live_block(session, 300.0, live, pause_at_first=0.3)
    stats = finished.live_data
    assert stats.waits >= 1  # the simulation waited for the reader
    assert stats.peak_queued_bytes <= WINDOW
    assert stats.chunks_skipped == 0 and block.skipped == []
    assert stats.chunks_sent == chunks
    assert stats.bulk_bytes_sent == 3001 * 100 * 8
    whole = session.get_data(cells)
    np.testing.assert_array_equal(block.segments[0].signal("v").values,
                                  whole.segments[0].signal("v").values)


def test_drop_live_with_a_slow_reader_reports_skips_and_get_data_has_everything(session):
    cells = big_signal(session)
    live = LiveData(cells, ["v"], policy="drop_live", window_bytes=WINDOW, max_chunk_bytes=16384)
    block, finished, chunks = live_block(session, 300.0, live, pause_at_first=0.3)
    stats = finished.live_data
    assert stats.waits == 0  # the simulation never waited
    assert stats.chunks_skipped >= 1 and block.skipped
    assert stats.chunks_sent == chunks
    assert stats.peak_queued_bytes <= WINDOW
    assert sum(s.num_chunks for s in block.skipped) == stats.chunks_skipped

    v = session.get_data(cells).segments[0].signal("v").values
    assert v.shape == (3001, 100) and not np.isnan(v).any()
    live_v = block.segments[0].signal("v").values
    assert live_v.shape[0] <= 3001
    received = ~np.isnan(live_v).all(axis=1)
    np.testing.assert_array_equal(live_v[received], v[:live_v.shape[0]][received])
    # Every row arrived once: as data or inside exactly one skip report.
    skipped = np.zeros(3001, dtype=int)
    for report in block.skipped:
        assert report.num_values == report.num_samples * 100
        assert report.t_start_ms <= report.first_sample * 0.1 + 1e-9
        skipped[report.first_sample:report.first_sample + report.num_samples] += 1
    covered = skipped.copy()
    covered[:live_v.shape[0]] += received
    np.testing.assert_array_equal(covered, 1)


def test_cancelling_a_live_run_keeps_the_session_and_the_data(session):
    cells, noise = spiking_network(session)
    both = [Cells(cells.population_id), Cells(noise.population_id)]
    run = session.run_live(1e6, LiveData(both, ["spikes", "v"], policy="pause"),
                           progress_interval_ms=10.0)
    updates = 0
    for update in run:
        updates += 1
        if updates == 3:
            run.cancel()
    assert run.finished is None
    stopped_at = session.describe().t_ms
    assert 30.0 <= stopped_at < 1e6
    whole = session.get_data(both)
    assert whole.segments[0].t_stop_ms == pytest.approx(stopped_at)
    v = whole.segments[0].signal("v").values
    assert v.shape[0] == round(stopped_at / 0.1) + 1
    live_v = run.block.segments[0].signal("v").values
    np.testing.assert_array_equal(live_v, v[:live_v.shape[0]])
    ids, times = spikes_of(whole, noise.population_id)
    live_ids, live_times = spikes_of(run.block, noise.population_id)
    assert times.max() <= stopped_at
    np.testing.assert_array_equal(live_times, times[:live_times.size])
    np.testing.assert_array_equal(live_ids, ids[:live_ids.size])
    # Still usable: the next run continues the same segment.
    session.run_until(stopped_at + 10.0)
    v = session.get_data(both).segments[0].signal("v").values
    assert v.shape[0] == round(stopped_at / 0.1) + 101


def test_another_thread_can_cancel_a_run_blocked_waiting_for_its_next_event(session):
    # The client's streams are single-threaded (the iterating thread drives
    # the call): cancel() from elsewhere must still wake it.
    session.create_population(10, "IF_curr_exp")
    run = session.run_live(1e7, progress_interval_ms=1e9)  # no event before the end
    timer = threading.Timer(0.3, run.cancel)
    timer.start()
    updates = list(run)
    timer.join()
    assert updates == [] and run.finished is None
    stopped_at = session.describe().t_ms
    assert 0.0 < stopped_at < 1e7


@pytest.mark.parametrize("change, field, reason", [
    ({"policy": 0}, "live_data.policy", "OUT_OF_RANGE"),
    ({"policy": 7}, "live_data.policy", "OUT_OF_RANGE"),
    ({"variables": ["w"]}, "live_data.variables[0]", "NOT_RECORDABLE"),
    ({"variables": ["spikes", "gsyn_exc"]}, "live_data.variables[1]", "NOT_RECORDED"),
    ({"window_bytes": 1000}, "live_data.window_bytes", "OUT_OF_RANGE"),
    ({"max_chunk_bytes": 10}, "live_data.max_chunk_bytes", "OUT_OF_RANGE"),
    ({"dtype": 5}, "live_data.dtype", "OUT_OF_RANGE"),
])
def test_bad_live_requests_name_the_field(session, change, field, reason):
    cells = session.create_population(3, "IF_cond_exp", {})
    session.record([Cells(cells.population_id)], ["spikes", "v"])
    arguments = {"cells": [Cells(cells.population_id)], "variables": ["spikes"], "policy": "pause"}
    arguments.update(change)
    live = LiveData(**arguments)
    with pytest.raises(SpikeserveError) as caught:
        session.run_until(10.0, live=live)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.field == field
    assert caught.value.reason == reason
    assert session.describe().t_ms == 0.0  # nothing ran


def test_unknown_population_and_unrecorded_cells_are_refused(session):
    cells = session.create_population(3, "IF_cond_exp", {})
    with pytest.raises(SpikeserveError) as caught:
        session.run_until(10.0, live=LiveData([Cells(99)], policy="pause"))
    assert caught.value.code == grpc.StatusCode.NOT_FOUND
    assert caught.value.field.startswith("live_data.cells.parts[0]")
    assert caught.value.reason == "UNKNOWN_POPULATION"
    with pytest.raises(SpikeserveError) as caught:
        session.run_until(10.0, live=LiveData([Cells(cells.population_id)], policy="pause"))
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.field == "live_data.cells" and caught.value.reason == "NOT_RECORDED"
    with pytest.raises(ValueError, match="policy"):
        LiveData([Cells(cells.population_id)], policy="wait").to_proto()
    session.run_until(10.0)  # the session is fine
    assert session.t == pytest.approx(10.0)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v", "-p", "no:cacheprovider"]))
