#!/usr/bin/env bash
# Runs every benchmark in bench/ (each prints its figures and, where it has a Python peer, the
# ratio from the same run). Not part of `make test`: benchmarks measure, tests check.
set -uo pipefail
BUILD=${1:-build}
status=0
for b in "$BUILD"/bench_*; do
  [ -x "$b" ] || continue
  echo "=== $(basename "$b")"
  "$b" || status=1
done
echo "=== bench-loop.sh"
"$(dirname "$0")/bench-loop.sh" "$BUILD" || status=1
exit $status
