#!/usr/bin/python3
"""Checks that spikeserve and Brian2 simulate the same Vogels-Abbott networks.

Runs COBA and CUBA (4000 cells, 1 s) for three seeds through pyNN.spikeserve
and through Brian2's runtime device (bench/run.py does the measuring), then
compares the mean firing rate and the mean CV of the interspike intervals,
averaged over the seeds: each must agree within 10 %. Exits 1 if one does not.
It takes a few minutes, so it is not part of tools/test.sh.

    bench/check_statistics.py [--seeds 3] [--server-binary PATH]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOLERANCE = 0.10


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--server-binary", default=None)
    args = parser.parse_args()

    output = os.path.join(tempfile.mkdtemp(prefix="check-statistics-"), "runs.json")
    command = [sys.executable, os.path.join(HERE, "run.py"), "--model", "COBA,CUBA",
               "--neurons", "4000", "--repeats", str(args.seeds), "--peers", "brian2-runtime",
               "--output", output]
    if args.server_binary:
        command += ["--server-binary", args.server_binary]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    runs = [run for run in json.load(open(output))["runs"] if run["status"] == "ok"]

    failures = 0
    print("| model | statistic | spikeserve | Brian2 | difference |")
    print("|---|---|---|---|---|")
    for model in ("COBA", "CUBA"):
        for statistic in ("rate_hz", "cv_isi"):
            means = {}
            for peer in ("spikeserve-pynn", "brian2-runtime"):
                values = [r[statistic] for r in runs if r["model"] == model and r["peer"] == peer]
                if len(values) != args.seeds:
                    print(f"{model} {peer}: {len(values)} of {args.seeds} runs succeeded")
                    return 1
                means[peer] = statistics.mean(values)
            ours, theirs = means["spikeserve-pynn"], means["brian2-runtime"]
            difference = abs(ours - theirs) / theirs
            failures += difference > TOLERANCE
            print(f"| {model} | {statistic} | {ours:.3f} | {theirs:.3f} | "
                  f"{100 * difference:.1f} %{'  FAIL' if difference > TOLERANCE else ''} |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
