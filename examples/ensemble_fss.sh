#!/bin/sh
# Finite-size scaling of critical random MLPs with the ensemble engine
# (docs/ensemble.md): every number and figure of that page comes from here.
#   1. acceptance: the ensemble engine against the explicit one (every weight
#      drawn) at N = 128, L = 30, tanh on the critical line at sigma_b = 0.3:
#      max over the layers of |rho_ens - rho_expl| / combined error;
#   2. rho(l; N) at criticality for N = 64 .. NMAX, depth 8N: tanh and erf
#      (sigma_b = 0.3, critical sigma_w from `dnncrit critical`) and relu
#      (sigma_w = sqrt 2, sigma_b = 0); collapse rho = N^-a f(l / N^b) with
#      `dnncrit fss` (bootstrap errors on a and b);
#   3. the metric factor mu of the width requirement N >~ mu L: L_10(N) is the
#      first depth at which the ensemble mean rho(l; N) leaves the mean-field
#      rho_mf(l) by more than 10%; mu = N / L_10(N);
#   4. off criticality (N = 4096): beta from rho*, nu_par from the decay length;
#   5. the finite-width phase boundary: the zero of the Lyapunov exponent in
#      sigma_w at N = 32 .. 512.
# Fixed seeds: the numbers are the same on every run (any thread count).
#
# Usage: examples/ensemble_fss.sh [--quick] [--jobs J] [OUTDIR]
#   --quick   small sizes and network counts (about a minute): a smoke test
#   --jobs J  runs at a time, each single-threaded (default 2)
#   DNNCRIT=path/to/dnncrit (default build/dnncrit)
# Full mode: N = 64 .. 2048, about 1e10 unit-layers (~11 min of one core at
# 1.5e7 unit-layers/s, B = 2); measured 2026-12-07 on the shared 2-core
# development machine (load average 13-23): 33 min for the propagate runs with
# --jobs 2, ~8 min for the collapses; the extra tanh runs at N = 1024, 2048
# (6.6e9 unit-layers) 7 min at load ~4. --quick: ~30 s of CPU (6 min wall at that
# load). 4. and 5. add beta, nu_par off criticality and the finite-width
# Lyapunov zero crossing. Reruns resume: runs whose PREFIX.json exists are
# skipped. See docs/ensemble.md for the results.
set -eu

QUICK=0
JOBS=2
OUT=ensemble_fss_out
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 ;;
    --jobs) JOBS=$2; shift ;;
    -h | --help) sed -n '2,31p' "$0"; exit 0 ;;
    -*) echo "ensemble_fss.sh: unknown option $1" >&2; exit 2 ;;
    *) OUT=$1 ;;
    esac
    shift
done

BIN=${DNNCRIT:-$(dirname "$0")/../build/dnncrit}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
[ -x "$BIN" ] || { echo "ensemble_fss.sh: no dnncrit at $BIN (build first or set DNNCRIT)" >&2; exit 2; }
PY=/usr/bin/python3 # standard library only
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
cd "$OUT"

if [ $QUICK -eq 1 ]; then
    SIZES="64 128 256"
    NETS="400 200 100"
    ACC_K=400
    OFF_N=512 OFF_K=2 OFF_D=1000
    LY_SIZES="32 64 128" LY_K=8 LY_D=300
else
    SIZES="64 128 256 512 1024 2048"
    NETS="4000 2000 1000 300 100 24"
    ACC_K=4000
    OFF_N=4096 OFF_K=4 OFF_D=2000
    LY_SIZES="32 64 128 256 512" LY_K=16 LY_D=500
fi

