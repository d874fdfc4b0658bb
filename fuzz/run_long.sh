#!/usr/bin/env bash
# Longer fuzzing session: HOURS-scale runs of every target (default 30 min
# each), then the new interesting inputs are minimised into
# tests/corpus/<target>/ (review and commit them).
#   fuzz/run_long.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-1800}
shift || true
export FUZZ_WORK=${FUZZ_WORK:-build-fuzz/fuzz-long}
FUZZ_SEED=${FUZZ_SEED:-0} fuzz/run.sh "$SECS" "$@"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi
for t in "${targets[@]}"; do
  echo "== merging new inputs of $t into tests/corpus/$t"
  build-fuzz/fuzz/fuzz_$t -merge=1 "tests/corpus/$t" "$FUZZ_WORK/$t" 2>/dev/null
done
