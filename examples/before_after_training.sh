#!/usr/bin/env bash
# How far does training move a network from criticality? Trains an MLP on
# Fashion-MNIST, saves it before (epoch 0, the initialisation) and after
# training as safetensors, and measures both with the same probes:
#   rho at the first, middle and last layer (16 inputs with c = 0.5),
#   the Lyapunov exponent lambda (mean log growth of a tangent vector) and the
#   Jacobian's chi_1 = exp(2 lambda) (Schoenholz et al. 2017: lambda = ln chi_1 / 2),
#   damage-spreading avalanches: survival to the last layer, susceptibility
#   N var(rho), mean avalanche size.
# Avalanche exponents need many more layers than a trainable MLP of this size
# has (at depth 10 nearly every avalanche reaches the last layer), so they are
# not fitted here.
#
#   examples/before_after_training.sh [BUILD_DIR] [OUT_DIR] [EPOCHS]   (~1 min on 2 cores)
set -euo pipefail
build=${1:-build} out=${2:-before_after} epochs=${3:-5}
bin=$(cd "$build" && pwd)/dnncrit
mkdir -p "$out"
cd "$out"
net=(--depth 10 --width 128 --sigma-w 1.5 --train-size 5000 --test-size 1000 --precision double)
"$bin" train "${net[@]}" --epochs 0 --save init.safetensors --out init --quiet
"$bin" train "${net[@]}" --epochs "$epochs" --save trained.safetensors --out trained --quiet
for m in init trained; do
  "$bin" propagate --weights $m.safetensors --batch 16 --input-c 0.5 --lyapunov \
    --out p_$m --quiet 2>/dev/null
  "$bin" avalanches --weights $m.safetensors --inputs 400 --out av_$m --quiet 2>/dev/null
done
/usr/bin/python3 - "$epochs" <<'PY'
import csv, json, math, sys
print(f"{'weights':>8} {'test acc':>8} {'rho_1':>7} {'rho_5':>7} {'rho_10':>7} "
      f"{'lambda':>16} {'chi_1':>6} {'survival':>8} {'chi':>7} {'<S>':>7}")
for m in ("init", "trained"):
    rows = list(csv.DictReader(open(f"p_{m}.csv")))
    rho = [float(r["rho"]) for r in rows]
    p = json.load(open(f"p_{m}.json"))["results"]["lyapunov"]
    av = json.load(open(f"av_{m}.json"))["results"]
    hist = list(csv.DictReader(open(f"{m}.csv")))
    acc = float(hist[-1]["test_acc"])
    chi = av["susceptibility"]["value"] if isinstance(av["susceptibility"], dict) else av["susceptibility"]
    print(f"{m:>8} {acc:8.3f} {rho[0]:7.3f} {rho[4]:7.3f} {rho[-1]:7.3f} "
          f"{p['value']:+7.3f} +- {p['error']:.3f} {math.exp(2 * p['value']):6.3f} "
          f"{av['survival']:8.3f} {chi:7.3f} {av.get('mean_size') or float('nan'):7.1f}")
print(f"(epochs {sys.argv[1]}; lambda's error is over the layers of one network)")
PY
