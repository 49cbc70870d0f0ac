#!/usr/bin/env bash
# The one prepared check of laser on a GPU machine (issue 16), written to finish within 10 minutes
# from a clean tree, and its CPU dry run. Writes a one-page summary to the file named by $1.
#   (a) builds laser against the machine's torch (TorchConfig.cmake when usable, else the Python
#       torch's headers and libraries: -DLASER_TORCH_PYTHON) using only the dependencies that
#       travel with the tree (scripts/pack-deps.sh's folder, default .deps);
#   (b) runs the test suite with LASER_TEST_DEVICE=cuda (tests that take a device use it);
#   (c) parity with transformers and PEFT on random tiny Llama, Qwen2 and Mistral models, and the
#       DPO+NLL loss and gradients against autograd (scripts/gpu_parity.py);
#   (d) speed on a random ~1B Llama in bf16: laser's DPO step and 32 x 128 generation against HF,
#       with MFU.
# Usage: scripts/gpu-check.sh SUMMARY_FILE [--dry-run]
#   --dry-run: the same steps on a CPU machine against Debian's python3-torch, with a test subset,
#   the plain-PyTorch reference in place of transformers (llama only) and a tiny model for (d);
#   `make test` runs it (ctest: gpu_check_dry_run) so the script cannot rot between GPU sessions.
# Environment: GPU_CHECK_PYTHON (python with torch; default python3, /usr/bin/python3 in a dry
# run), GPU_CHECK_DEPS (packed dependencies), GPU_CHECK_BUILD (build folder), GPU_CHECK_JOBS,
# GPU_CHECK_BUDGET (seconds, default 570: parity and speed run right after the build, capped by
# GPU_CHECK_PARITY_SECONDS (300), and the test suite last, in what is left).
# Exit status: 0 when every part ran and met its bounds, 1 otherwise (the summary says which).
set -uo pipefail

