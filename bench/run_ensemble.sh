#!/usr/bin/env bash
# Ensemble engine benchmark (issue 13): explicit vs ensemble propagation,
# paired and interleaved, N = 512 .. 65536, B = 2 and 16, with the machine's
# Gaussian-generation rate and triad bandwidth measured in the same run, then
# the large cases (width 10^6 at depth 100, depth 10^5 at width 1024).
# usage: bench/run_ensemble.sh [BUILD_DIR]
#   THREADS (default 2), REPS (paired runs per row, default 5; at most 3, 2
#   and 1 at N = 16384, 32768 and 65536, where one explicit layer takes
#   seconds to a minute),
#   NMAX (largest N, default 65536), LARGE=0 skips the large cases,
#   OMP_WAIT_POLICY (default passive: on a machine shared with other jobs,
#   threads spinning at a barrier take the core their partner needs; on
#   2 cores at load 20 that made 2 threads 2.7x slower than 1).
set -euo pipefail
source "$(dirname "$0")/build_dir.sh"
build=$(dnc_build_dir "${1:-}" build)
cd "$(dirname "$0")/.."
if [ ! -x "$build/bench/bench_ensemble" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target bench_ensemble >/dev/null
fi
export OMP_NUM_THREADS=${THREADS:-2}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
large=--large
[ "${LARGE:-1}" = 0 ] && large=
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "threads $OMP_NUM_THREADS, OMP_WAIT_POLICY=$OMP_WAIT_POLICY; load before: $(uptime)"
"$build/bench/bench_ensemble" --reps "${REPS:-5}" --nmax "${NMAX:-65536}" $large
echo
echo "load after: $(uptime)"
