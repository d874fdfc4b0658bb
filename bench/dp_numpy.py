#!/usr/bin/python3
"""The five-line NumPy bond DP 1+1 (Domany-Kinzel form, as `dnncrit dp --model bond1d`):
site i at t+1 has parents i, i+1 (periodic) and is active with p1 = p (one active parent)
or p2 = p(2 - p) (two), from a fully active lattice.

  dp_numpy.py L TMAX RUNS [P] [SEED]

prints one JSON line: site_updates, seconds (wall, loop only), cpu_seconds (process CPU,
loop only), rho (final density, mean over runs) for comparison with dnncrit's output.
"""
import json
import sys
import time

import numpy as np


def run(L, tmax, p, rng):
    s, thr = np.ones(L, dtype=np.int8), np.array([0.0, p, p * (2 - p)])  # the five lines:
    for _ in range(tmax):
        n = s + np.roll(s, -1)
        s = (rng.random(L) < thr[n]).astype(np.int8)
    return s.mean()


def main():
    L, tmax, runs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    p = float(sys.argv[4]) if len(sys.argv) > 4 else 0.644700185
    rng = np.random.default_rng(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    w0, c0 = time.perf_counter(), time.process_time()
    rho = sum(run(L, tmax, p, rng) for _ in range(runs)) / runs
    w1, c1 = time.perf_counter(), time.process_time()
    print(json.dumps({"site_updates": float(L) * tmax * runs, "seconds": w1 - w0,
                      "cpu_seconds": c1 - c0, "rho": float(rho)}))


if __name__ == "__main__":
    main()
