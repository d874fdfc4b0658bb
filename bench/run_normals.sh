#!/usr/bin/env bash
# Gaussian generation benchmark: bench_normals' table (dnncrit's two normal
# streams on every instruction-set path of this CPU, one thread, against
# the store rate), then dnncrit against NumPy in the same run: rounds of
# (dnncrit box-muller, dnncrit ziggurat, NumPy default_rng, NumPy legacy),
# one process each, and the median over rounds of each ratio with quartiles.
# usage: bench/run_normals.sh [BUILD_DIR]   (ROUNDS=9, SIZE=65536)
set -euo pipefail
source "$(dirname "$0")/build_dir.sh"
build=$(dnc_build_dir "${1:-}" build)
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-9}
size=${SIZE:-65536}
if [ ! -x "$build/bench/bench_normals" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target bench_normals >/dev/null
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
"$build/bench/bench_normals" --size "$size"
echo
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for r in $(seq "$rounds"); do
  echo "$("$build/bench/bench_normals" --once box-muller --size "$size") $("$build/bench/bench_normals" --once ziggurat --size "$size") $(/usr/bin/python3 bench/normals_numpy.py default "$size") $(/usr/bin/python3 bench/normals_numpy.py legacy "$size")" >>"$tmp"
done
/usr/bin/python3 - "$tmp" "$size" <<'PY'
import sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
def q(v):
    v = sorted(v); n = len(v)
    return v[n // 4], v[n // 2], v[(3 * n) // 4]
names = ["dnncrit box-muller", "dnncrit ziggurat", "numpy default_rng", "numpy legacy"]
print("| samples/s, 1 thread, %s per call | median | dnncrit box-muller / this | quartiles | dnncrit ziggurat / this | quartiles |" % sys.argv[2])
print("|---|---:|---:|---|---:|---|")
for j, name in enumerate(names):
    med = q([r[j] for r in rows])[1]
    a = q([r[0] / r[j] for r in rows]); b = q([r[1] / r[j] for r in rows])
    print("| %s | %.3g | %.2f | %.2f-%.2f | %.2f | %.2f-%.2f |" % (name, med, a[1], a[0], a[2], b[1], b[0], b[2]))
PY
