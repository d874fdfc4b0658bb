#!/usr/bin/env bash
# Two dnncrit binaries on the same propagation, paired and interleaved (OLD,
# NEW, OLD, NEW, ...): prints the median and range of time(OLD) / time(NEW).
# usage: bench/propagate_old_new.sh OLD NEW PAIRS PROPAGATE_ARGS...
#   bench/propagate_old_new.sh "$(bench/behaviour/baseline.sh main)" build/dnncrit 5 \
#       --width 512 --batch 2 --depth 128 --threads 2
set -euo pipefail
old=$1 new=$2 pairs=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
for _ in $(seq "$pairs"); do
  t0=$(now); "$old" propagate "$@" --quiet --out "$tmp/old" >/dev/null
  t1=$(now); "$new" propagate "$@" --quiet --out "$tmp/new" >/dev/null
  t2=$(now)
  echo "($t1 - $t0) / ($t2 - $t1)" | bc -l
done | sort -g | awk '{ r[NR] = $1 } END {
  printf "time(old)/time(new): median %.2f, range %.2f-%.2f over %d pairs\n",
         (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2), r[1], r[NR], NR }'
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
