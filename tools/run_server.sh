#!/usr/bin/env bash
# Installs what is missing, builds the server and runs it in the foreground on
# 127.0.0.1:50051 (override with e.g. --listen=0.0.0.0:50051; --help lists flags).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/install_python_client.sh
bazel build //server:spikeserve
exec bazel-bin/server/spikeserve "$@"
