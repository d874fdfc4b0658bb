#!/usr/bin/python3
"""Numbers and gnuplot scripts for examples/ensemble_fss.sh (docs/ensemble.md).

  accept ENS.csv EXPL.csv        max over layers of |rho_ens - rho_expl| / combined error
  mu ACT TOL MF FILE...          width requirement: L_TOL(N), mu = N / L_TOL per file,
                                 against the mean-field rho of MF (dnncrit meanfield --depth)
  offcrit SWC FILE...            rho* and the decay length off criticality: beta, nu_par
                                 (FILE: offc_<sigma_w>.csv; mean field from mfo_<sigma_w>.json)
  lyap SWC FILE...               zero crossing of the Lyapunov exponent in sigma_w per width
                                 (FILE: lyap_N<N>_sw<sigma_w>.json)
  ratio MF FILE...               writes ratio_<FILE>: layer, R = <rho>/rho_mf, R_err (the
                                 departure from mean field, for dnncrit fss --column R)
  table FILE...                  R = <rho>/rho_mf at l = x N, x = 1/8 .. 8, per ratio_ FILE
  kbias N MF FULL BLOCK...       R at l = x N from the FULL run and from each BLOCK (fewer
                                 networks, disjoint seeds): the bias of a mean over few networks
  figures "SIZES"                writes acceptance.gp, rho_<act>.gp, width.gp

Reads `dnncrit propagate` CSVs (layer, rho, rho_err, rho_mf columns).
Standard library only."""
import csv
import math
import re
import sys


def read(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return {k: [float(r[k]) for r in rows] for k in rows[0]}


def accept(ens, expl):
    a, b = read(ens), read(expl)
    z = [(x - y) / math.hypot(ex, ey)
         for x, ex, y, ey in zip(a["rho"], a["rho_err"], b["rho"], b["rho_err"])]
    zmax = max(abs(v) for v in z)
    lmax = a["layer"][max(range(len(z)), key=lambda i: abs(z[i]))]
    chi2 = sum(v * v for v in z)
    rel = max(abs(x / y - 1) for x, y in zip(a["rho"], b["rho"]))
    print(f"  layers {len(z)}: max |rho_ens - rho_expl| / combined error = {zmax:.2f} "
          f"(layer {lmax:g}); sum of squares {chi2:.1f} over {len(z)} layers; "
          f"layers beyond 2 errors: {sum(abs(v) > 2 for v in z)}")
    print(f"  max relative difference {rel:.4f}; rho at the last layer: ensemble "
          f"{a['rho'][-1]:.5f} +- {a['rho_err'][-1]:.5f}, explicit {b['rho'][-1]:.5f} +- "
          f"{b['rho_err'][-1]:.5f}")
    with open("acceptance_z.dat", "w") as f:
        for l, v in zip(a["layer"], z):
            f.write(f"{l:g},{v:.6g}\n")


def width_requirement(d, mf, tol, width=1.1):
    """First depth where the ensemble mean leaves mean field by more than tol.
    The ratio <rho>/rho_mf is averaged over log-spaced windows [l, width * l)
    (single layers are too noisy at large l); its error is the mean of the
    layers' errors (adjacent layers are strongly correlated: no 1/sqrt(n)).
    Returns (L, lo, hi): the first window start where the mean deviation
    exceeds tol, and the bracket where that is decided within two errors."""
    l, r, e = d["layer"], d["rho"], d["rho_err"]
    m = mf["rho"]
    lo = hi = point = None
    i = 0
    while i < len(l):
        j = i + 1
        while j < len(l) and l[j] < width * l[i]:
            j += 1
        dev = abs(sum(r[k] / m[k] for k in range(i, j)) / (j - i) - 1)
        s = sum(e[k] / m[k] for k in range(i, j)) / (j - i)
        if lo is None and dev + 2 * s > tol:
            lo = l[i]
        if point is None and dev > tol:
            point = l[i]
        if hi is None and dev - 2 * s > tol:
            hi = l[i]
            break
        i = j
    return point, lo, hi


def mu(act, tol, mf, files):
    tol, mf = float(tol), read(mf)
    out = []
    print(f"  {act}: N, L_{tol:g} (2-sigma bracket), mu = N / L")
    for path in files:
        N = int(re.search(r"_N(\d+)", path).group(1))
        p, lo, hi = width_requirement(read(path), mf, tol)
        if p is None:
            print(f"    N = {N}: rho stays within {tol:g} of mean field to the last layer")
            continue
        print(f"    N = {N:6d}: L = {p:g} [{lo:g}, {hi if hi else float('nan'):g}], "
              f"mu = {N / p:.2f}")
        out.append((N, p, lo, hi if hi else p))
    if len(out) >= 2:
        # mu from the largest sizes (the smallest carry O(1) layers' offsets)
        big = out[-3:]
        mus = [n / p for n, p, _, _ in big]
        print(f"    mu (geometric mean over the {len(big)} largest N) = "
              f"{math.exp(sum(math.log(v) for v in mus) / len(mus)):.2f}, "
              f"range {min(mus):.2f} .. {max(mus):.2f}")
        # slope of ln L vs ln N over all sizes (1 if L ~ N / mu)
        xs = [math.log(n) for n, *_ in out]
        ys = [math.log(p) for _, p, *_ in out]
        xm, ym = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - xm) * (y - ym) for x, y in zip(xs, ys)) / sum((x - xm) ** 2 for x in xs)
        print(f"    slope d ln L / d ln N = {slope:.3f}")
    # pooled over the sizes, assuming b = 1 (R a function of x = l / N alone):
    # the inverse-variance mean of R over log windows [x, 1.1 x), the first x
    # where it leaves 1 by more than tol; mu = 1 / x_tol
    pool = {}
    for path in files:
        N = int(re.search(r"_N(\d+)", path).group(1))
        d = read(path)
        m = mf["rho"]
        for l, r, e in zip(d["layer"], d["rho"], d["rho_err"]):
            if l < 30 or not e > 0:
                continue
            k = math.floor(math.log(l / N) / math.log(1.1))
            w = (m[int(l) - 1] / e) ** 2
            sw, swr, n = pool.get(k, (0.0, 0.0, 0))
            pool[k] = (sw + w, swr + w * r / m[int(l) - 1], n + 1)
    xs = lo = hi = None
    for k in sorted(pool):
        sw, swr, n = pool[k]
        dev = abs(swr / sw - 1)
        # error of the window mean: the per-layer inverse-variance error times
        # sqrt(layers in the window) (layers within a window fully correlated)
        err = math.sqrt(n / sw)
        x = 1.1 ** k
        if lo is None and dev + 2 * err > tol:
            lo = x
        if xs is None and dev > tol:
            xs = x
        if hi is None and dev - 2 * err > tol:
            hi = x
            break
    if xs:
        print(f"    pooled over N (b = 1): x_{tol:g} = L/N = {xs:.3f} [{lo:.3f}, "
              f"{hi if hi else float('nan'):.3f}], mu = 1 / x = {1 / xs:.2f} "
              f"[{1 / hi if hi else float('nan'):.2f}, {1 / lo:.2f}]")
    with open(f"width_{act}.dat", "w") as f:
        for n, p, lo, hi in out:
            f.write(f"{n} {p:g} {lo:g} {hi:g}\n")


