#!/usr/bin/python3
"""Bounded memory: a recording ten times the session's memory budget.

Records v of N IF_cond_exp cells for T ms (default 8000 x 11001 samples,
float64: 704 MB) in a fresh server per run, once with
--recording_memory_budget_mb=B (default 64: the excess spills to an HDF5 file
under --data_dir) and once with 0 (everything in memory), and reports medians
of --repeats:
  run s        the simulation with recording (Run RPC, wall), with the
               server's CPU seconds and minor page faults during it;
  peak RSS     the server's VmHWM after the run and a full retrieval;
  retrieval    the raw GetData stream of v into Python (bench/retrieval.py's
               raw path), MB/s;
  spill file   the spill file's size after the run;
  export       ExportData of v to a NIX file under --data_dir (wall s), and the
               server's peak RSS during it above its RSS before (VmHWM reset
               through /proc/PID/clear_refs).

With --spike-sources N it records the spikes of N SpikeSourcePoisson at
--rate Hz instead (12 bytes per spike).

    bench/spill.py [--neurons 8000] [--duration 1100] [--budget-mb 64] [--repeats 3]
                   [--spike-sources N --rate 100]
                   [--server-binary bazel-bin/server/spikeserve]
"""

import argparse
import glob
import os
import shutil
import statistics
import sys
import tempfile
import time

import proc_status
from retrieval import raw_stream, timed
from server_process import ServerProcess
from spikeserve.session import Session
from spikeserve.values import Cells


def one_run(binary, neurons, duration, budget_mb, spike_sources, rate):
    data_dir = tempfile.mkdtemp(prefix="bench-spill-")
    flags = [f"--recording_memory_budget_mb={budget_mb}", f"--data_dir={data_dir}",
             "--default_threads=1"]
    try:
        with ServerProcess(binary, "/tmp/bench-spill-server.log", flags) as server:
            with Session(server.address, timestep=0.1, seed=1) as session:
                if spike_sources:
                    variable = "spikes"
                    cells = session.create_population(spike_sources, "SpikeSourcePoisson",
                                                      {"rate": rate})
                else:
                    variable = "v"
                    cells = session.create_population(neurons, "IF_cond_exp", {"i_offset": 0.5})
                session.record([Cells(cells.population_id)], [variable])
                cpu_before = proc_status.cpu_seconds(server.pid)
                faults_before = proc_status.minor_faults(server.pid)
                run_s, _ = timed(lambda: session.run_until(duration))
                run_cpu_s = proc_status.cpu_seconds(server.pid) - cpu_before
                run_faults = proc_status.minor_faults(server.pid) - faults_before
                spill_bytes = sum(os.path.getsize(path) for path in
                                  glob.glob(os.path.join(data_dir, ".spill", "*.h5")))
                retrieval_s, payload = timed(
                    lambda: raw_stream(session, cells.population_id, variable))
                peak = proc_status.peak_rss_bytes(server.pid)
                proc_status.reset_peak_rss(server.pid)
                rss_before_export = proc_status.rss_bytes(server.pid)
                export_s, _ = timed(lambda: session.export_data(
                    [Cells(cells.population_id)], path="bench-export.h5"))
                export_peak = proc_status.peak_rss_bytes(server.pid) - rss_before_export
            left = glob.glob(os.path.join(data_dir, ".spill", "*.h5"))
            assert left == [], f"spill files left after the session closed: {left}"
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"run_s": run_s, "run_cpu_s": run_cpu_s, "run_faults": run_faults,
            "peak_mib": peak / 2**20, "retrieval_mb_s": payload / 1e6 / retrieval_s,
            "spill_mib": spill_bytes / 2**20, "payload_mb": payload / 1e6,
            "export_s": export_s, "export_peak_mib": export_peak / 2**20}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neurons", type=int, default=8000)
    parser.add_argument("--duration", type=float, default=1100.0)
    parser.add_argument("--budget-mb", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--spike-sources", type=int, default=0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--server-binary", default="bazel-bin/server/spikeserve")
    args = parser.parse_args()

    results = {}
    for budget in (args.budget_mb, 0):
        runs = [one_run(args.server_binary, args.neurons, args.duration, budget,
                        args.spike_sources, args.rate) for _ in range(args.repeats)]
        results[budget] = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    payload = results[0]["payload_mb"]
    what = (f"spikes of {args.spike_sources} Poisson sources at {args.rate:g} Hz for "
            f"{args.duration:g} ms" if args.spike_sources else
            f"{args.neurons} cells x {args.duration / 0.1 + 1:.0f} samples of v, float64")
    print(f"{what}: "
          f"{payload:.0f} MB = {payload * 1e6 / 2**20 / args.budget_mb:.1f} x the budget "
          f"(medians of {args.repeats}, fresh server per run, 1 thread)")
    print("| --recording_memory_budget_mb | run s | run CPU s (server) | run page faults "
          "| server peak RSS MiB | spill file MiB | retrieval MB/s | export s "
          "| export peak RSS MiB above before |")
    print("|---|---|---|---|---|---|---|---|---|")
    for budget, r in results.items():
        print(f"| {budget} | {r['run_s']:.2f} | {r['run_cpu_s']:.2f} | {r['run_faults']:.0f} | "
              f"{r['peak_mib']:.0f} | {r['spill_mib']:.0f} | {r['retrieval_mb_s']:.0f} | "
              f"{r['export_s']:.2f} | {r['export_peak_mib']:.0f} |")


if __name__ == "__main__":
    sys.exit(main())
