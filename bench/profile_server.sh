#!/bin/bash
# Where the server's time goes: samples a fresh server with `perf record`
# while bench/peer_pynn_spikeserve.py builds, runs and reads back one network,
# then prints the functions with the most self time.
#
#   bench/profile_server.sh [BINARY] [MODEL] [NEURONS] [DURATION_MS]
#   bench/profile_server.sh bazel-bin/server/spikeserve COBA 4000 1000
#
# The event is cpu-clock (a software timer): this VM exposes no hardware
# counters (`perf stat -e instructions true` says <not supported>). The opt
# build has no frame pointers, so the report is flat (self time), not a call graph.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
binary=$(realpath "${1:-$bench/../bazel-bin/server/spikeserve}")
model=${2:-COBA}
neurons=${3:-4000}
duration=${4:-1000}
work=$(mktemp -d /tmp/bench-profile-XXXXXX)

perf record -e cpu-clock -F 2000 -o "$work/perf.data" -- \
  "$binary" --listen=127.0.0.1:0 --port_file="$work/port" 2> "$work/server.log" &
perf_pid=$!
until grep -q . "$work/port" 2> /dev/null; do sleep 0.1; done
server_pid=$(pgrep -P "$perf_pid")
# A failed peer (e.g. the Python client not installed) must not leave the
# server and perf running.
trap 'kill -TERM "$server_pid" 2> /dev/null || true' EXIT

/usr/bin/python3 "$bench/peer_pynn_spikeserve.py" --model "$model" --neurons "$neurons" \
  --seed 1 --duration "$duration" --output "$work/result.json" \
  --server "127.0.0.1:$(cat "$work/port")" --server-pid "$server_pid"
kill -TERM "$server_pid"
wait "$perf_pid"
trap - EXIT

echo "# $model, $neurons neurons, $duration ms; $(basename "$binary"); peer result:"
cat "$work/result.json"; echo
perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2> /dev/null \
  | grep -E '^#.*Samples|^ +[0-9]' | sed -E 's/ +(- +)*$//' | cut -c1-180 | head -25
echo "# perf data kept in $work/perf.data"