if [ $# -lt 1 ]; then
  echo "usage: scripts/gpu-check.sh SUMMARY_FILE [--dry-run]" >&2
  exit 2
fi
summary="$1"
dry=0
[ "${2:-}" = "--dry-run" ] && dry=1
root="$(cd "$(dirname "$0")/.." && pwd)"
t0=$(date +%s)
BUDGET="${GPU_CHECK_BUDGET:-570}"  # seconds for the whole check; the test suite gets what is left
[ $dry = 1 ] && BUDGET="${GPU_CHECK_BUDGET:-1400}"  # a cold dry-run build beside make test's other tests: 310 s
if [ $dry = 1 ]; then
  PY="${GPU_CHECK_PYTHON:-/usr/bin/python3}"
  BUILD="${GPU_CHECK_BUILD:-$root/build/gpu-check-dry}"
  DEPS="${GPU_CHECK_DEPS:-$BUILD/deps}"
  DEVICE=cpu
  JOBS="${GPU_CHECK_JOBS:-2}"
else
  PY="${GPU_CHECK_PYTHON:-python3}"
  BUILD="${GPU_CHECK_BUILD:-$root/build-gpu}"
  DEPS="${GPU_CHECK_DEPS:-$root/.deps}"
  DEVICE=cuda
  JOBS="${GPU_CHECK_JOBS:-$(nproc)}"
fi
if [ $dry = 1 ] && ! $PY -c 'import torch' >/dev/null 2>&1; then
  # The dry run builds against the Python torch (python3-torch, a peer package): without it there
  # is nothing to check against. 77 is ctest's skip code for this test.
  echo "gpu-check --dry-run: skipped: $PY cannot import torch (python3-torch is installed by scripts/install-deps.sh unless LASER_NO_PEERS=1)" >&2
  exit 77
fi
mkdir -p "$BUILD" "$(dirname "$summary")"
summary="$(cd "$(dirname "$summary")" && pwd)/$(basename "$summary")"
logs="$BUILD/logs"
mkdir -p "$logs"
: > "$summary"
ok=1
say() { echo "$*" | tee -a "$summary"; }
fail() { ok=0; say "FAIL: $*"; }
elapsed() { echo $(($(date +%s) - t0)); }

say "# laser gpu-check $( [ $dry = 1 ] && echo '(CPU dry run)' ) $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "tree: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (modified)')"
if command -v nvidia-smi >/dev/null 2>&1; then
  say "gpu: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
fi
say "python: $($PY -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -1)"
say "cmake: $(cmake --version | head -1); compiler: $(c++ --version | head -1)"

# ---------------------------------------------------------------- (a) build
if [ ! -f "$DEPS/MANIFEST" ]; then
  if [ $dry = 1 ]; then
    bash "$root/scripts/pack-deps.sh" "$DEPS" > "$logs/pack-deps.log" 2>&1 || fail "pack-deps (see $logs/pack-deps.log)"
  else
    fail "no packed dependencies at $DEPS; hint: run scripts/pack-deps.sh on a Debian machine and carry .deps with the tree"
  fi
fi
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
common=(-S "$root" -B "$BUILD/laser" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DLASER_DEPS_DIR="$DEPS" -DLASER_BUILD_BENCH=OFF)
prefix="$($PY -c 'import torch.utils; print(torch.utils.cmake_prefix_path)' 2>/dev/null)"
configured=0
if [ $ok = 1 ]; then
  if [ -n "$prefix" ] && [ -f "$prefix/Torch/TorchConfig.cmake" ]; then
    if cmake "${common[@]}" -DCMAKE_PREFIX_PATH="$prefix" -DLASER_TORCH_PYTHON= > "$logs/configure.log" 2>&1; then
      configured=1; say "(a) configure: TorchConfig.cmake from $prefix"
    fi
  fi
  if [ $configured = 0 ]; then
    rm -f "$BUILD/laser/CMakeCache.txt"
    if cmake "${common[@]}" -DLASER_TORCH_PYTHON="$(command -v "$PY")" > "$logs/configure.log" 2>&1; then
      configured=1; say "(a) configure: libtorch from the Python torch ($PY), no TorchConfig used"
    else
      fail "(a) configure (tail of $logs/configure.log):"; tail -5 "$logs/configure.log" | tee -a "$summary"
    fi
  fi
fi
built=0
if [ $configured = 1 ]; then
  targets=()
  # A dry run builds what its test subset needs (the main build runs every test already): the
  # model tests, which also prove GoogleTest builds from the packed sources.
  [ $dry = 1 ] && targets=(--target laser laser_tests_model)
  tb=$(date +%s)
  if cmake --build "$BUILD/laser" -j "$JOBS" "${targets[@]}" > "$logs/build.log" 2>&1; then
    built=1
    say "(a) build: ok in $(($(date +%s) - tb)) s with $JOBS jobs; $(grep -m1 -o 'libtorch [^ ]* from.*' "$logs/configure.log" || grep -m1 'Found Torch' "$logs/configure.log" || true)"
  else
    fail "(a) build (tail of $logs/build.log):"; grep -m5 -E 'error|Error' "$logs/build.log" | tee -a "$summary"
  fi
fi

# ---------------------------------------------------------------- (c) parity and (d) speed
if [ $built = 1 ]; then
  quick=()
  [ $dry = 1 ] && quick=(--quick)
  if timeout "${GPU_CHECK_PARITY_SECONDS:-300}" $PY "$root/scripts/gpu_parity.py" --laser "$BUILD/laser/laser" --work "$BUILD/parity" --device $DEVICE "${quick[@]}" \
      > "$logs/parity.json" 2> "$logs/parity.log"; then
    if ! $PY - "$logs/parity.json" "$dry" > "$logs/parity-summary.txt" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
dry = sys.argv[2] == "1"
bad = []
print("versions: torch %s, transformers %s, peft %s" % (r["torch"], r["transformers"], r["peft"]))
p = r.get("parity", {})
if "error" in p:
    bad.append("parity: " + p["error"])
    p = {}
for arch in ("llama", "qwen2", "mistral"):
    if arch not in p:
        continue
    a = p[arch]
    for dt, lim in (("f32", 1e-4), ("bf16", 0.05)):
        d = a[dt]
        rel = d["max_abs_logit_diff"] / max(d["logit_scale"], 1e-30)
        print("(c) %-7s %-4s vs %s in %s: max |logit diff| %.3g (%.2g of the largest logit); greedy ids equal for %s of %d tokens"
              % (arch, dt, a["reference"], d["reference_dtype"], d["max_abs_logit_diff"], rel, "/".join(map(str, d["greedy_equal_prefix"])), d["greedy_tokens"]))
        if rel > lim:
            bad.append("%s %s logits differ by %.3g of scale (bound %g)" % (arch, dt, rel, lim))
        if dt == "f32" and min(d["greedy_equal_prefix"]) < d["greedy_tokens"]:
            bad.append("%s f32 greedy ids differ" % arch)
g = p.get("dpo_grad")
if g:
    print("(c) DPO+NLL vs %s autograd: loss %.6f vs %.6f (dpo %.6f vs %.6f, nll %.6f vs %.6f); %d gradient tensors, worst relative difference %.2g (%s)"
          % (g["reference"], g["laser_loss"], g["torch_loss"], g["laser_dpo"], g["torch_dpo"], g["laser_nll"], g["torch_nll"],
             g["tensors"], g["worst_rel_grad_diff"], g["worst_tensor"]))
    if abs(g["laser_loss"] - g["torch_loss"]) > 1e-4 * max(1.0, abs(g["torch_loss"])) or g["worst_rel_grad_diff"] > 1e-3 or g["missing"]:
        bad.append("DPO loss/gradients differ (missing: %s)" % g["missing"])
pf = p.get("peft")
if pf:
    if "skipped" in pf:
        print("(c) PEFT adapter: skipped (%s)" % pf["skipped"])
    else:
        print("(c) PEFT %s loads laser's adapter: max |log-prob diff| %.3g (the adapter itself moves log-probs by %.3g)"
              % (pf["peft"], pf["max_abs_logprob_diff"], pf["adapter_effect"]))
        if pf["max_abs_logprob_diff"] > 1e-3:
            bad.append("PEFT log-probs differ")
s = r.get("speed", {})
if "error" in s:
    bad.append("speed: " + s["error"])
elif s:
    w = s["work"]
    L = s["laser"]
    print("(d) model: %.4gM parameters in bf16; generation %s; DPO step %s; MFU against %g TFLOP/s" % (s["params"] / 1e6, w["generate"], w["dpo_step"], w["peak_tflops"]))
    print("(d) laser : generate %.2f s (%.0f tok/s, MFU %.2g%%); DPO step %.3f s (MFU %.2g%%)"
          % (L["generate_seconds"], L["generate_tok_s"], 100 * L["generate_mfu"], L["dpo_step_seconds"], 100 * L["dpo_step_mfu"]))
    P = s.get("python", {})
    if "skipped" in P:
        print("(d) python: skipped (%s)" % P["skipped"])
    else:
        print("(d) python: generate %.2f s (%.0f tok/s, MFU %.2g%%); DPO step %.3f s (MFU %.2g%%)"
              % (P["generate_seconds"], P["generate_tok_s"], 100 * P["generate_mfu"], P["dpo_step_seconds"], 100 * P["dpo_step_mfu"]))
        R = s["ratios"]
        print("(d) ratio (python time / laser time): generate %.2fx, DPO step %.2fx" % (R["generate_python_over_laser_seconds"], R["dpo_step_python_over_laser_seconds"]))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF
    then ok=0; fi
    tee -a "$summary" < "$logs/parity-summary.txt"
  else
    fail "(c)/(d) gpu_parity.py (tail of $logs/parity.log):"; tail -5 "$logs/parity.log" | tee -a "$summary"
  fi
fi
# ---------------------------------------------------------------- (b) tests, last: within what is left of the budget
if [ $built = 1 ]; then
  ext="$root/../shared/ext"
  [ -d "$root/shared/ext" ] && ext="$root/shared/ext"
  filter=()
  [ $dry = 1 ] && filter=(-R 'MixedPrecision|HfIo|KVCache|DecodeStep|Rotary')
  left=$((BUDGET - $(elapsed)))
  [ $left -lt 60 ] && left=60
  if (cd "$BUILD/laser" && LASER_TEST_DEVICE=$DEVICE LASER_SHARED_EXT="$ext" timeout $left ctest -j "$JOBS" --timeout 300 "${filter[@]}" > "$logs/ctest.log" 2>&1); then
    say "(b) tests on $DEVICE: $(grep -E 'tests passed' "$logs/ctest.log" | tail -1)"
  else
    fail "(b) tests on $DEVICE: $(grep -E 'tests passed|tests failed' "$logs/ctest.log" | tail -1 || true) (ctest stopped after ${left} s if no count: the budget)"
    grep -E '^\s+[0-9]+ - ' "$logs/ctest.log" | head -20 | tee -a "$summary"
  fi
  say "    skipped: $(grep -c '(Skipped)' "$logs/ctest.log" || true) (tests that need what this machine lacks; see $logs/ctest.log)"
fi

say "total: $(elapsed) s; $( [ $ok = 1 ] && echo 'all parts met their bounds' || echo 'some parts FAILED' ); logs in $logs"
[ $ok = 1 ]
