#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ (clang, ASan + UBSan, build dir build-fuzz, -DLASER_FUZZ=ON)
# and runs each for a bounded time on its seed corpus, then prints executions and findings per
# target. Usage: scripts/fuzz.sh [seconds per target, default 30] [target names...]
# Env: BUILD_FUZZ (build dir), JOBS, LASER_SHARED_EXT (real tokenizer/model files for seeds).
set -uo pipefail

cd "$(dirname "$0")/.."
SECS="${1:-30}"
shift || true
BUILD="${BUILD_FUZZ:-build-fuzz}"
JOBS="${JOBS:-$(nproc)}"
EXT="${LASER_SHARED_EXT:-../shared/ext}"
ALL=(safetensors jsonl csv tokenizer_json vocab_merges sentencepiece tiktoken model_config config_toml http_request)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (hint: LASER_FUZZ=1 bash scripts/install-deps.sh)" >&2; exit 1; }
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  mkdir -p "$BUILD"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DLASER_FUZZ=ON \
    -DLASER_BUILD_TESTS=OFF -DLASER_BUILD_BENCH=OFF >"$BUILD/configure.log" 2>&1 ||
    { cat "$BUILD/configure.log" >&2; exit 1; }
fi
cmake --build "$BUILD" -j "$JOBS" --target $(printf 'fuzz_%s ' "${TARGETS[@]}") || exit 1

# Working corpora: the committed seeds (fuzz/corpus/<target>) plus small files derived from the
# shared test material when it is present. Findings go to $BUILD/findings/<target>/.
python3 scripts/fuzz_seeds.py "$EXT" "$BUILD/corpus" || exit 1

total_findings=0
printf '%-16s %12s %10s %9s  %s\n' target executions exec/s findings artifacts
for t in "${TARGETS[@]}"; do
  corpus="$BUILD/corpus/$t"
  art="$BUILD/findings/$t"
  mkdir -p "$corpus" "$art"
  cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  log="$BUILD/findings/$t.log"
  # -timeout: one input taking > 10 s is a finding (a hang); -rss_limit_mb bounds memory.
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$BUILD/fuzz/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$art/" "$corpus" >"$log" 2>&1
  execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')  # stopped by a finding
  secs=$(grep -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
  n=$(find "$art" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  total_findings=$((total_findings + n))
  printf '%-16s %12s %10s %9s  %s\n' "$t" "${execs:-?}" "${secs:-?}" "$n" "$( [ "$n" -gt 0 ] && echo "$art (log: $log)")"
done
[ "$total_findings" -eq 0 ] || { echo "fuzz: $total_findings finding(s); reproduce with $BUILD/fuzz/fuzz_<target> <file>" >&2; exit 1; }
