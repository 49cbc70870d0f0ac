#!/usr/bin/env bash
# The main job of `make run`. Until the LASeR loop exists: generation with a tiny built-in model.
set -euo pipefail
BUILD=${1:-build}
LASER="$BUILD/laser"
CACHE=.cache/models
if [ ! -f "$CACHE/tiny/config.json" ]; then
  "$LASER" init-model --preset tiny --tokenizer bytes --out "$CACHE/tiny" --seed 1
fi
"$LASER" inspect "$CACHE/tiny"
"$LASER" generate --model "$CACHE/tiny" --prompt "Question: 2+3=? Solution:" -n 2 --max-new-tokens 24 --seed 7
