#!/usr/bin/env bash
# Criticality and kappa L (Tamai et al. 2025, arXiv:2307.02284): is chi_1 = 1
# necessary but not sufficient for training, with generalisation set by a
# window of kappa L (kappa = f''(1)/2 at the critical sigma_w, L the depth)?
#
# Three train-sweeps on Fashion-MNIST, one per activation (tanh, erf, gelu),
# with sigma_w = {0.7, 1, 1.4} x the critical sigma_w at each sigma_b
# (--sigma-w-relative), then the claim's statistics, verdict, table and
# figure from the same points (bench_kappa_window, the claim function of
# `dnncrit reproduce tamai2025`, which finds the finished points and trains
# nothing again). Design and statistics: docs/training.md, section
# "Criticality and kappa L (Tamai et al. 2025)".
#
# Full: 4 sigma_b per activation, L = 4,8,16,32,64, width 128, 4 seeds,
# 3000/1000 images, 3 epochs of SGD (lr 0.01, momentum 0.9, batch 64):
# 720 trainings; measured 42 min wall (20 min CPU) for the claim function
# on the shared 2-core machine (load average 6-10, two points at a time).
# --quick: 2 sigma_b, L = 4,16,48, width 64, 2 seeds, 1500/500 images,
# 2 epochs: 108 trainings; its verdict is always inconclusive. Measured: the
# claim function alone 20 s (load average ~4), this script 754 s (load ~10,
# the train-sweeps one point at a time) on the shared 2-core machine.
#
# usage: examples/kappa_window.sh [--quick] [OUTDIR]
#   (DNNCRIT=path/to/dnncrit, KAPPA_WINDOW=path/to/bench_kappa_window to override)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${DNNCRIT:-$here/../build/dnncrit}"
claim="${KAPPA_WINDOW:-$here/../build/bench/bench_kappa_window}"
quick=""
if [ "${1:-}" = "--quick" ]; then quick="--quick"; shift; fi
out="${1:-kappa_window_out}"

if [ -n "$quick" ]; then
  sizes=(--depth 4,16,48 --width 64 --seeds 2 --train-size 1500 --test-size 500 --epochs 2)
  sb_tanh=0.02,1; sb_gelu=0.45,1
else
  sizes=(--depth 4,8,16,32,64 --width 128 --seeds 4 --train-size 3000 --test-size 1000 --epochs 3)
  sb_tanh=0.02,0.1,0.3,1; sb_gelu=0.45,0.6,0.8,1
fi

start=$(date +%s)
for act in tanh erf gelu; do
  sb=$sb_tanh; [ "$act" = gelu ] && sb=$sb_gelu
  "$bin" train-sweep --sigma-w-relative --sigma-w 0.7,1,1.4 --sigma-b "$sb" \
    --activation "$act" "${sizes[@]}" --lr 0.01 --momentum 0.9 --batch-size 64 \
    --obs-inputs 0 --bootstrap 200 --threads 1 --quiet --out-dir "$out/tamai_train/$act"
done
"$claim" $quick "$out" 2
end=$(date +%s)

echo
echo "per cell (seed mean and 95% bootstrap interval): $out/tamai_kappa_window.csv"
echo "figure: $out/tamai_kappa_window.png"
echo "runtime: $((end - start)) s"
