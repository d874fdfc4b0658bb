#!/bin/sh
# dnncrit powerlaw vs plfit's own CLI (Nepusz, Debian package `plfit`) on
# the same synthetic data, in the same run: wall times, their ratio, and the
# fitted alpha and xmin of both. The Python `powerlaw` package (Alstott et
# al.) is not installable here (PyPI unreachable, not packaged in Debian),
# so it is not part of the comparison.
#
# usage: bench/bench_powerlaw.sh [BUILD_DIR] [SIZES]
#   BUILD_DIR  default ./build (needs build/dnncrit)
#   SIZES      default "10000 100000 1000000"
# plfit's continuous xmin scan is quadratic: it is skipped above
# PLFIT_CONT_MAX samples (default 100000; set it higher to wait).
set -eu
BUILD=${1:-build}
SIZES=${2:-"10000 100000 1000000"}
PLFIT_CONT_MAX=${PLFIT_CONT_MAX:-100000}
DNC="$BUILD/dnncrit"
PY=/usr/bin/python3 # NumPy lives here
[ -x "$DNC" ] || { echo "no $DNC: build first" >&2; exit 1; }
command -v plfit >/dev/null || { echo "plfit CLI not installed (apt-get install plfit)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{printf "%.3f", $2 - $1}'; }

echo "# dnncrit $("$DNC" version | head -1 | cut -d' ' -f2), $(plfit -v 2>&1 | head -1), $(nproc) cores, $(date -u +%FT%TZ)"
echo "# data: Pareto alpha = 2.5, xmin = 1 (continuous); Clauset's rounding floor(0.5 x + 0.5) (discrete)"
printf '%-10s %-8s %10s %12s %8s %10s %10s %10s %10s %10s\n' kind n dnncrit_s fit_wall/cpu plfit_s ratio alpha_dnc alpha_plfit xmin_dnc xmin_plfit
for n in $SIZES; do
  $PY - "$n" "$TMP" <<'PYEOF'
import sys, numpy as np
n, d = int(sys.argv[1]), sys.argv[2]
u = np.random.default_rng(n).random(n)
x = (1 - u) ** (-1 / 1.5)
np.savetxt(f"{d}/c{n}.txt", x, fmt="%.12g")
np.savetxt(f"{d}/d{n}.txt", np.floor(0.5 * x + 0.5), fmt="%d")
PYEOF
  for kind in continuous discrete; do
    f="$TMP/${kind%"${kind#?}"}$n.txt"
    flag=""; pflag="-c"
    [ "$kind" = discrete ] && { flag="--discrete"; pflag=""; }
    t0=$(now)
    "$DNC" powerlaw "$f" $flag --quiet --out "$TMP/fit" >/dev/null
    t1=$(now)
    td=$(elapsed "$t0" "$t1")
    fit_s=$($PY -c "import json;d=json.load(open('$TMP/fit.json'));print('%.3f/%.3f'%(d['timings']['fit_s'],d['timings']['fit_cpu_s']))")
    ad=$($PY -c "import json;d=json.load(open('$TMP/fit.json'))['results']['fit'];print('%.5f %g'%(d['alpha']['value'],d['xmin']))")
    if [ "$kind" = continuous ] && [ "$n" -gt "$PLFIT_CONT_MAX" ]; then
      tp="skipped"; ap="- -"; ratio="-"
    else
      t0=$(now)
      out=$(plfit -b $pflag "$f")
      t1=$(now)
      tp=$(elapsed "$t0" "$t1")
      ap=$(echo "$out" | awk '{printf "%.5f %g", $3, $4}')
      ratio=$(echo "$tp $td" | awk '{printf "%.1f", $1 / $2}')
    fi
    set -- $ad $ap
    printf '%-10s %-8s %10s %12s %8s %10s %10s %10s %10s %10s\n' "$kind" "$n" "$td" "$fit_s" "$tp" "$ratio" "$1" "$3" "$2" "$4"
  done
done
echo "# ratio = plfit time / dnncrit time (whole CLI runs, reading the file included);"
echo "# fit_wall/cpu = dnncrit's sort + xmin scan + MLE alone, wall and CPU seconds (JSON timings.fit_s, fit_cpu_s)"
