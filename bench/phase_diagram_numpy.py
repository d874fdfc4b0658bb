#!/usr/bin/python3
"""The obvious vectorised NumPy phase diagram, the comparison for
`dnncrit phase-diagram` (bench/run_phase_diagram.sh).

Every grid point at once: Gauss-Hermite quadrature with NODES nodes per
dimension (numpy.polynomial.hermite_e), the length map iterated to its fixed
point q* over the whole grid (fixed-point steps, then Newton), chi_1 =
sigma_w^2 E[phi'(sqrt(q*) z)^2], and on the chaotic points (in blocks) the
correlation map iterated to c* with the tensor-product rule in two
dimensions (20 fixed-point steps, then Newton on f(c) - c), xi_c = -1 / ln f'(c*) there and -1 / ln chi_1 on the
ordered side. Same CSV as dnncrit (sigma_b,sigma_w,q_star,chi_1,xi_c,
rho_star,phase). tanh only, as the benchmark's grid.

Usage: phase_diagram_numpy.py SB_LO SB_HI NB SW_LO SW_HI NW OUT.csv [NODES]
Prints the seconds the grid took (without interpreter start-up).
       phase_diagram_numpy.py --accuracy REF.csv A.csv [B.csv ...]
Worst relative deviation of each CSV from the reference on the reference's
grid points (matched to 1e-9): q_star where the reference has q* > 1e-12
(at sigma_b = 0 the marginal q* -> 0 is rounding noise), chi_1 everywhere,
rho_star and xi_c where the reference is chaotic (rho* > 0, finite xi_c),
and the number of points whose phase differs.
"""
import os
import sys
import time

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

TOL = 1e-13
MAXIT = 200
BLOCK = 64


def read_csv(path):
    rows = {}
    with open(path) as f:
        next(f)
        for line in f:
            v = line.strip().split(",")
            rows[(round(float(v[0]), 9), round(float(v[1]), 9))] = [float(x) for x in v[2:]]
    return rows


def accuracy(ref_path, paths):
    ref = read_csv(ref_path)
    print("%-12s %6s %10s %10s %10s %10s %8s" % ("file", "points", "q_star", "chi_1",
                                                   "rho_star", "xi_c", "phase!="))
    for path in paths:
        got = read_csv(path)
        worst = [0.0] * 4
        bad_phase = n = 0
        for key, r in ref.items():
            g = got.get(key)
            if g is None or np.isnan(r[4]):
                continue
            n += 1
            chaotic = r[4] == 1
            for i, (col, use) in enumerate([(0, r[0] > 1e-12 and np.isfinite(r[0])), (1, True),
                                            (3, chaotic and r[3] > 0),
                                            (2, chaotic and np.isfinite(r[2]))]):
                if use:
                    e = abs(g[col] - r[col]) / abs(r[col]) if np.isfinite(g[col]) else np.inf
                    worst[i] = max(worst[i], e)
            bad_phase += g[4] != r[4]
        print("%-12s %6d %10.2e %10.2e %10.2e %10.2e %8d" % (os.path.basename(path), n, *worst,
                                                             bad_phase))


def main():
    if sys.argv[1] == "--accuracy":
        accuracy(sys.argv[2], sys.argv[3:])
        return
    sb_lo, sb_hi, nb, sw_lo, sw_hi, nw = sys.argv[1:7]
    out = sys.argv[7]
    nodes = int(sys.argv[8]) if len(sys.argv) > 8 else 64
    sb = np.linspace(float(sb_lo), float(sb_hi), int(nb))
    sw = np.linspace(float(sw_lo), float(sw_hi), int(nw))
    t0 = time.perf_counter()
    z, wz = hermegauss(nodes)
    wz = wz / np.sqrt(2 * np.pi)  # E[g(z)] = sum wz g(z)
    SB, SW = np.meshgrid(sb, sw, indexing="ij")
    sb2 = SB.ravel() ** 2
    sw2 = SW.ravel() ** 2
    # length map: fixed-point steps, then Newton with chi_q = dq'/dq, only
    # on the points not yet converged
    q = np.ones_like(sb2)
    act = np.arange(q.size)
    for it in range(MAXIT):
        sq = np.sqrt(q[act])
        t = np.tanh(sq[:, None] * z)
        qn = sw2[act] * (t ** 2 @ wz) + sb2[act]
        if it >= 5:  # Newton on q' - q
            chiq = sw2[act] * ((t * (1 - t ** 2) * z) @ wz) / np.maximum(sq, 1e-300)
            step = (qn - q[act]) / (1 - chiq)
            qn = np.where((chiq < 1) & (q[act] + step > 0), q[act] + step, qn)
        done = np.abs(qn - q[act]) <= TOL * np.maximum(qn, 1e-300)
        q[act] = qn
        act = act[~done]
        if act.size == 0:
            break
    sq = np.sqrt(q)
    chi1 = sw2 * ((1 - np.tanh(sq[:, None] * z) ** 2) ** 2 @ wz)
    phase = np.where(np.abs(chi1 - 1) <= 1e-9, 0, np.where(chi1 < 1, -1, 1))
    rho = np.zeros_like(q)
    with np.errstate(divide="ignore"):
        xi = np.where(chi1 < 1, -1 / np.log(chi1), np.inf)
    w2 = np.outer(wz, wz)
    ch = np.nonzero(phase == 1)[0]
    for b in range(0, ch.size, BLOCK):  # blocks keep the (P, N, N) arrays small
        idx = ch[b:b + BLOCK]
        qc, sqc, sw2c, sb2c = q[idx], sq[idx], sw2[idx], sb2[idx]
        t1 = np.tanh(sqc[:, None, None] * z[None, :, None])
        d1 = 1 - t1 ** 2

        def cmap(c):
            s = np.sqrt(np.maximum(1 - c * c, 0))
            t2 = np.tanh(sqc[:, None, None] * (c[:, None, None] * z[None, :, None]
                                               + s[:, None, None] * z[None, None, :]))
            f = (sw2c * np.einsum("pij,pij,ij->p", t1, t2, w2) + sb2c) / qc
            df = sw2c * np.einsum("pij,pij,ij->p", d1, 1 - t2 ** 2, w2)
            return f, df

        # correlation map: fixed-point steps towards the stable c*, then
        # Newton on f(c) - c
        c = np.zeros_like(qc)
        for it in range(MAXIT):
            f, df = cmap(c)
            cn = f if it < 20 else c - (f - c) / (df - 1)
            cn = np.clip(cn, -1, 1)
            done = np.max(np.abs(cn - c)) <= TOL
            c = cn
            if done:
                break
        f, df = cmap(c)
        rho[idx] = 1 - c
        xi[idx] = -1 / np.log(df)
    elapsed = time.perf_counter() - t0
    with open(out, "w") as f:
        f.write("sigma_b,sigma_w,q_star,chi_1,xi_c,rho_star,phase\n")
        for k in range(q.size):
            f.write("%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%d\n" % (
                sb[k // sw.size], sw[k % sw.size], q[k], chi1[k], xi[k], rho[k], phase[k]))
    print("%.6f" % elapsed)


if __name__ == "__main__":
    main()
