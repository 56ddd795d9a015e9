#!/usr/bin/python3
"""Benchmarks spikeserve (through pyNN.spikeserve) against peers on the
Vogels-Abbott COBA/CUBA networks; prints a markdown table, writes JSON.

    bench/run.py --model COBA --neurons 4000 --repeats 3 \\
        --peers spikeserve-lowlevel,brian2-runtime,brian2-standalone

Every measured run is a fresh interpreter (imports are not timed) and, for
the spikeserve peers, a fresh server process (its peak RSS is that run's).
Repeats are interleaved across peers, so a load spike on this shared machine
hits them alike; the table shows medians. See bench/RESULTS.md.
"""

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import machine
import report
import va_network as va
from server_process import ServerProcess

BENCH_DIRECTORY = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BINARY = os.path.join(os.path.dirname(BENCH_DIRECTORY), "bazel-bin", "server",
                              "spikeserve")

# peer name -> (script and its arguments, needs a server)
PEERS = {
    report.SUBJECT: (["peer_pynn_spikeserve.py"], True),
    "spikeserve-lowlevel": (["peer_lowlevel_spikeserve.py"], True),
    "brian2-runtime": (["peer_brian2.py", "--device", "runtime"], False),
    "brian2-standalone": (["peer_brian2.py", "--device", "cpp_standalone"], False),
    "pynn-neuron": (["peer_pynn_neuron.py"], False),
}
OPTIONAL_PEERS = [name for name in PEERS if name != report.SUBJECT]
# PyNN on NEURON takes minutes where the others take seconds, and needs its
# mechanisms compiled (setup_pynn_neuron.sh): only when asked for.
DEFAULT_PEERS = [name for name in OPTIONAL_PEERS if name != "pynn-neuron"]

# Brian2's runtime mode compiles its Cython extensions on first use and caches
# them; a short unmeasured run per configuration keeps that out of the figures.
WARM_UP_DURATION_MS = 10.0


def _comma_list(convert):
    return lambda text: [convert(item) for item in text.split(",") if item]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=_comma_list(str), default=list(va.MODELS),
                        help="COBA, CUBA or both (comma-separated)")
    parser.add_argument("--neurons", type=_comma_list(int), default=[va.CLASSIC_SIZE],
                        help="comma-separated sizes; 4000 is the classic 2%% network, "
                             "others use fixed in-degree 64 + 16")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peers", type=_comma_list(str), default=DEFAULT_PEERS,
                        help=f"besides {report.SUBJECT}: any of {','.join(OPTIONAL_PEERS)} "
                             f"(default {','.join(DEFAULT_PEERS)}; empty: none)")
    parser.add_argument("--duration", type=float, default=va.DURATION_MS, help="ms")
    parser.add_argument("--seed", type=int, default=20240501,
                        help="repeat r uses seed + r, the same for every peer")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds one run may take before it is killed and reported")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads of each spikeserve session (0: the server's default, "
                             "the cores available to it)")
    parser.add_argument("--server-binary", default=DEFAULT_BINARY)
    parser.add_argument("--server-label", default="",
                        help="what the binary was built from (e.g. a commit), for the record")
    parser.add_argument("--output", default=os.path.join(tempfile.gettempdir(), "bench_results.json"),
                        help="JSON results file")
    parser.add_argument("--log", default=os.path.join(tempfile.gettempdir(), "bench_runs.log"),
                        help="peers' stderr and the servers' logs go here")
    args = parser.parse_args()
    for model in args.model:
        va.network(model, va.CLASSIC_SIZE)  # raises on unknown names
    unknown = set(args.peers) - set(OPTIONAL_PEERS)
    if unknown:
        parser.error(f"unknown peers {sorted(unknown)}; choose from {OPTIONAL_PEERS}")
    return args


def _run_peer(peer, model, neurons, seed, duration, args, server=None):
    """Runs one peer process; returns (status, figures or None)."""
    script, _ = PEERS[peer]
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        output = handle.name
    command = [sys.executable, os.path.join(BENCH_DIRECTORY, script[0]), *script[1:],
               "--model", model, "--neurons", str(neurons), "--seed", str(seed),
               "--duration", str(duration), "--output", output]
    if server is not None:
        command += ["--server", server.address, "--server-pid", str(server.pid),
                    "--threads", str(args.threads)]
    environment = dict(os.environ, PYTHONWARNINGS="ignore")
    with open(args.log, "a") as log:
        log.write(f"\n=== {peer} {model} {neurons} seed {seed}: {' '.join(command)}\n")
        log.flush()
        # Its own process group, so a timeout also ends what it started
        # (Brian2's make and compiled binary).
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   env=environment, start_new_session=True)
        try:
            returncode = process.wait(args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return f"timeout after {args.timeout:.0f} s", None
    try:
        if returncode != 0:
            reason = f"killed by signal {-returncode}" if returncode < 0 else f"exit {returncode}"
            return f"failed ({reason}; see {args.log})", None
        with open(output) as result:
            return "ok", json.load(result)
    finally:
        os.remove(output)


def measure(peer, model, neurons, seed, args):
    """One measured run of `peer`, with a fresh server when it needs one."""
    _, needs_server = PEERS[peer]
    if not needs_server:
        return _run_peer(peer, model, neurons, seed, args.duration, args)
    with ServerProcess(args.server_binary, args.log) as server:
        return _run_peer(peer, model, neurons, seed, args.duration, args, server)


def _file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as binary:
        for block in iter(lambda: binary.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    args = parse_arguments()
    peers = [report.SUBJECT] + args.peers
    record = {"command": " ".join(sys.argv), "machine": machine.describe(),
              "load_average_start": machine.load_average(),
              "server_binary": os.path.realpath(args.server_binary),
              "server_binary_sha256": _file_sha256(args.server_binary),
              "server_label": args.server_label, "threads": args.threads, "runs": []}
    for model in args.model:
        for neurons in args.neurons:
            if "brian2-runtime" in peers:
                warm_up = va.CLASSIC_SIZE if neurons == va.CLASSIC_SIZE else 20000
                _run_peer("brian2-runtime", model, warm_up, args.seed, WARM_UP_DURATION_MS, args)
            for repeat in range(args.repeats):
                seed = args.seed + repeat
                for peer in peers:
                    started = time.perf_counter()
                    status, figures = measure(peer, model, neurons, seed, args)
                    run = {"model": model, "neurons": neurons, "peer": peer, "repeat": repeat,
                           "seed": seed, "status": status,
                           "wall_s": time.perf_counter() - started}
                    run.update(figures or {})
                    record["runs"].append(run)
                    print(f"{model} {neurons} {peer} #{repeat}: {status} "
                          f"({run['wall_s']:.1f} s)", file=sys.stderr, flush=True)
    record["load_average_end"] = machine.load_average()
    record["summary"] = report.summarise(record["runs"])
    with open(args.output, "w") as output:
        json.dump(record, output, indent=1)
    print(report.markdown(record["summary"]))


if __name__ == "__main__":
    main()