# nth LIST I: the I-th word (1-based) of LIST.
nth() { echo "$1" | awk -v i="$2" '{print $i}'; }
# crit ACT: the critical sigma_w at sigma_b = 0.3 (dnncrit critical).
crit() {
    "$BIN" critical --activation "$1" --sigma-b 0.3 --quiet --out "crit_$1"
    awk -F, 'NR == 2 {print $2}' "crit_$1.csv"
}
SW_TANH=$(crit tanh)
SW_ERF=$(crit erf)
SW_RELU=1.4142135623730951
echo "critical sigma_w at sigma_b = 0.3: tanh $SW_TANH, erf $SW_ERF; relu sqrt(2) at sigma_b = 0"

# The runs, smallest first (an interrupted run leaves complete small sizes;
# rerunning resumes), J at a time (each --threads 1).
: >tasks.txt
echo "$BIN propagate --engine explicit --networks $ACC_K --width 128 --depth 30 --sigma-w $SW_TANH --sigma-b 0.3 --activation tanh --threads 1 --quiet --out acc_explicit" >>tasks.txt
echo "$BIN propagate --engine ensemble --networks $ACC_K --width 128 --depth 30 --sigma-w $SW_TANH --sigma-b 0.3 --activation tanh --threads 1 --quiet --out acc_ensemble" >>tasks.txt
i=1
while [ "$i" -le "$(echo "$SIZES" | wc -w)" ]; do
    N=$(nth "$SIZES" "$i")
    K=$(nth "$NETS" "$i")
    for spec in "tanh $SW_TANH 0.3" "erf $SW_ERF 0.3" "relu $SW_RELU 0"; do
        set -- $spec
        echo "$BIN propagate --engine ensemble --networks $K --width $N --depth $((8 * N)) --sigma-w $2 --sigma-b $3 --activation $1 --threads 1 --quiet --out fss_$1_N$N" >>tasks.txt
    done
    i=$((i + 1))
done
# the infinite-width reference: the mean-field maps from the nominal inputs
# (q = 1, c = 0.5; the propagate CSVs' rho_mf follows the first seed's inputs)
DMAX=$((8 * $(echo "$SIZES" | awk '{print $NF}')))
"$BIN" meanfield --activation tanh --sigma-w "$SW_TANH" --sigma-b 0.3 --depth $DMAX --quiet --out mf_tanh
"$BIN" meanfield --activation erf --sigma-w "$SW_ERF" --sigma-b 0.3 --depth $DMAX --quiet --out mf_erf
"$BIN" meanfield --activation relu --sigma-w "$SW_RELU" --sigma-b 0 --depth $DMAX --quiet --out mf_relu
# off criticality (tanh, sigma_b = 0.3): sigma_w = m sigma_w^c, chi_1 - 1 from
# -0.17 to +0.15; mean-field chi_1, rho*, xi_c of each point from meanfield
for m in 0.8 0.9 0.95 0.975 0.9875 1.0125 1.025 1.05 1.1 1.2; do
    sw=$(awk -v a="$SW_TANH" -v m=$m 'BEGIN {printf "%.6f", a * m}')
    "$BIN" meanfield --activation tanh --sigma-w "$sw" --sigma-b 0.3 --quiet --out "mfo_$sw"
    echo "$BIN propagate --engine ensemble --networks $OFF_K --width $OFF_N --depth $OFF_D --sigma-w $sw --sigma-b 0.3 --activation tanh --threads 1 --quiet --out offc_$sw" >>tasks.txt
done
# tanh again at the two largest sizes with 4x the networks (full mode only)
if [ $QUICK -eq 0 ]; then
    echo "$BIN propagate --engine ensemble --networks 400 --width 1024 --depth 8192 --sigma-w $SW_TANH --sigma-b 0.3 --activation tanh --threads 1 --quiet --out fssK_tanh_N1024" >>tasks.txt
    echo "$BIN propagate --engine ensemble --networks 96 --width 2048 --depth 16384 --sigma-w $SW_TANH --sigma-b 0.3 --activation tanh --threads 1 --quiet --out fssK_tanh_N2048" >>tasks.txt
