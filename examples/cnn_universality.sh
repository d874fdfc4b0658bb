#!/bin/sh
# Universality of random CNNs: the study of docs/cnn.md ("Universality of
# CNNs: the study"). Every system goes through the same estimators
# (dnncrit/spreading.h over scaling.h): full-start and seed-start critical
# points, delta, delta', theta, the one-layer growth variance (temporal
# disorder), the late effective theta (temporal-Griffiths test) and a
# finite-size collapse with DP and mean-field exponents.
#
# Usage: examples/cnn_universality.sh [OUTDIR] [PART...]
#   PART: dp1 dp2 c16 c4 c64 c16k5 c16erf 2d16 2d4 local16 localcut cut cutrho cutfine   (default: all)
# Driver: build/bench/bench_spreading (BENCH=path). Fixed seeds: the numbers
# are the same on every run. Runtime on the loaded 2-core machine: see
# docs/cnn.md (each part prints its own CPU seconds).
set -eu
BIN=${BENCH:-$(dirname "$0")/../build/bench/bench_spreading}
OUT=${1:-cnn_universality_out}
[ $# -gt 0 ] && shift
PARTS=${*:-dp1 dp2 c16 c4 c64 c16k5 c16erf 2d16 2d4 local16 localcut cut cutrho cutfine}
mkdir -p "$OUT"
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
cd "$OUT"
run() {
    name=$1; shift; echo "== $name: $*"
    nice -n 5 "$BIN" "$@" --dump "$name" --figure "$name.png" >"$name.txt" 2>"$name.log" ||
        echo "part $name failed: $(tail -n 1 "$name.log")"
    cat "$name.txt"
}
CNN1="--system cnn --dims 1 --kernel 3 --sigma-b 0.3 --size-x 256 --seed-size 1024 --depth 1000 --samples 16 --tmin 30 --nboot 200 --collapse-sizes 64,128,256 --collapse-tmin 10 --windows 10,30,100"
for p in $PARTS; do
case $p in
dp1) run dp1 --system dp --model bond1d --L 512 --tmax 1000 --samples 16 --runs 200 \
        --grid 0.6427,0.6437,0.6447,0.6457,0.6467 --tmin 30 --nboot 200 --windows 10,30,100,300 \
        --collapse-sizes 32,64,128 --collapse-param 0.644700185 --collapse-tmin 4 ;;
dp2) run dp2 --system dp --model bond2d --L 64 --tmax 300 --samples 16 --runs 200 \
        --grid 0.2863,0.2868,0.2873,0.2878,0.2883 --tmin 10 --nboot 200 --windows 5,10,30,100 \
        --collapse-sizes 16,32,64 --collapse-param 0.287338 --collapse-tmin 4 ;;
c16) run c16 $CNN1 --channels 16 --grid 1.40,1.44,1.48,1.52,1.56 ;;
c4) run c4 $CNN1 --channels 4 --grid 1.90,2.00,2.10,2.20,2.30 ;;
c64) run c64 --system cnn --dims 1 --kernel 3 --sigma-b 0.3 --channels 64 --size-x 256 \
        --seed-size 512 --depth 500 --samples 8 --tmin 30 --nboot 200 \
        --grid 1.38,1.40,1.42,1.44,1.46 --collapse-sizes 64,128,256 --collapse-tmin 10 \
        --windows 10,30,100 ;;
c16k5) run c16k5 $CNN1 --channels 16 --kernel 5 --grid 1.40,1.44,1.48,1.52,1.56 ;;
c16erf) run c16erf $CNN1 --channels 16 --activation erf --grid 1.24,1.28,1.32,1.36,1.40 ;;
2d16) run 2d16 --system cnn --dims 2 --kernel 3 --sigma-b 0.3 --channels 16 --size-x 32 \
        --size-y 32 --seed-size 96 --depth 300 --samples 12 --tmin 10 --nboot 200 \
        --grid 1.36,1.40,1.44,1.48,1.52 --collapse-sizes 16,24,32 --collapse-tmin 5 --windows 5,10,20 ;;
2d4) run 2d4 --system cnn --dims 2 --kernel 3 --sigma-b 0.3 --channels 4 --size-x 32 \
        --size-y 32 --seed-size 96 --depth 300 --samples 12 --tmin 10 --nboot 200 \
        --grid 1.6,1.8,2.0,2.2,2.4 --collapse-sizes 16,24,32 --collapse-tmin 5 --windows 5,10,20 ;;
local16) run local16 --system cnn --dims 1 --kernel 3 --sigma-b 0.3 --channels 16 \
        --sharing local --size-x 128 --seed-size 384 --depth 400 --samples 12 --tmin 30 \
        --nboot 200 --grid 1.38,1.40,1.42,1.44,1.46 --collapse-sizes 32,64,128 \
        --collapse-tmin 10 --windows 10,30,100 ;;
localcut) run localcut --system cnn --dims 1 --kernel 3 --sigma-b 0.3 --channels 16 \
        --sharing local --cutoff 1e-6 --threshold 0 --active --size-x 64 --seed-size 256 \
        --depth 300 --samples 8 --tmin 20 --nboot 200 --grid 1.38,1.40,1.42,1.44,1.46 \
        --windows 10,20,50 ;;
cutfine) run cutfine1e-3 $CNN1 --channels 16 --cutoff 1e-3 --threshold 0 --active \
        --samples 32 --grid 1.46,1.47,1.48,1.49,1.50,1.51 ;;
cutrho) run cutrho1e-6 $CNN1 --channels 16 --cutoff 1e-6 --threshold 0 \
        --grid 1.40,1.44,1.48,1.52,1.56 ;;
cut) for eps in 1e-2 1e-3 1e-4 1e-6 1e-8 1e-10; do
        run cut$eps $CNN1 --channels 16 --cutoff $eps --threshold 0 --active \
            --grid 1.40,1.44,1.48,1.52,1.56
     done ;;
*) echo "unknown part $p" >&2; exit 2 ;;
esac
done
