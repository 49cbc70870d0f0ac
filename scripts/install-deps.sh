#!/usr/bin/env bash
# Installs the Debian packages laser needs to build, test and benchmark; only those missing.
# Runs as root or through sudo. Safe to run again: it does nothing when all are present.
set -euo pipefail

PKGS=(
  build-essential cmake ccache pkg-config
  libtorch-dev libopenblas0-openmp libblas-dev
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libfmt-dev
  libpcre2-dev libeigen3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libgloo-dev
)
# Peers for the benchmarks in bench/ (never runtime dependencies).
PEER_PKGS=(python3-torch python3-sentencepiece python3-numpy)
# Only for `make fuzz` (LASER_FUZZ=1): clang and its compiler-rt, which holds libFuzzer and the
# sanitizer runtimes (-fsanitize=fuzzer,address,undefined).
FUZZ_PKGS=(clang libclang-rt-14-dev python3)

want=("${PKGS[@]}")
if [ "${LASER_NO_PEERS:-0}" != "1" ]; then want+=("${PEER_PKGS[@]}"); fi
if [ "${LASER_FUZZ:-0}" = "1" ]; then want+=("${FUZZ_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root or sudo to install: ${missing[*]} (hint: run as root)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