def ratio(mf, files):
    m = read(mf)["rho"]
    for path in files:
        d = read(path)
        with open("ratio_" + path, "w") as f:
            f.write("layer,R,R_err\n")
            for l, r, e in zip(d["layer"], d["rho"], d["rho_err"]):
                mm = m[int(l) - 1]
                f.write(f"{l:g},{r / mm:.17g},{e / mm:.17g}\n")


def table(files):
    xs = [0.125, 0.25, 0.5, 1, 2, 4, 8]
    # mean over the layers l in [x N / 1.1, 1.1 x N] (error: the mean of their
    # errors; adjacent layers are correlated)
    print("      N" + "".join(f"{'x = ' + format(x, 'g'):>17s}" for x in xs))
    for path in files:
        N = int(re.search(r"_N(\d+)", path).group(1))
        d = read(path)
        row = f"  {N:5d}"
        for x in xs:
            sel = [i for i, l in enumerate(d["layer"]) if x * N / 1.1 <= l <= 1.1 * x * N]
            r = sum(d["R"][i] for i in sel) / len(sel)
            e = sum(d["R_err"][i] for i in sel) / len(sel)
            row += f"  {r:6.3f} +- {e:5.3f}"
        print(row)


def window_mean(d, col, x, N):
    sel = [i for i, l in enumerate(d["layer"]) if x * N / 1.1 <= l <= 1.1 * x * N]
    return sum(d[col][i] for i in sel) / len(sel)


