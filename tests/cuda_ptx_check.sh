#!/bin/sh
# Without a GPU, checks what makes GPU weights the CPU's bits: the compiled
# weight kernel of the CUDA backend holds no fused multiply-add and only
# correctly rounded division and square root (IEEE, as on the CPU).
# usage: cuda_ptx_check.sh NVCC SOURCE_DIR GENERATED_INCLUDE_DIR
set -eu
nvcc=$1 src=$2 gen=$3
ptx=$(mktemp)
trap 'rm -f "$ptx"' EXIT
"$nvcc" -std=c++17 -fmad=false -arch=sm_90 -ptx -I "$src/src" -I "$src/include" -I "$gen" \
    "$src/src/engines/cuda/cuda_engine.cu" -o "$ptx"
kernel=$(awk '/\.entry .*weight_rows_kernel/{f=1} f{print} f&&/^}/{exit}' "$ptx")
[ -n "$kernel" ] || { echo "weight_rows_kernel not found in the PTX"; exit 1; }
fma=$(printf '%s\n' "$kernel" | grep -c 'fma\.' || true)
approx=$(printf '%s\n' "$kernel" | grep -Ec '(div|sqrt|rcp|rsqrt)\.(approx|full)' || true)
exact=$(printf '%s\n' "$kernel" | grep -Ec '(div|sqrt)\.rn\.f64' || true)
echo "weight kernel: $fma fma, $approx approximate div/sqrt, $exact correctly rounded div/sqrt"
[ "$fma" -eq 0 ] && [ "$approx" -eq 0 ] && [ "$exact" -ge 2 ]
