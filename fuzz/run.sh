#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan + UBSan + LeakSanitizer)
# and runs each for SECONDS (default 25) on a scratch copy of its seed
# corpus in tests/corpus/<target>/. Exits non-zero on the first crash,
# leak or sanitizer report; the reproducer is left in $FUZZ_WORK.
#   fuzz/run.sh [SECONDS] [TARGET...]      (CI: 25 s per target)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-25}
shift || true
BUILD=${FUZZ_BUILD:-build-fuzz}
WORK=${FUZZ_WORK:-$BUILD/fuzz-work}
JOBS=${JOBS:-2}
# A fixed libFuzzer seed makes a CI run explore the same input sequence
# every time (a longer run explores a longer prefix of it), so CI cannot
# turn red by chance; fuzz/run_long.sh and FUZZ_SEED=0 explore afresh.
FUZZ_SEED=${FUZZ_SEED:-1}
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release \
  -DDNNCRIT_FUZZ=ON -DDNNCRIT_BUILD_TESTS=OFF -DDNNCRIT_WITH_MPI=OFF >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target fuzzers >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi
# the harnesses that need files write them under TMPDIR: keep them here
mkdir -p "$WORK/tmp"
case $WORK in /*) export TMPDIR=$WORK/tmp ;; *) export TMPDIR=$PWD/$WORK/tmp ;; esac
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${targets[@]}"; do
  seeds=tests/corpus/$t
  scratch=$WORK/$t
  mkdir -p "$scratch" "$WORK/artifacts"
  echo "== fuzz $t for ${SECONDS_PER_TARGET}s (seeds: $seeds)"
  "$BUILD/fuzz/fuzz_$t" -seed="$FUZZ_SEED" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$t-" \
    "$scratch" "$seeds" 2>"$WORK/$t.log" || { tail -60 "$WORK/$t.log"; echo "fuzz $t: FAILED"; exit 1; }
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$WORK/$t.log" | tr '\n' ' ' || true
  echo
done
echo "fuzz: ${#targets[@]} targets, no crashes, leaks or sanitizer reports"
