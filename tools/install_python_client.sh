#!/usr/bin/env bash
# Makes the Python client importable by Debian's /usr/bin/python3:
#   import spikeserve            (low-level client)
#   import pyNN.spikeserve       (the PyNN backend)
# Generates the protocol modules into clients/python/spikeserve/v1 with
# Debian's protoc and gRPC plugin, and writes a spikeserve.pth into the
# interpreter's site directory (the user site when that is not writable).
# Idempotent; quiet when nothing changes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PYTHON=/usr/bin/python3

generated="clients/python/spikeserve/v1"
stamp="$generated/.generated-from"
sources=$(ls proto/spikeserve/v1/*.proto)
checksum=$(cat $sources | sha256sum | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$checksum" ]]; then
  rm -rf "$generated"
  protoc --proto_path=proto --python_out=clients/python \
    --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
    --grpc_python_out=clients/python $sources
  echo "$checksum" > "$stamp"
fi

site_dir=$("$PYTHON" -c 'import site; print(site.getsitepackages()[0])')
if ! mkdir -p "$site_dir" 2>/dev/null || [[ ! -w "$site_dir" ]]; then
  site_dir=$("$PYTHON" -c 'import site; print(site.getusersitepackages())')
  mkdir -p "$site_dir"
fi
pth="$site_dir/spikeserve.pth"
# The import line stays silent if this checkout is moved or deleted.
content="$ROOT/clients/python
import importlib.util as u; u.find_spec('spikeserve') and __import__('spikeserve.pynn_path')"
if [[ ! -f "$pth" || "$(cat "$pth")" != "$content" ]]; then
  printf '%s\n' "$content" > "$pth"
  echo "spikeserve: Python client installed ($pth)" >&2
fi
