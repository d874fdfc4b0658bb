#!/usr/bin/env bash
# Phase-diagram benchmark: `dnncrit phase-diagram` against the vectorised
# NumPy version (bench/phase_diagram_numpy.py, Gauss-Hermite with NODES
# nodes) on the same grid, paired and interleaved (dnncrit, NumPy N1,
# NumPy N2, ... per round), one thread each; then the accuracy of each
# against the adaptive Gauss-Kronrod reference (bench_phase_reference) on
# the 11 x 15 points of the reference grid, which are points of the timed
# default grid. Times are whole processes: NumPy's include the interpreter
# and `import numpy` (timed alone as py-import), dnncrit's the critical line
# of its JSON and the output files.
# usage: bench/run_phase_diagram.sh [BUILD_DIR]
#   ROUNDS=5, NODES="64 128", OLD=path/to/older/dnncrit (timed alongside),
#   REF=file caches the reference CSV (about 30 s of CPU to compute)
set -euo pipefail
source "$(dirname "$0")/build_dir.sh"
build=$(dnc_build_dir "${1:-}" build)
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
nodes=${NODES:-64 128}
if [ ! -x "$build/bench/bench_phase_reference" ] || [ ! -x "$build/dnncrit" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target dnncrit bench_phase_reference >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grid_b="0 2 41" grid_w="0.5 4 71" # dnncrit's default grid, 2911 points
npts=2911
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)"
ref=${REF:-$tmp/ref.csv}
if [ ! -s "$ref" ]; then
  OMP_NUM_THREADS=2 "$build/bench/bench_phase_reference" 0 2 11 0.5 4 15 "$ref.tmp"
  mv "$ref.tmp" "$ref"
fi
# CPU seconds (user + sys) of one command; wall seconds beside it
cpu() {
  /usr/bin/time -f "%U %S %e" -o "$tmp/t" "$@" >/dev/null
  awk '{printf "%.3f %.3f\n", $1 + $2, $3}' "$tmp/t"
}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
: >"$tmp/times"
for r in $(seq "$rounds"); do
  echo "dnncrit $(cpu "$build/dnncrit" phase-diagram --activation tanh --threads 1 --quiet --out "$tmp/dnc")" >>"$tmp/times"
  if [ -n "${OLD:-}" ]; then
    echo "old $(cpu "$OLD" phase-diagram --activation tanh --threads 1 --quiet --out "$tmp/old")" >>"$tmp/times"
  fi
  echo "py-import $(cpu /usr/bin/python3 -c 'import numpy')" >>"$tmp/times"
  for n in $nodes; do
    echo "numpy$n $(cpu /usr/bin/python3 bench/phase_diagram_numpy.py $grid_b $grid_w "$tmp/np$n.csv" "$n")" >>"$tmp/times"
  done
done
/usr/bin/python3 - "$tmp/times" "$npts" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
npts = int(sys.argv[2])
names = list(dict.fromkeys(r[0] for r in rows))
t = {n: [float(r[1]) for r in rows if r[0] == n] for n in names}
w = {n: [float(r[2]) for r in rows if r[0] == n] for n in names}
print("%-10s %14s %14s %12s %26s" % ("program", "CPU s (median)", "wall s (median)",
                                    "ms/point CPU", "time(it)/time(dnncrit) CPU"))
for n in names:
    ratios = sorted(a / b for a, b in zip(t[n], t["dnncrit"]))
    print("%-10s %14.3f %14.3f %12.3f %12.2f (%.2f-%.2f)" % (
        n, st.median(t[n]), st.median(w[n]), 1e3 * st.median(t[n]) / npts,
        st.median(ratios), ratios[0], ratios[-1]))
print("(%d rounds, interleaved; ratio: median over rounds of the paired ratio, range min-max)"
      % len(t["dnncrit"]))
PY
echo "accuracy against the adaptive reference (11 x 15 points of the grid):"
files="$tmp/dnc.csv"
[ -n "${OLD:-}" ] && files="$files $tmp/old.csv"
for n in $nodes; do files="$files $tmp/np$n.csv"; done
/usr/bin/python3 bench/phase_diagram_numpy.py --accuracy "$ref" $files
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
