#!/usr/bin/env bash
# Installs the Debian packages spikeserve needs to build, run and test.
# Idempotent and silent when everything is present; root or sudo for apt.
#   tools/setup.sh                 everything (server, clients, tests)
#   tools/setup.sh --server-only   what building the server needs (container images)
set -euo pipefail

SERVER_PACKAGES=(
  # build
  bazel-bootstrap g++ pkg-config
  # gRPC, protobuf, Abseil, HDF5, GoogleTest (headers + libraries + codegen)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libhdf5-dev libgtest-dev libgmock-dev
  # grpc.health.v1 and reflection service definitions
  grpc-proto
)
CLIENT_PACKAGES=(
  # Python client, PyNN backend and their tests (run under /usr/bin/python3)
  python3-grpcio python3-protobuf python3-numpy python3-pynn python3-neo python3-quantities
  python3-h5py python3-jinja2 python3-pytest python3-scipy python3-matplotlib
)

PACKAGES=("${SERVER_PACKAGES[@]}")
[[ "${1:-}" == "--server-only" ]] || PACKAGES+=("${CLIENT_PACKAGES[@]}")

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "spikeserve setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