fi
# the bias of a mean over few networks: 10 disjoint blocks of 24 networks (the
# K of the largest N) at N = 256, where the full run has 1000
KB_N=256
for blk in 0 1 2 3 4 5 6 7 8 9; do
    echo "$BIN propagate --engine ensemble --networks 24 --seed $((1 + 24 * blk)) --width $KB_N --depth $((8 * KB_N)) --sigma-w $SW_TANH --sigma-b 0.3 --activation tanh --threads 1 --quiet --out kbias_tanh_b$blk" >>tasks.txt
done
# finite-width phase boundary: the Lyapunov exponent around sigma_w^c
for N in $LY_SIZES; do
    for m in 0.98 1 1.02 1.04 1.06 1.08 1.1 1.12 1.14 1.16; do
        sw=$(awk -v a="$SW_TANH" -v m=$m 'BEGIN {printf "%.6f", a * m}')
        echo "$BIN propagate --engine ensemble --networks $LY_K --width $N --depth $LY_D --sigma-w $sw --sigma-b 0.3 --activation tanh --lyapunov --threads 1 --quiet --out lyap_N${N}_sw$sw" >>tasks.txt
    done
done
echo "running $(wc -l <tasks.txt) propagate runs, $JOBS at a time"
T0=$(date +%s)
# skip runs whose output exists (a rerun resumes)
awk '{f = $NF ".json"; if ((getline line < f) < 0) print; close(f)}' tasks.txt |
    tr '\n' '\0' | xargs -0 -P "$JOBS" -I{} sh -c '{}'
echo "runs done in $(($(date +%s) - T0)) s"

echo
echo "== 1. acceptance: ensemble vs explicit engine, N = 128, L = 30, K = $ACC_K networks each"
$PY "$HERE/ensemble_fss.py" accept acc_ensemble.csv acc_explicit.csv

echo
echo "== 2. finite-size scaling rho(l; N) = N^-a f(l / N^b)"
SZ=$(echo "$SIZES" | tr ' ' ',')
NS=$(echo "$SIZES" | wc -w)
# fss ARGS...: dnncrit fss, its three result lines only
fss() { "$BIN" fss "$@" --max-rel-err 0.3 --threads 1 | grep -E ' a = | b = |quality' || true; }
analyse() {
    act=$1
    files=""
    for N in $SIZES; do files="$files fss_${act}_N$N.csv"; done
    $PY "$HERE/ensemble_fss.py" ratio "mf_$act.csv" $files
    # tmin 30: skips the first layers (q relaxing to q*, rho leaving the input's
    # c = 0.5 towards its 1/(kappa l) law: N-independent corrections in l);
    # max-rel-err 0.3: drops the layers where a handful of networks carry the mean
    echo "-- $act: rho, all sizes, tmin 30"
    fss $files --sizes "$SZ" --column rho --tmin 30 --nboot 40 --a0 1 --b0 1 \
        --out "collapse_$act" --plot png
    echo "-- $act: rho, all sizes, tmin 128 (the window's share of the error)"
    fss $files --sizes "$SZ" --column rho --tmin 128 --nboot 40 --a0 1 --b0 1 --out "collapse128_$act"
    # the departure from mean field R = <rho>/rho_mf: the mean-field law and its
    # corrections in l divided out, so a = 0 and b is the time scale alone
    echo "-- $act: R = rho / rho_mf, all sizes, tmin 30"
    fss $(for f in $files; do printf ' ratio_%s' "$f"; done) --sizes "$SZ" --column R --tmin 30 \
        --nboot 40 --a0 0 --b0 1 --out "collapseR_$act" --plot png
    echo "-- $act: R = <rho>/rho_mf at l = x N (b = 1: the same at every N)"
    $PY "$HERE/ensemble_fss.py" table $(for f in $files; do printf ' ratio_%s' "$f"; done)
    echo "-- $act: R, effective b from consecutive pairs of sizes"
    i=1
    while [ $i -lt "$NS" ]; do
        n1=$(nth "$SIZES" $i)
        n2=$(nth "$SIZES" $((i + 1)))
        printf '   N = %s,%s:' "$n1" "$n2"
        fss "ratio_fss_${act}_N$n1.csv" "ratio_fss_${act}_N$n2.csv" --sizes "$n1,$n2" --column R \
            --tmin 30 --nboot 20 --a0 0 --b0 1 --out "pairR_${act}_$n1" | grep ' b = ' | tr -d '\n'
        echo
        i=$((i + 1))
    done
}
# one activation per job, JOBS at a time; printed in order
n=0
for act in tanh erf relu; do
    analyse $act >"step2_$act.txt" 2>&1 &
    n=$((n + 1))
    if [ $n -ge "$JOBS" ]; then wait; n=0; fi
