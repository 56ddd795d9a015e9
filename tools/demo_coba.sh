#!/usr/bin/env bash
# Runs the Vogels-Abbott COBA network on a local spikeserve server and writes a
# raster plot with a population-rate histogram (default: coba.png).
#   tools/demo_coba.sh [--output FILE] [--duration MS] [--seed N]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/install_python_client.sh
bazel build //server:spikeserve
workdir=$(mktemp -d)
bazel-bin/server/spikeserve --listen=127.0.0.1:0 --port_file="$workdir/port" 2>"$workdir/server.log" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 300); do [[ -s "$workdir/port" ]] && break; sleep 0.05; done
/usr/bin/python3 clients/python/examples/va_coba_demo.py --server "127.0.0.1:$(cat "$workdir/port")" "$@"
