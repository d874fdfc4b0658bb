#!/bin/sh
# Universality classes of random networks, measured with the dnncrit CLI:
#   1. calibration: 1+1 directed percolation from the built-in simulator
#      (delta from the density decay, beta/nu_perp and z from a finite-size
#      collapse) -> classify says "DP 1+1";
#   2. a wide random MLP (tanh, sigma_b = 0.3) at the mean-field edge of
#      chaos: delta, the metric factor kappa against mean field, beta from
#      the chaotic side -> classify says "mean field";
#   3. a 1D CNN with few channels (C = 4, k = 3), damage measured as the
#      fraction of active sites: its own critical sigma_w from the curvature
#      of log rho vs log l, delta there -> classify.
# No exponent is assumed anywhere: every number comes out of the estimators
# with a bootstrap error over seeds.
#
# Usage: examples/universality.sh [OUTDIR]      (DNNCRIT=path/to/dnncrit)
# Runtime on the 2-core development machine (shared with 7 other jobs),
# Release build, measured 2026-11-25: 2 min 40 s wall / 45 s CPU, and
# 4 min 18 s wall / 68 s CPU in a busier moment. The numbers printed are the
# same on every run (fixed seeds).
set -eu

BIN=${DNNCRIT:-$(dirname "$0")/../build/dnncrit}
OUT=${1:-universality_out}
PY=/usr/bin/python3 # standard library only (json)
mkdir -p "$OUT"
cd "$OUT"
case $BIN in /*) ;; *) BIN=$OLDPWD/$BIN ;; esac

# jget FILE KEY...: a number from a JSON run record ("decay.0.delta.value").
jget() {
    $PY -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d=d[int(k)] if isinstance(d,list) else d[k]
print(repr(d))' "$1" "$2"
}

# stack FILE... > LONG.csv: one-sample CSVs (e.g. dnncrit propagate runs
# with different seeds) into the long format seed,<columns> that dnncrit
# exponents reads as several samples.
stack() {
    i=0
    for f in "$@"; do
        if [ $i -eq 0 ]; then head -n 1 "$f" | sed 's/^/seed,/'; fi
        tail -n +2 "$f" | sed "s/^/$i,/"
        i=$((i + 1))
    done
}

echo "== 1. 1+1 directed percolation (built-in simulator, bond DP at p_c)"
"$BIN" dp --model bond1d --L 2048 --tmax 2000 --samples 16 --seed 1 --quiet --out dp1d >/dev/null
"$BIN" exponents dp1d.seeds.csv --tmin 30 --out dp1d_exp
"$BIN" fss --simulate --sizes 16,32,64 --T 2000 --samples 16 --runs 100 --tmin 4 --nboot 40 \
    --quiet --out dp1d_fss
"$BIN" classify --out dp1d_class \
    --delta "$(jget dp1d_exp.json results.decay.0.delta.value),$(jget dp1d_exp.json results.decay.0.delta.error)" \
    --z "$(jget dp1d_fss.json results.b.value),$(jget dp1d_fss.json results.b.error)"

echo
echo "== 2. random MLP, tanh, sigma_b = 0.3, width 512 (mean-field prediction: mean field)"
"$BIN" critical --activation tanh --sigma-b 0.3 --out mlp_crit >/dev/null
SW=$(awk -F, 'NR == 2 {print $2}' mlp_crit.csv)
KAPPA=$(awk -F, 'NR == 2 {print $4}' mlp_crit.csv)
echo "mean field: critical sigma_w = $SW, kappa = $KAPPA"
for s in 1 2 3 4 5 6 7 8 9 10 11 12; do
    "$BIN" propagate --width 512 --depth 100 --batch 6 --activation tanh --sigma-w "$SW" \
        --sigma-b 0.3 --seed $s --quiet --out mlp_c_$s
done
"$BIN" exponents mlp_c_*.csv --tmin 10 --kappa --kappa-mf "$KAPPA" --out mlp_exp
# chaotic side: stationary rho* at sigma_w = sigma_c (1 + tau)
PARAMS=""
FILES=""
for tau in 0.02 0.04 0.08; do
    sw=$($PY -c "print($SW * (1 + $tau))")
    for s in 1 2 3 4 5 6; do
        "$BIN" propagate --width 256 --depth 300 --batch 6 --activation tanh --sigma-w "$sw" \
            --sigma-b 0.3 --seed $s --quiet --out mlp_t${tau}_$s
    done
    stack mlp_t${tau}_*.csv >mlp_tau$tau.csv
    PARAMS="$PARAMS${PARAMS:+,}$tau"
    FILES="$FILES mlp_tau$tau.csv"
done
# shellcheck disable=SC2086
"$BIN" exponents $FILES --params "$PARAMS" --pc 0 --tburn 200 --tmin 10 --out mlp_beta
"$BIN" classify --out mlp_class \
    --delta "$(jget mlp_exp.json results.decay.0.delta.value),$(jget mlp_exp.json results.decay.0.delta.error)" \
    --beta "$(jget mlp_beta.json results.beta.value),$(jget mlp_beta.json results.beta.error)"

echo
echo "== 3. 1D CNN, C = 4 channels, k = 3, L = 1024, tanh, sigma_b = 0.3 (active-site density)"
for sw in 1.9 2.0 2.1; do
    "$BIN" cnn --dims 1 --channels 4 --kernel 3 --size-x 1024 --depth 2000 --sigma-w $sw \
        --sigma-b 0.3 --seeds 16 --quiet --out cnn_$sw
done
"$BIN" exponents cnn_1.9.seeds.csv cnn_2.0.seeds.csv cnn_2.1.seeds.csv --params 1.9,2.0,2.1 \
    --column active_fraction --tmin 20 --out cnn_scan
PC=$(jget cnn_scan.json results.critical_point.value)
PC=$($PY -c "print(round($PC, 3))")
echo "CNN critical sigma_w from the curvature: $PC"
"$BIN" cnn --dims 1 --channels 4 --kernel 3 --size-x 1024 --depth 2000 --sigma-w "$PC" \
    --sigma-b 0.3 --seed 101 --seeds 16 --quiet --out cnn_pc
"$BIN" exponents cnn_pc.seeds.csv --column active_fraction --tmin 20 --out cnn_exp
"$BIN" classify --out cnn_class \
    --delta "$(jget cnn_exp.json results.decay.0.delta.value),$(jget cnn_exp.json results.decay.0.delta.error)"
