#!/usr/bin/python3
"""Live data during a run: what streaming costs the simulation, per policy.

Records v and spikes of N IF_curr_exp cells for T ms (default 1000 cells x
10001 samples, float64: 80 MB of v) and times, on loopback, a run without
live data and runs streaming both variables to a Python reader that only
assembles them (spikeserve.live), medians of --repeats, a fresh session each:
  none       the run alone;
  pause      PAUSE: nothing dropped, the run goes at the reader's pace;
  drop_live  DROP_LIVE: the run never waits, what the reader misses is skipped.
Reports wall time, live MB received per second of run, chunks skipped, how
often the simulation waited and the server's peak queued bytes.

    bench/live_data.py [--neurons 1000] [--duration 1000] [--repeats 3]
"""

import argparse
import time

import numpy as np

from server_process import ServerProcess
from spikeserve.live import LiveData
from spikeserve.session import Session
from spikeserve.values import Cells


def one_run(address, neurons, duration, mode):
    with Session(address, timestep=0.1, seed=1) as session:
        cells = session.create_population(
            neurons, "IF_curr_exp", {"i_offset": np.linspace(0.0, 1.0, neurons)})
        session.record([Cells(cells.population_id)], ["v", "spikes"])
        live = None if mode == "none" else LiveData([Cells(cells.population_id)],
                                                    ["v", "spikes"], policy=mode)
        started = time.perf_counter()
        finished = session.run_until(duration, live=live, on_data=lambda update: None)
        return time.perf_counter() - started, finished.live_data


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neurons", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=1000.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--server-binary", default="bazel-bin/server/spikeserve")
    args = parser.parse_args()
    print("| mode | wall s | live MB | live MB/s | chunks skipped | waits | peak queued KiB |")
    print("|---|---|---|---|---|---|---|")
    with ServerProcess(args.server_binary, "/tmp/bench-live-data-server.log") as server:
        for mode in ("none", "pause", "drop_live"):
            runs = sorted((one_run(server.address, args.neurons, args.duration, mode)
                           for _ in range(args.repeats)), key=lambda run: run[0])
            wall, stats = runs[len(runs) // 2]
            megabytes = stats.bulk_bytes_sent / 1e6
            print(f"| {mode} | {wall:.2f} | {megabytes:.1f} | {megabytes / wall:.0f} | "
                  f"{stats.chunks_skipped} | {stats.waits} | {stats.peak_queued_bytes / 1024:.0f} |")


if __name__ == "__main__":
    main()
