#!/usr/bin/python3
"""NumPy reference for bench_cnn.c: the same periodic convolutions
(B inputs, C_in -> C_out channels, odd kernel k, 1D or 2D) done the NumPy way.

usage: bench_cnn.py [--cpu-time] dims,cin,cout,k,lx,ly,B [...]
--cpu-time: time with time.thread_time() (one BLAS thread: all work is in this thread).
prints per shape: "<shape> <GFLOP/s im2col+matmul> <GFLOP/s shift-and-matmul>".
Thread count: set OPENBLAS_NUM_THREADS (bench_cnn.c does)."""
import sys
import time

import numpy as np


def taps(dims, k):
    r = (k - 1) // 2
    if dims == 1:
        return [(0, tx - r) for tx in range(k)]
    return [(ty - r, tx - r) for ty in range(k) for tx in range(k)]


def shifted(x, dy, dx):
    # y[..., y, x] = x[..., y + dy, x + dx] with periodic wrap
    return np.roll(np.roll(x, -dy, axis=-2), -dx, axis=-1)


def conv_im2col(W, b, x, dims, k):
    B, cin, ly, lx = x.shape
    cols = np.stack([shifted(x, dy, dx) for dy, dx in taps(dims, k)], axis=2)
    cols = cols.reshape(B, cin * len(taps(dims, k)), ly * lx)
    return (W @ cols + b[:, None]).reshape(B, -1, ly, lx)


def conv_shift(W, b, x, dims, k):
    B, cin, ly, lx = x.shape
    Wt = W.reshape(W.shape[0], cin, -1)
    out = np.broadcast_to(b[:, None], (W.shape[0], ly * lx)).copy()
    out = np.repeat(out[None], B, axis=0)
    for t, (dy, dx) in enumerate(taps(dims, k)):
        out += Wt[:, :, t] @ shifted(x, dy, dx).reshape(B, cin, ly * lx)
    return out.reshape(B, -1, ly, lx)


CLOCK = time.perf_counter


def best_time(fn, min_total=0.3, min_reps=10):
    best, total, reps = float("inf"), 0.0, 0
    while reps < min_reps or total < min_total:
        t0 = CLOCK()
        fn()
        dt = CLOCK() - t0
        best, total, reps = min(best, dt), total + dt, reps + 1
    return best


def main():
    global CLOCK
    args = sys.argv[1:]
    if args and args[0] == "--cpu-time":
        CLOCK = time.thread_time
        args = args[1:]
    rng = np.random.default_rng(1)
    for spec in args:
        dims, cin, cout, k, lx, ly, B = (int(v) for v in spec.split(","))
        ly = ly if dims == 2 else 1
        T = k ** dims
        W = rng.standard_normal((cout, cin * T))
        b = rng.standard_normal(cout)
        x = rng.standard_normal((B, cin, ly, lx))
        a = conv_im2col(W, b, x, dims, k)
        s = conv_shift(W, b, x, dims, k)
        assert np.allclose(a, s, atol=1e-10), "numpy variants disagree"
        flops = 2.0 * cout * cin * T * lx * ly * B
        t1 = best_time(lambda: conv_im2col(W, b, x, dims, k))
        t2 = best_time(lambda: conv_shift(W, b, x, dims, k))
        print(spec, flops / t1 * 1e-9, flops / t2 * 1e-9, flush=True)


if __name__ == "__main__":
    main()
