#!/usr/bin/env bash
# Propagation GFLOP/s on the CPU engine and the CUDA backend, widths 512 to
# 8192, batches 2 and 256, in one run; each device's share of its own DGEMM
# peak and the GPU/CPU ratio. Without a GPU it reports the CPU and says why.
# usage: bench/run_device.sh [BUILD_DIR] [MAX_WIDTH]
#   BUILD_DIR defaults to build-cuda, configured with the CUDA backend when
#   nvcc is found (/usr/local/cuda/bin or PATH), without it otherwise.
set -euo pipefail
source "$(dirname "$0")/build_dir.sh"
build=$(dnc_build_dir "${1:-}" build-cuda)
cd "$(dirname "$0")/.."
max_width=${2:-8192}
cuda=OFF
if command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; then cuda=ON; fi
if [ ! -x "$build/bench/bench_device" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DDNNCRIT_WITH_CUDA=$cuda \
    -DDNNCRIT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target bench_device >/dev/null
fi
echo "date: $(date -u +%Y-%m-%d), CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$build/bench/bench_device" "$max_width" | awk -F, '
  $1 == "dgemm" { peak[$2] = $5; printf "%s DGEMM peak: %.1f GFLOP/s (%sx%s)\n", $2, $5, $3, $4; next }
  $1 == "propagate" { key = $3 "," $4; g[$2, key] = $5; if (!(key in seen)) { seen[key] = 1; order[n++] = key } }
  END {
    print ""
    print "| width | batch | CPU GFLOP/s | CPU % of DGEMM | GPU GFLOP/s | GPU % of DGEMM | GPU / CPU |"
    print "|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 0; i < n; i++) {
      split(order[i], wb, ",")
      c = g["cpu", order[i]]; d = g["cuda", order[i]]
      gpu = d == "" ? "-" : sprintf("%.1f", d)
      gpct = d == "" ? "-" : sprintf("%.0f%%", 100 * d / peak["cuda"])
      ratio = d == "" ? "-" : sprintf("%.1fx", d / c)
      printf "| %s | %s | %.1f | %.0f%% | %s | %s | %s |\n", wb[1], wb[2], c, 100 * c / peak["cpu"], gpu, gpct, ratio
    }
  }'
