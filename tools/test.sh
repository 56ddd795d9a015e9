#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/install_python_client.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
bazel test //... "$@" 2>&1 | tee "$log" || status=$?
# One closing line for CI and humans: test targets passed and failed.
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log" || true)
failed=$(grep -cE '^//[^ ]+ +(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' "$log" || true)
echo "${passed} passed, ${failed} failed"
exit "$status"