def kbias(N, mf, full, blocks):
    N, m = int(N), read(mf)["rho"]
    xs = [0.25, 0.5, 1, 2, 4]

    def rvals(path):
        d = read(path)
        d["R"] = [r / m[int(l) - 1] for l, r in zip(d["layer"], d["rho"])]
        return [window_mean(d, "R", x, N) for x in xs]
    f = rvals(full)
    bs = [rvals(b) for b in blocks]
    print("    x:                       " + "".join(f"{x:>9g}" for x in xs))
    print(f"    all networks:            " + "".join(f"{v:9.3f}" for v in f))
    med = [sorted(b[j] for b in bs)[len(bs) // 2] for j in range(len(xs))]
    below = [sum(b[j] < f[j] for b in bs) for j in range(len(xs))]
    print(f"    median of {len(bs)} blocks:     " + "".join(f"{v:9.3f}" for v in med))
    print(f"    blocks below all:        " + "".join(f"{v:>6d}/{len(bs)}" for v in below))


def jload(path):
    import json
    with open(path) as f:
        return json.load(f)


def linfit(xs, ys, ws=None):
    """Weighted least squares y = a + b x: (a, b, cov_aa, cov_bb, cov_ab)."""
    ws = ws or [1.0] * len(xs)
    S = sum(ws)
    Sx = sum(w * x for w, x in zip(ws, xs))
    Sy = sum(w * y for w, y in zip(ws, ys))
    Sxx = sum(w * x * x for w, x in zip(ws, xs))
    Sxy = sum(w * x * y for w, x, y in zip(ws, xs, ys))
    D = S * Sxx - Sx * Sx
    a, b = (Sxx * Sy - Sx * Sxy) / D, (S * Sxy - Sx * Sy) / D
    return a, b, Sxx / D, S / D, -Sx / D


def offcrit(swc, files):
    """Chaotic side: rho* = mean of <rho>(l) over the second half of the layers
    (error: the mean of its standard errors: adjacent layers are correlated),
    against mean field's rho*; beta from ln rho* vs ln(chi_1 - 1), unweighted.
    Ordered side: the decay length xi from the slope of ln <rho>(l) over the
    layers where l > 5 / (1 - chi_1) and rho > 1e-250; nu_par from ln xi vs
    ln(1 - chi_1)."""
    swc = float(swc)
    chaotic, ordered = [], []
    print("    sigma_w     chi_1-1    rho*(ensemble)           rho*(mean field)  "
          "xi(ensemble)  xi_c(mean field)")
    for path in files:
        sw = re.search(r"offc_([0-9.]+)\.csv", path).group(1)
        mf = jload(f"mfo_{sw}.json")["results"]
        chi = mf["chi_1"]
        d = read(path)
        l, r, e = d["layer"], d["rho"], d["rho_err"]
        if chi > 1:
            h = len(r) // 2
            rs = sum(r[h:]) / (len(r) - h)
            es = sum(e[h:]) / (len(r) - h)
            chaotic.append((chi - 1, rs, es, mf["rho_star"]))
            print(f"    {float(sw):.6f}  {chi - 1:+.5f}  {rs:.6f} +- {es:.6f}   "
                  f"{mf['rho_star']:.6f}")
        else:
            xic = mf["xi_c"]
            pts = [(l[i], math.log(r[i])) for i in range(len(l))
                   if l[i] > 5 * xic and r[i] > 1e-250]
            if len(pts) < 10:
                print(f"    {float(sw):.6f}  {chi - 1:+.5f}  too few layers to fit")
                continue
            _, b, _, vb, _ = linfit([p[0] for p in pts], [p[1] for p in pts])
            xi = -1 / b
            ordered.append((1 - chi, xi, xic))
            print(f"    {float(sw):.6f}  {chi - 1:+.5f}  {'':40s}  {xi:10.3f}    {xic:10.3f}")
    if len(chaotic) >= 2:
        a, b, _, vb, _ = linfit([math.log(c[0]) for c in chaotic], [math.log(c[1]) for c in chaotic])
        am, bm, *_ = linfit([math.log(c[0]) for c in chaotic], [math.log(c[3]) for c in chaotic])
        print(f"    beta: slope of ln rho* vs ln(chi_1 - 1) = {b:.4f} (ensemble), {bm:.4f} "
              f"(mean field over the same points)")
    if len(ordered) >= 2:
        a, b, *_ = linfit([math.log(o[0]) for o in ordered], [math.log(o[1]) for o in ordered])
        am, bm, *_ = linfit([math.log(o[0]) for o in ordered], [math.log(o[2]) for o in ordered])
        print(f"    nu_par: -slope of ln xi vs ln(1 - chi_1) = {-b:.4f} (ensemble), {-bm:.4f} "
              f"(mean field xi_c over the same points)")


def lyap(swc, files):
    """Per width: the Lyapunov exponent (mean over networks, its standard error)
    at each sigma_w; the root of a weighted straight line through the (up to)
    4 grid points around the sign change, its error by the delta method from
    the fit's covariance. Then sigma_w^c(N) = sigma_w^c(inf) + A / N."""
    swc = float(swc)
    by_n = {}
    for path in files:
        m = re.search(r"lyap_N(\d+)_sw([0-9.]+)\.json", path)
        res = jload(path)["results"]
        by_n.setdefault(int(m.group(1)), []).append(
            (float(m.group(2)), res["lyapunov"]["value"], res["lyapunov"]["error"]))
    roots = []
    print("    N      sigma_w^c(N)            shift / sigma_w^c(mf)")
    for n in sorted(by_n):
        pts = sorted(by_n[n])
        i = next((k for k in range(1, len(pts)) if pts[k - 1][1] < 0 <= pts[k][1]), None)
        if i is None:
            print(f"    {n:5d}  no sign change of lambda over sigma_w = {pts[0][0]:.4f} .. "
                  f"{pts[-1][0]:.4f}")
            continue
        sel = pts[max(0, i - 2):i + 2]
        a, b, vaa, vbb, vab = linfit([p[0] for p in sel], [p[1] for p in sel],
                                     [1 / p[2] ** 2 for p in sel])
        x0 = -a / b
        # var(-a/b) by the delta method
        var = (vaa / b ** 2 + a * a * vbb / b ** 4 - 2 * a * vab / b ** 3)
        roots.append((n, x0, math.sqrt(var)))
        print(f"    {n:5d}  {x0:.5f} +- {math.sqrt(var):.5f}   {(x0 - swc) / swc:+.4f}")
    with open("lyap_roots.dat", "w") as f:
        for n, x0, e in roots:
            f.write(f"{n},{x0:.8g},{e:.4g}\n")
    if len(roots) >= 2:
        a, b, vaa, vbb, _ = linfit([1 / r[0] for r in roots], [r[1] for r in roots],
                                   [1 / r[2] ** 2 for r in roots])
        print(f"    fit sigma_w^c(N) = s_inf + A / N: s_inf = {a:.5f} +- {math.sqrt(vaa):.5f} "
              f"(mean field {swc:.5f}), A = {b:.3f} +- {math.sqrt(vbb):.3f}")


def figures(sizes):
    sizes = sizes.split()
    with open("acceptance.gp", "w") as f:
        f.write("""set terminal pngcairo size 900,700
set output 'acceptance.png'
set datafile separator ','
set multiplot layout 2,1
set title 'ensemble vs explicit engine: tanh, sigma_b = 0.3, critical sigma_w, N = 128'
set xlabel 'layer l'; set ylabel 'mean rho(l)'; set logscale xy; set key top right
set xrange [1:31]
plot 'acc_explicit.csv' every ::1 using 1:6:7 with yerrorbars title 'explicit (4000 networks)', \\
     'acc_ensemble.csv' every ::1 using 1:6:7 with yerrorbars title 'ensemble (4000 networks)', \\
     'mf_tanh.csv' every ::1 using 1:4 with lines title 'mean field (N = infinity)'
unset logscale; unset title
set ylabel '(ens - expl) / combined error'; set yrange [-4:4]
plot 'acceptance_z.dat' using 1:2 with linespoints title '', 2 with lines dt 2 lc 0 title '', \\
     -2 with lines dt 2 lc 0 title ''
unset multiplot
""")
    set_datafile = "set datafile separator ','\n"
    for act in ("tanh", "erf", "relu"):
        plots = [f"'fss_{act}_N{n}.csv' every ::1 using 1:6 with lines title 'N = {n}'"
                 for n in sizes]
        plots.append(f"'mf_{act}.csv' every ::1 using 1:4 with lines dt 2 lw 2 "
                     "lc 0 title 'mean field'")
        with open(f"rho_{act}.gp", "w") as f:
            f.write(f"""set terminal pngcairo size 800,600
set output 'rho_{act}.png'
{set_datafile}set title 'critical {act}: ensemble mean rho(l; N), depth 8N'
set xlabel 'layer l'; set ylabel 'mean rho'; set logscale xy; set format y '10^{{%T}}'
set yrange [1e-12:1]; set key bottom left
plot {", ".join(plots)}
""")
    with open("width.gp", "w") as f:
        f.write("""set terminal pngcairo size 800,600
set output 'width.png'
set title 'width requirement: first depth L_{10} with a 10% departure from mean field'
set xlabel 'width N'; set ylabel 'L_{10}'; set logscale xy; set key top left
plot 'width_tanh.dat' using 1:2:3:4 with yerrorbars title 'tanh', \\
     'width_erf.dat' using 1:2:3:4 with yerrorbars title 'erf', \\
     'width_relu.dat' using 1:2:3:4 with yerrorbars title 'relu', \\
     x / 4 with lines dt 2 lc 0 title 'L = N / 4', x with lines dt 3 lc 0 title 'L = N'
""")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"accept": accept, "mu": lambda *a: mu(a[0], a[1], a[2], a[3:]), "figures": figures,
     "offcrit": lambda *a: offcrit(a[0], a[1:]),
     "ratio": lambda *a: ratio(a[0], a[1:]), "table": lambda *a: table(a),
     "kbias": lambda *a: kbias(a[0], a[1], a[2], a[3:]), "lyap": lambda *a: lyap(a[0], a[1:])}[cmd](*args)
