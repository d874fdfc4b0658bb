#!/usr/bin/env bash
# Propagation benchmark: dnncrit and NumPy doing the same work in the same
# run, with the machine's DGEMM peak and triad bandwidth as yardsticks.
# dnncrit is measured with both product backends (openblas, portable).
# Then paired, interleaved runs (bench_propagate.c): propagation against
# DGEMM at 1 and 2 threads, 1 thread against 2 (idle and with a busy-loop
# process on one core), NumPy against dnncrit.
# usage: bench/run_propagate.sh [BUILD_DIR]   (BUDGET=seconds per measurement,
#        PAIRS=pairs per paired ratio (default 7),
#        KEEP=DIR keeps the raw CSV lines in DIR/ours.csv and DIR/numpy.csv)
set -euo pipefail
source "$(dirname "$0")/build_dir.sh"
build=$(dnc_build_dir "${1:-}" build)
cd "$(dirname "$0")/.."
budget=${BUDGET:-0.3}
if [ ! -x "$build/bench/bench_propagate" ] || [ -n "${REBUILD:-}" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target bench_propagate >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/bench_propagate" "$budget" "${PAIRS:-7}" bench/propagate_numpy.py >"$tmp/ours.csv"
/usr/bin/python3 bench/propagate_numpy.py "$budget" >"$tmp/numpy.csv"
/usr/bin/python3 bench/propagate_numpy.py --report "$tmp/ours.csv" "$tmp/numpy.csv"
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$tmp/ours.csv" "$tmp/numpy.csv" "$KEEP/"; fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
