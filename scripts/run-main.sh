#!/usr/bin/env bash
# The main job of `make run`: the built-in world. The first run builds (and caches under
# .cache/world) a weak policy and five reward models with laser's own trainer; then every strategy
# is compared on the same prompts and the paper-style table is printed with each run's report.
set -euo pipefail
BUILD=${1:-build}
exec "$BUILD/laser" world --cache .cache/world --out-dir runs