done
wait
cat step2_tanh.txt step2_erf.txt step2_relu.txt

echo "-- the bias of few networks: R at l = x N, tanh, N = $KB_N, all networks vs blocks of 24"
$PY "$HERE/ensemble_fss.py" kbias $KB_N mf_tanh.csv fss_tanh_N$KB_N.csv kbias_tanh_b*.csv

if [ $QUICK -eq 0 ]; then
    echo "-- tanh with 400 networks at N = 1024 and 96 at N = 2048 (instead of 100 and 24)"
    kf="fss_tanh_N64.csv fss_tanh_N128.csv fss_tanh_N256.csv fss_tanh_N512.csv fssK_tanh_N1024.csv fssK_tanh_N2048.csv"
    $PY "$HERE/ensemble_fss.py" ratio mf_tanh.csv fssK_tanh_N1024.csv fssK_tanh_N2048.csv
    fss $kf --sizes "$SZ" --column rho --tmin 30 --nboot 40 --a0 1 --b0 1 --out collapseK_tanh
    fss $(for f in $kf; do printf ' ratio_%s' "$f"; done) --sizes "$SZ" --column R --tmin 30 \
        --nboot 40 --a0 0 --b0 1 --out collapseKR_tanh
    $PY "$HERE/ensemble_fss.py" table ratio_fssK_tanh_N1024.csv ratio_fssK_tanh_N2048.csv
    for p in "512 ratio_fss_tanh_N512.csv ratio_fssK_tanh_N1024.csv 1024" \
        "1024 ratio_fssK_tanh_N1024.csv ratio_fssK_tanh_N2048.csv 2048"; do
        set -- $p
        printf '   N = %s,%s:' "$1" "$4"
        fss "$2" "$3" --sizes "$1,$4" --column R --tmin 30 --nboot 20 --a0 0 --b0 1 \
            --out "pairKR_tanh_$1" | grep ' b = ' | tr -d '\n'
        echo
    done
fi

echo
echo "== 3. width requirement N >~ mu L (10% from mean field)"
for act in tanh erf relu; do
    files=""
    for N in $SIZES; do files="$files fss_${act}_N$N.csv"; done
    $PY "$HERE/ensemble_fss.py" mu "$act" 0.1 "mf_$act.csv" $files
done

echo
echo "== 4. off criticality (tanh, sigma_b = 0.3, N = $OFF_N, $OFF_K networks, depth $OFF_D)"
$PY "$HERE/ensemble_fss.py" offcrit "$SW_TANH" offc_*.csv

echo
echo "== 5. finite-width phase boundary: lambda_N(sigma_w) = 0 (tanh, sigma_b = 0.3, $LY_K networks, depth $LY_D)"
$PY "$HERE/ensemble_fss.py" lyap "$SW_TANH" lyap_N*_sw*.json

if command -v gnuplot >/dev/null 2>&1; then
    $PY "$HERE/ensemble_fss.py" figures "$SIZES"
    for g in *.gp; do gnuplot "$g"; done
    echo "figures: $(ls ./*.png | tr '\n' ' ')"
fi
