#!/usr/bin/env bash
# Training throughput, dnncrit against NumPy, in the same run and with the
# same thread count. usage: bench/run_train_bench.sh [THREADS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${BUILD:-$here/../build}"
cmake --build "$build" --target bench_train -j2 >/dev/null
"$build/bench/bench_train" "${1:-1}"
