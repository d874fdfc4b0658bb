#!/bin/sh
# dnncrit powerlaw vs plfit's own CLI (Nepusz, Debian package `plfit`) on
# the same synthetic data, in the same run: paired, interleaved whole-CLI
# runs (dnncrit, plfit, dnncrit, plfit, ...), the median of the per-pair
# ratios time(plfit) / time(dnncrit) with its spread (the lower and upper
# quartile of the ratios), and the fitted alpha and xmin of both. The
# Python `powerlaw` package (Alstott et al.) is not installable here (PyPI
# unreachable, not packaged in Debian), so it is not part of the comparison.
#
# usage: bench/bench_powerlaw.sh [BUILD_DIR] [SIZES] [REPS]
#   BUILD_DIR  default ./build (needs build/dnncrit)
#   SIZES      default "10000 100000 1000000"
#   REPS       pairs per row, default 9 (a plfit run over 2 s: 3 pairs)
# plfit's continuous xmin scan is quadratic: it is skipped above
# PLFIT_CONT_MAX samples (default 100000; set it higher to wait).
# Rows: discrete / continuous data, xmin scanned (KS minimum) or fixed
# (--xmin / plfit -m: 1 for continuous, the true lower bound; 5 for the
# rounded discrete data, in its power-law tail). dnncrit writes its three
# output files (CCDF, density, JSON) as usual; plfit prints one line.
# Also timed, the same way: `dnncrit version` against `plfit -v`, the cost
# of starting each program (dnncrit loads OpenBLAS, GSL, OpenMP and MPI).
set -eu
BUILD=${1:-build}
SIZES=${2:-"10000 100000 1000000"}
REPS=${3:-9}
PLFIT_CONT_MAX=${PLFIT_CONT_MAX:-100000}
DNC="$BUILD/dnncrit"
PY=/usr/bin/python3 # NumPy lives here
[ -x "$DNC" ] || { echo "no $DNC: build first" >&2; exit 1; }
command -v plfit >/dev/null || { echo "plfit CLI not installed (apt-get install plfit)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "# dnncrit $("$DNC" version | head -1 | cut -d' ' -f2), $(plfit -v 2>&1 | head -1), $(nproc) cores, $(date -u +%FT%TZ)"
echo "# load before: $(uptime | sed 's/.*load average/load average/')"
echo "# data: Pareto alpha = 2.5, xmin = 1 (continuous); Clauset's rounding floor(0.5 x + 0.5) (discrete)"
$PY - "$DNC" "$TMP" "$SIZES" "$REPS" "$PLFIT_CONT_MAX" <<'PYEOF'
import json, os, statistics, subprocess, sys, time
import numpy as np

dnc, tmp, sizes, reps, cont_max = sys.argv[1], sys.argv[2], sys.argv[3].split(), int(sys.argv[4]), int(sys.argv[5])

def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return dt, p.stdout

def quartiles(v):
    v = sorted(v)
    q = statistics.quantiles(v, n=4, method="inclusive") if len(v) > 1 else [v[0]] * 3
    return q[0], statistics.median(v), q[2]

def paired(a, b, k):
    """k interleaved pairs a, b, a, b, ...: medians and the ratio time(b) / time(a)."""
    ta, tb, out = [], [], None
    for _ in range(k):
        t, _o = run(a); ta.append(t)
        t, out = run(b); tb.append(t)
    ratios = [y / x for x, y in zip(ta, tb)]
    return statistics.median(ta), statistics.median(tb), quartiles(ratios), out

hdr = "%-10s %-8s %-8s %10s %10s %7s %13s %9s %9s %8s %8s"
print(hdr % ("data", "xmin", "n", "dnncrit_s", "plfit_s", "ratio", "ratio_IQR", "alpha_dnc", "alpha_pl", "xmin_dnc", "xmin_pl"))
ta, tb, q, _ = paired([dnc, "version"], ["plfit", "-v"], max(reps, 9))
print(hdr % ("startup", "-", "-", "%.4f" % ta, "%.4f" % tb, "%.2f" % q[1], "%.2f-%.2f" % (q[0], q[2]), "-", "-", "-", "-"))
for n in map(int, sizes):
    u = np.random.default_rng(n).random(n)
    x = (1 - u) ** (-1 / 1.5)
    np.savetxt(f"{tmp}/c{n}.txt", x, fmt="%.12g")
    np.savetxt(f"{tmp}/d{n}.txt", np.floor(0.5 * x + 0.5), fmt="%d")
    for kind in ("discrete", "continuous"):
        for mode in ("scanned", "fixed"):
            f = f"{tmp}/{kind[0]}{n}.txt"
            dcmd = [dnc, "powerlaw", f, "--quiet", "--out", f"{tmp}/fit"]
            pcmd = ["plfit", "-b"]
            if kind == "discrete":
                dcmd.append("--discrete")
            else:
                pcmd.append("-c")
            if mode == "fixed":
                xm = "5" if kind == "discrete" else "1"
                dcmd += ["--xmin", xm]
                pcmd += ["-m", xm]
            pcmd.append(f)
            fit = None
            if kind == "continuous" and mode == "scanned" and n > cont_max:
                t0, _ = run(dcmd)
                fit = json.load(open(f"{tmp}/fit.json"))["results"]["fit"]
                print(hdr % (kind, mode, n, "%.4f" % t0, "skipped", "-", "-", "%.5f" % fit["alpha"]["value"], "-", "%g" % fit["xmin"], "-"))
                continue
            k = reps
            t_pl, _ = run(pcmd)
            if t_pl > 2:
                k = min(reps, 3)
            ta, tb, q, out = paired(dcmd, pcmd, k)
            fit = json.load(open(f"{tmp}/fit.json"))["results"]["fit"]
            w = out.split()
            print(hdr % (kind, mode, n, "%.4f" % ta, "%.4f" % tb, "%.2f" % q[1], "%.2f-%.2f" % (q[0], q[2]),
                         "%.5f" % fit["alpha"]["value"], "%.5f" % float(w[2]), "%g" % fit["xmin"], "%g" % float(w[3])))
PYEOF
echo "# load after: $(uptime | sed 's/.*load average/load average/')"
echo "# dnncrit_s, plfit_s: median wall seconds of whole CLI runs (reading the file included);"
echo "# ratio: median over the pairs of time(plfit) / time(dnncrit), > 1: dnncrit faster; IQR: its quartiles"
