#!/usr/bin/env bash
# Loop throughput of data-parallel `laser train`: prompts per second through generate + score +
# train (rank 0's step times in metrics.jsonl, so model loading and dev/test evaluation are not
# counted) with 1 and 2 processes of 1 thread each, and the scaling efficiency
# (2-process rate / (2 x 1-process rate)). The peer is the 1-process run of the same command.
# Then the same 1-process run in bf16 (run.dtype and the RMs' dtype; full fine-tuning keeps f32
# master weights under autocast) and its speed against f32.
# Not a test: it asserts nothing. Usage: bench/bench-loop.sh [BUILD_DIR] [PRESET=small]
set -euo pipefail
BUILD=${1:-build}
PRESET=${2:-small}
LASER=$(realpath "$BUILD/laser")
W=$(mktemp -d "${TMPDIR:-/tmp}/laser-bench-loop.XXXXXX")
trap 'rm -rf "$W"' EXIT
for m in policy:1 rm-a:2 rm-b:3; do
  "$LASER" init-model --preset "$PRESET" --tokenizer bytes --out "$W/${m%%:*}" --seed "${m##*:}" >/dev/null
done
cat > "$W/c.toml" <<TOML
[run]
name = "r"
out_dir = "$W/runs"
iterations = 1
seed = 1
threads = 1
early_stop_loss = 0.0
[policy]
model = "$W/policy"
[data]
format = "world"
world_size = 72
dev_size = 4
test_size = 4
batch_size = 16
[generation]
n = 8
temperature = 1.0
max_new_tokens = 24
[strategy]
name = "laser"
reward_signal = "verifier"
[train]
lora = false
lr = 1e-4
[[rm]]
name = "a"
kind = "lm-likelihood"
model = "$W/rm-a"
[[rm]]
name = "b"
kind = "lm-likelihood"
model = "$W/rm-b"
TOML
rate() {  # prompts per second over the steps of metrics.jsonl (rank 0's step wall time)
  python3 - "$1" <<'PY'
import json, sys
steps = [json.loads(l) for l in open(sys.argv[1] + "/metrics.jsonl")]
prompts = sum(sum(s["arm_counts"].values()) for s in steps)
secs = sum(s["time_step"] for s in steps)
gen = sum(s["time_gen"] for s in steps); score = sum(s["time_score"] for s in steps); train = sum(s["time_train"] for s in steps)
print(f"{prompts / secs:.3f} {prompts} {secs:.2f} {gen:.2f} {score:.2f} {train:.2f}")
PY
}
declare -A R
for np in 1 2; do
  OMP_NUM_THREADS=1 LASER_NO_PROGRESS=1 "$LASER" train --config "$W/c.toml" --nproc "$np" --set run.name="np$np" >"$W/log$np" 2>&1 \
    || { cat "$W/log$np"; exit 1; }
  read -r rate prompts secs gen score train < <(rate "$W/runs/np$np")
  R[$np]=$rate
  printf "laser train, %s policy + 2 RMs, %d process(es) x 1 thread: %s prompts/s (%d prompts in %s s; rank 0: generate %s s, score %s s, train %s s)\n" \
    "$PRESET" "$np" "$rate" "$prompts" "$secs" "$gen" "$score" "$train"
done
python3 -c "import sys; r1, r2 = float(sys.argv[1]), float(sys.argv[2]); print(f'speed-up 2 vs 1 process: {r2 / r1:.2f}x, scaling efficiency {r2 / (2 * r1):.0%}')" "${R[1]}" "${R[2]}"
OMP_NUM_THREADS=1 LASER_NO_PROGRESS=1 "$LASER" train --config "$W/c.toml" --set run.name=bf16 --set run.dtype=bf16 \
  --set rm.a.dtype=bf16 --set rm.b.dtype=bf16 >"$W/logbf" 2>&1 || { cat "$W/logbf"; exit 1; }
read -r rate prompts secs gen score train < <(rate "$W/runs/bf16")
printf "laser train, %s policy + 2 RMs, 1 process x 1 thread, bf16: %s prompts/s (%d prompts in %s s; generate %s s, score %s s, train %s s)\n" \
  "$PRESET" "$rate" "$prompts" "$secs" "$gen" "$score" "$train"
python3 -c "import sys; print(f'bf16 vs f32, 1 process: {float(sys.argv[2]) / float(sys.argv[1]):.2f}x')" "${R[1]}" "$rate"
