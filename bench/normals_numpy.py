#!/usr/bin/python3
"""One Gaussian rate, samples/s, of NumPy's default_rng().standard_normal
(a ziggurat on PCG64) or the legacy numpy.random.standard_normal (polar
Box-Muller on MT19937): the best call of those that fit in 20 ms, as
bench_normals --once times dnncrit. usage: normals_numpy.py default|legacy N"""
import sys
import time

import numpy as np

kind, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
out = np.empty(n)
if kind == "default":
    call = lambda: rng.standard_normal(out=out)
else:
    call = lambda: np.random.standard_normal(n)
best, start, reps = float("inf"), time.perf_counter(), 0
while reps < 2 or time.perf_counter() - start < 0.02:
    t0 = time.perf_counter()
    call()
    best = min(best, time.perf_counter() - t0)
    reps += 1
print("%.6g" % (n / best))
