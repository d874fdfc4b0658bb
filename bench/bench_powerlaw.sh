#!/bin/sh
# dnncrit powerlaw and dnncrit-powerlaw (the same command as a lean program
# that loads no OpenBLAS, HDF5 or MPI) vs plfit's own CLI (Nepusz, Debian
# package `plfit`) on the same synthetic data, in the same run: interleaved
# whole-program runs (dnncrit, dnncrit-powerlaw, plfit, dnncrit, ...), the
# median of the per-round ratios time(plfit) / time(dnncrit) with its spread
# (the lower and upper quartile of the ratios), and the fitted alpha and xmin
# of both. The Python `powerlaw` package (Alstott et al.) is not installable
# here (PyPI unreachable, not packaged in Debian), so it is not compared.
#
# usage: bench/bench_powerlaw.sh [BUILD_DIR] [SIZES] [REPS]
#   BUILD_DIR  default ./build (needs build/dnncrit and build/dnncrit-powerlaw)
#   SIZES      default "10000 100000 1000000"
#   REPS       rounds per row, default 9 (a plfit run over 2 s: 3 rounds)
# plfit's continuous xmin scan is quadratic: it is skipped above
# PLFIT_CONT_MAX samples (default 100000; set it higher to wait).
# Rows: discrete / continuous data, xmin scanned (KS minimum) or fixed
# (--xmin / plfit -m: 1 for continuous, the true lower bound; 5 for the
# rounded discrete data, in its power-law tail). dnncrit writes its three
# output files (CCDF, density, JSON) as usual, each run to a new prefix (a
# first fit; replacing existing files costs more on ext4, whose auto_da_alloc
# flushes a file renamed over another); plfit prints one line.
# Also timed, the same way: `dnncrit version`, `dnncrit-powerlaw --version`
# and `plfit -v`, the cost of starting each program, and /bin/true, the
# machine's floor for starting any program.
set -eu
BUILD=${1:-build}
SIZES=${2:-"10000 100000 1000000"}
REPS=${3:-9}
PLFIT_CONT_MAX=${PLFIT_CONT_MAX:-100000}
DNC="$BUILD/dnncrit"
LEAN="$BUILD/dnncrit-powerlaw"
PY=/usr/bin/python3 # NumPy lives here
for p in "$DNC" "$LEAN"; do [ -x "$p" ] || { echo "no $p: build first" >&2; exit 1; }; done
command -v plfit >/dev/null || { echo "plfit CLI not installed (apt-get install plfit)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "# dnncrit $("$DNC" version | head -1 | cut -d' ' -f2), $(plfit -v 2>&1 | head -1), $(nproc) cores, $(date -u +%FT%TZ)"
echo "# load before: $(uptime | sed 's/.*load average/load average/')"
echo "# data: Pareto alpha = 2.5, xmin = 1 (continuous); Clauset's rounding floor(0.5 x + 0.5) (discrete)"
$PY - "$DNC" "$LEAN" "$TMP" "$SIZES" "$REPS" "$PLFIT_CONT_MAX" <<'PYEOF'
import json, os, statistics, subprocess, sys, time
import numpy as np

dnc, lean, tmp, sizes, reps, cont_max = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), int(sys.argv[5]), int(sys.argv[6])

runs = 0

def run(cmd):
    """Wall time and stdout of one run. A dnncrit run writes to a new prefix,
    as a first fit of a data set does; its record is kept as fit.json and
    the rest removed, outside the timing."""
    global runs
    cmd, prefix = list(cmd), None
    if "--out" in cmd:
        runs += 1
        prefix = cmd[cmd.index("--out") + 1] = f"{tmp}/run{runs}"
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    if prefix:
        os.replace(prefix + ".json", f"{tmp}/fit.json")
        for suffix in (".csv", "_pdf.csv"):
            os.remove(prefix + suffix)
    return dt, p.stdout

def quartiles(v):
    v = sorted(v)
    q = statistics.quantiles(v, n=4, method="inclusive") if len(v) > 1 else [v[0]] * 3
    return q[0], statistics.median(v), q[2]

def interleaved(cmds, k):
    """k interleaved rounds over cmds (the last is plfit): each command's median
    time, and for every other command the quartiles of time(plfit) / time(cmd)."""
    times = [[] for _ in cmds]
    out = None
    for _ in range(k):
        for i, c in enumerate(cmds):
            t, out = run(c)
            times[i].append(t)
    ratios = [quartiles([p / t for t, p in zip(ts, times[-1])]) for ts in times[:-1]]
    return [statistics.median(ts) for ts in times], ratios, out

def row(kind, mode, n, med, ratios, fit=None, pl=None):
    alpha = "%.5f" % fit["alpha"]["value"] if fit else "-"
    xmin = "%g" % fit["xmin"] if fit else "-"
    cells = ["%.4f" % m for m in med] + ["skipped"] * (3 - len(med))
    qs = ["%.2f" % q[1] for q in ratios] + ["-"] * (2 - len(ratios))
    iqr = ["%.2f-%.2f" % (q[0], q[2]) for q in ratios] + ["-"] * (2 - len(ratios))
    print(hdr % (kind, mode, n, *cells, qs[0], iqr[0], qs[1], iqr[1], alpha,
                 pl[0] if pl else "-", xmin, pl[1] if pl else "-"))

hdr = "%-10s %-8s %-8s %10s %10s %10s %7s %11s %7s %11s %9s %9s %8s %8s"
print(hdr % ("data", "xmin", "n", "dnncrit_s", "lean_s", "plfit_s", "ratio", "ratio_IQR",
             "r_lean", "r_lean_IQR", "alpha_dnc", "alpha_pl", "xmin_dnc", "xmin_pl"))
floor, _, _ = interleaved([["/bin/true"], ["/bin/true"]], max(reps, 9))
med, ratios, _ = interleaved([[dnc, "version"], [lean, "--version"], ["plfit", "-v"]], max(reps, 9))
row("startup", "-", "-", med, ratios)
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
            lcmd = [lean] + dcmd[2:]
            if kind == "continuous" and mode == "scanned" and n > cont_max:
                med, _, _ = interleaved([dcmd, lcmd], 1)
                fit = json.load(open(f"{tmp}/fit.json"))["results"]["fit"]
                row(kind, mode, n, med, [], fit)
                continue
            k = reps
            t_pl, _ = run(pcmd)
            if t_pl > 2:
                k = min(reps, 3)
            med, ratios, out = interleaved([dcmd, lcmd, pcmd], k)
            fit = json.load(open(f"{tmp}/fit.json"))["results"]["fit"]
            w = out.split()
            row(kind, mode, n, med, ratios, fit, ("%.5f" % float(w[2]), "%g" % float(w[3])))
print("# exec floor: /bin/true takes %.4f s (median wall) on this machine" % floor[0])
PYEOF
echo "# load after: $(uptime | sed 's/.*load average/load average/')"
echo "# dnncrit_s, lean_s, plfit_s: median wall seconds of whole runs of dnncrit powerlaw,"
echo "# dnncrit-powerlaw and plfit (reading the file included);"
echo "# ratio, r_lean: median over the rounds of time(plfit) / time(dnncrit) and"
echo "# time(plfit) / time(dnncrit-powerlaw), > 1: dnncrit faster; IQR: their quartiles"
