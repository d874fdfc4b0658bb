#!/usr/bin/env bash
# Which quantity predicts learning? (issue 15; docs/training.md, section
# "Which quantity predicts learning?"). Ghavasieh et al. (arXiv:2509.22649)
# report that the susceptibility peak predicts learning better than the
# distance to the critical point. This study trains MLPs on Fashion-MNIST
# over sigma_w = 0.6 .. 2.0 x the critical sigma_w (15 values), sigma_b 0.05
# and 0.5, depth 10 and 30, width 128, 3 seeds, for tanh and relu and a
# budget of 1 and 3 epochs (4 train-sweeps of 60 cells, 720 trainings), and ranks seven
# candidate predictors by the Spearman correlation of the cell-mean test
# accuracy with each, with bootstrap intervals over cells and the paired
# bootstrap of |rho_best| - |rho_second| (dnc_predictors_rank).
#
# Sizes: 2000 training / 1000 test images (stratified), SGD lr 0.01,
# momentum 0.9, batch 64, float32, 1 thread per run; susceptibility scans
# with 4 networks x 16 input pairs at 13 sigma_w per line.
# Measured runtime: 7 min 50 s wall, 3 min 50 s CPU (2026-12-07, the 2-core
# development machine shared with other jobs); results in docs/training.md.
#
# Writes OUTDIR/<activation>_e<epochs>/ (each a train-sweep directory,
# resumable), OUTDIR/predictors.csv (one row per setting and candidate),
# OUTDIR/winners.md (the table of docs/training.md) and, when gnuplot is
# installed, OUTDIR/<activation>_e<epochs>.png (the train-sweep figure with the
# Spearman coefficient of every candidate and its interval).
#
# usage: examples/predictor_study.sh [OUTDIR]   (DNNCRIT=path/to/dnncrit to override)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${DNNCRIT:-$here/../build/dnncrit}"
out="${1:-predictor_out}"
py="${PYTHON:-/usr/bin/python3}"
mkdir -p "$out"

start=$(date +%s)
for act in tanh relu; do
  for epochs in 1 3; do
    "$bin" train-sweep --quiet \
      --activation "$act" --sigma-w-relative --sigma-w 0.6:2.0:15 --sigma-b 0.05,0.5 \
      --depth 10,30 --width 128 --seeds 3 --epochs "$epochs" \
      --train-size 2000 --test-size 1000 --lr 0.01 --momentum 0.9 --batch-size 64 \
      --obs-inputs 32 --threads 1 --bootstrap 1000 --susc-networks 4 --susc-inputs 16 \
      --out-dir "$out/${act}_e${epochs}"
  done
done
end=$(date +%s)

"$py" - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
rows, md = [], []
md.append("| activation | epochs | cells | best predictor | Spearman [95% CI] | second | Spearman [95% CI] | abs difference [95% CI] |")
md.append("|---|---|---|---|---|---|---|---|")
gh = ["| activation | epochs | Spearman, abs distance to susceptibility peak [95% CI] | Spearman, abs(chi_1 - 1) [95% CI] | abs difference peak - chi_1 [95% CI] |",
      "|---|---|---|---|---|"]
def f(v):
    return "n/a" if v is None else "%.2f" % v
for act in ("tanh", "relu"):
    for ep in (1, 3):
        d = json.load(open(os.path.join(out, "%s_e%d" % (act, ep), "sweep.json")))
        p = d["results"]["predictors"]
        cand = {c["name"]: c for c in p["candidates"]}
        for c in p["candidates"]:
            rows.append("%s,%d,%s,%d,%s,%s,%s" % (act, ep, c["name"], c["n"],
                        *("" if c[k] is None else "%.6g" % c[k] for k in ("spearman", "ci95_lo", "ci95_hi"))))
        g = p["susceptibility_peak_vs_chi1"]
        pk, c1 = cand["abs_distance_to_susceptibility_peak"], cand["abs_chi1_minus_1"]
        gh.append("| %s | %d | %s [%s, %s] | %s [%s, %s] | %s [%s, %s] |" % (
            act, ep, f(pk["spearman"]), f(pk["ci95_lo"]), f(pk["ci95_hi"]),
            f(c1["spearman"]), f(c1["ci95_lo"]), f(c1["ci95_hi"]),
            f(g["value"]), f(g["ci95_lo"]), f(g["ci95_hi"])))
        b, s, dd = cand.get(p["best"]), cand.get(p["second"]), p["difference"]
        md.append("| %s | %d | %d | %s | %s [%s, %s] | %s | %s [%s, %s] | %s [%s, %s] |" % (
            act, ep, p["cells"], p["best"], f(b["spearman"]), f(b["ci95_lo"]), f(b["ci95_hi"]),
            p["second"], f(s["spearman"]), f(s["ci95_lo"]), f(s["ci95_hi"]),
            f(dd["value"]), f(dd["ci95_lo"]), f(dd["ci95_hi"])))
with open(os.path.join(out, "predictors.csv"), "w") as fp:
    fp.write("activation,epochs,candidate,n,spearman,ci95_lo,ci95_hi\n")
    fp.write("\n".join(rows) + "\n")
with open(os.path.join(out, "winners.md"), "w") as fp:
    fp.write("\n".join(md) + "\n\n" + "\n".join(gh) + "\n")
print("\n".join(md))
print()
print("\n".join(gh))
print()
print("all candidates (Spearman of cell-mean accuracy, bootstrap 95% CI over cells):")
for r in rows:
    print("  " + r)
PY
for d in tanh_e1 tanh_e3 relu_e1 relu_e3; do
  "$bin" plot "$out/$d/sweep.json" --out "$out/$d.png" ||
    echo "(no figure for $d: gnuplot missing or the plot failed)"
done
echo "runtime: $((end - start)) s"
