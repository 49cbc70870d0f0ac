#!/usr/bin/env bash
# The fair world with a second, independently trained specialist per skill (README, "How many
# answers routing needs"): the check that an answer-free bandit signal (rm-agreement) routes once
# the truth about a skill is held by more than one RM. It builds the fair world's models for world
# seeds 1 and 2 (cached under .cache/world; about 3 min each, once), writes a run config with the
# seed-1 world's six RMs plus the seed-2 world's three specialists (spec2-add, spec2-mul,
# spec2-cmp: right on their own skill, at chance elsewhere, with off-skill guesses independent of
# the seed-1 specialists'), and compares strategies over seeds.
# Usage: scripts/redundant-fair.sh [SEEDS (default 5)] [STRATEGIES (default below)] [--resume]
# Writes runs/redundant-compare/ (compare.md, compare.json, compare.html); the routing table's
# "matching specialist" counts either specialist of the prompt's skill (spec-<skill>, spec2-<skill>).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="${1:-5}"
strategies="${2:-sft,random,score-ensemble,laser,laser@strategy.reward_signal=rm-agreement}"
resume="${3:-}"
[ -z "$resume" ] || [ "$resume" = "--resume" ] || { echo "redundant-fair.sh: the third argument may only be --resume, not '$resume'" >&2; exit 1; }
laser=build/laser
[ -x "$laser" ] || { echo "redundant-fair.sh: $laser is missing; run make first" >&2; exit 1; }

cfg1=$("$laser" world --world fair --seed 1 --setup-only | tail -n 1)
cfg2=$("$laser" world --world fair --seed 2 --setup-only | tail -n 1)
root2=$(cd "$(dirname "$cfg2")" && pwd)
out=.cache/world/redundant.toml
python3 - "$cfg1" "$root2" "$out" <<'EOF'
import sys
cfg1, root2, out = sys.argv[1:4]
text = open(cfg1).read().replace('name = "world"', 'name = "redundant"', 1)
extra = "".join(
    f'[[rm]]\nname = "spec2-{s}"\nkind = "lm-likelihood"\nmodel = "{root2}/rm-{s}"\nreduction = "mean"\nappend_eos = true\n\n'
    for s in ("add", "mul", "cmp"))
at = text.index('[[rm]]\nname = "noisy"')  # the noisy RM ends the file with its [rm.inner] table
open(out, "w").write(text[:at] + extra + text[at:])
EOF
"$laser" compare --config "$out" --seeds "$seeds" --strategies "$strategies" --out redundant-compare $resume

