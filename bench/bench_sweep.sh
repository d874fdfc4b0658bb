#!/usr/bin/env bash
# Strong scaling of one sweep (fixed work: examples/sweep_bench.cfg) over
# 1 and 2 OpenMP threads and 1 and 2 MPI ranks. Each configuration runs
# REPS times in a fresh directory; the best wall time counts (other work on
# the machine only ever slows a run down). Every run's table.csv must be
# identical to the first one's.
#
#   bench/bench_sweep.sh [BUILD_DIR] [REPS]      (defaults: build 3)
# Wall time is what scaling is about; CPU time (user + sys of all processes)
# shows the work done, which stays constant when the driver adds no overhead.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
reps="${2:-3}"
bin="$build/dnncrit"
cfg="$here/examples/sweep_bench.cfg"
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpirun not found (apt-get install openmpi-bin)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# run RANKS THREADS DIR -> prints "wall_s cpu_s" (cpu: user + sys of all processes)
run() {
    local ranks=$1 threads=$2 dir=$3 TIMEFORMAT='%R %U %S' t
    if [ "$ranks" = 1 ]; then
        t=$( { time "$bin" sweep "$cfg" --out-dir "$dir" --threads "$threads" --quiet >/dev/null 2>>"$work/stderr"; } 2>&1 )
    else
        t=$( { time mpirun -n "$ranks" --oversubscribe --bind-to none \
            "$bin" sweep "$cfg" --out-dir "$dir" --threads "$threads" --quiet >/dev/null 2>>"$work/stderr"; } 2>&1 )
    fi
    echo "$t" | awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }'
}

points=$(sed -n 's/^# points: *//p' "$cfg")
echo "# dnncrit sweep strong scaling: $cfg ($points points), $(nproc) cores, best of $reps"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -n) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| ranks | threads/rank | workers | wall s (best) | speed-up | efficiency | CPU s (user+sys) |\n'
printf '|---|---|---|---|---|---|---|\n'
base=""
for conf in "1 1" "1 2" "2 1" "2 2"; do
    set -- $conf
    best=""
    cpu=""
    for r in $(seq "$reps"); do
        dir="$work/r$1t$2-$r"
        read -r t c < <(run "$1" "$2" "$dir")
        if [ -f "$work/reference.csv" ]; then
            cmp -s "$work/reference.csv" "$dir/table.csv" || { echo "table differs: $dir" >&2; exit 1; }
        else
            cp "$dir/table.csv" "$work/reference.csv"
        fi
        rm -rf "$dir"
        if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
            best=$t
            cpu=$c
        fi
    done
    [ -n "$base" ] || base=$best
    workers=$(( $1 * $2 ))
    awk -v r="$1" -v th="$2" -v w="$workers" -v t="$best" -v b="$base" -v c="$cpu" \
        'BEGIN { printf "| %d | %d | %d | %.2f | %.2f | %.0f%% | %.2f |\n", r, th, w, t, b / t, 100 * b / t / w, c }'
done
echo "# all tables identical: yes; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
