#!/usr/bin/python3
"""NumPy reference for bench_train.c: the same MLP SGD step (784 -> depth x
width tanh -> 10 logits, softmax cross-entropy, SGD with momentum 0.9) in
float32, written the usual NumPy way (matmul forward and backward).

usage: train_numpy.py width,depth,batch [...]
prints per configuration: "<width> <depth> <batch> <samples/s>".
Thread count: set OPENBLAS_NUM_THREADS (bench_train.c does)."""
import sys
import time

import numpy as np


def make_model(rng, width, depth, sigma_w=1.0, sigma_b=0.05):
    sizes = [784] + [width] * depth + [10]
    Ws, bs = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        Ws.append((rng.standard_normal((fan_out, fan_in)) * sigma_w / np.sqrt(fan_in)).astype(np.float32))
        bs.append((rng.standard_normal(fan_out) * sigma_b).astype(np.float32))
    return Ws, bs


def sgd_step(Ws, bs, vW, vb, x, y, lr=np.float32(0.01), mu=np.float32(0.9)):
    acts, derivs = [x], []
    a = x
    for l, (W, b) in enumerate(zip(Ws, bs)):
        h = a @ W.T + b
        if l < len(Ws) - 1:
            a = np.tanh(h)
            derivs.append(1 - a * a)
            acts.append(a)
        else:
            z = h
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    B = x.shape[0]
    loss = -np.log(p[np.arange(B), y]).mean()
    delta = p
    delta[np.arange(B), y] -= 1
    delta /= B
    for l in range(len(Ws) - 1, -1, -1):
        gW = delta.T @ acts[l]
        gb = delta.sum(axis=0)
        if l > 0:
            delta = (delta @ Ws[l]) * derivs[l - 1]
        vW[l] *= mu
        vW[l] += gW
        Ws[l] -= lr * vW[l]
        vb[l] *= mu
        vb[l] += gb
        bs[l] -= lr * vb[l]
    return loss


def bench(width, depth, batch, min_seconds=1.0):
    rng = np.random.default_rng(1)
    Ws, bs = make_model(rng, width, depth)
    vW = [np.zeros_like(W) for W in Ws]
    vb = [np.zeros_like(b) for b in bs]
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    sgd_step(Ws, bs, vW, vb, x, y)  # warm-up
    steps, t0 = 0, time.perf_counter()
    while True:
        sgd_step(Ws, bs, vW, vb, x, y)
        steps += 1
        el = time.perf_counter() - t0
        if el >= min_seconds and steps >= 3:
            return steps * batch / el


def main():
    for spec in sys.argv[1:]:
        width, depth, batch = (int(v) for v in spec.split(","))
        print(width, depth, batch, bench(width, depth, batch), flush=True)


if __name__ == "__main__":
    main()
