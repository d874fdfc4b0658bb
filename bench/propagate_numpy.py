#!/usr/bin/python3
"""NumPy doing the work of bench_propagate, for comparison in the same run.

  propagate_numpy.py [SECONDS]           measurements as CSV lines
  propagate_numpy.py --report OURS NUMPY  the combined table (markdown)
  propagate_numpy.py --serve              reads "N B L" lines, answers the
                                          seconds of one run each (for the
                                          paired runs of bench_propagate)

Per layer, like dnncrit: draw the layer's Gaussian weights, scale them,
GEMM (H = Phi W^T + b, NumPy's BLAS), tanh, and the per-layer q and mean
pairwise cosine. NumPy's generator is single-threaded; its GEMM uses the
BLAS threads.
"""
import sys
import time

import numpy as np

BUDGET = 0.3


def best_time(f):
    best, start, reps = float("inf"), time.perf_counter(), 0
    while reps < 2 or time.perf_counter() - start < BUDGET:
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
        reps += 1
    return best


def depth_for(n, b):
    per_layer = n * n if b <= 16 else 2.0 * b * n * n / 512
    return max(2, round(2**26 / per_layer))


def propagate(rng, n, b, depth, sigma_w=1.2, sigma_b=0.1):
    x = rng.standard_normal((b, n))
    flops = 0.0
    for _ in range(depth):
        w = rng.standard_normal((n, n))
        w *= sigma_w / np.sqrt(n)
        bias = sigma_b * rng.standard_normal(n)
        h = x @ w.T + bias
        flops += 2.0 * b * n * n
        q = np.mean(h * h)
        g = h @ h.T
        norms = np.sqrt(np.diag(g))
        cos = g / np.outer(norms, norms)
        c = (cos.sum() - np.trace(cos)) / (b * (b - 1))
        x = np.tanh(h)
    return flops, q, c


def measure():
    rng = np.random.default_rng(1)
    n = 1 << 24
    t = best_time(lambda: rng.standard_normal(n))
    print(f"numpy_normals_generator,0,0,{n / t:.4g},samples/s")
    t = best_time(lambda: np.random.standard_normal(n))
    print(f"numpy_normals_legacy,0,0,{n / t:.4g},samples/s")
    for k in range(8, 13):
        width = 1 << k
        for b in (2, 256):
            depth = depth_for(width, b)
            out = {}

            def run():
                out["flops"] = propagate(rng, width, b, depth)[0]

            t = best_time(run)
            print(f"numpy_propagate_gflops,{width},{b},{out['flops'] / t * 1e-9:.4g},GFLOP/s")
            print(f"numpy_propagate_weights,{width},{b},{width * width * depth / t:.4g},weights/s")
        sys.stdout.flush()


def load(path):
    rows = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        what, width, batch, value, _unit = line.strip().split(",", 4)
        rows[(what, int(width), int(batch))] = float(value)
    return rows


def paired_report(ours):
    def cell(what, n, b, fmt="{:.2f}"):
        if (what, n, b) not in ours:
            return "n/a"
        m, lo, hi = (ours[(what + s, n, b)] for s in ("", "_lo", "_hi"))
        return f"{fmt.format(m)} ({fmt.format(lo)}-{fmt.format(hi)})"

    pct = "{:.0%}"
    print("\nPaired, interleaved (A, B, A, B, ... in one process; median and range over the pairs):\n")
    print(f"DGEMM (OpenBLAS, n = 2048) GFLOP/s: 1 thread {cell('paired_dgemm_gflops_t1', 2048, 0, '{:.1f}')}, "
          f"2 threads {cell('paired_dgemm_gflops_t2', 2048, 0, '{:.1f}')}\n")
    print("| width N | batch B | product | threads | propagation rate / DGEMM rate at the same thread count "
          "| the same, --normals ziggurat |")
    print("|---:|---:|---|---:|---:|---:|")
    for n in (1024, 2048):
        for prod in ("openblas", "portable"):
            for t in (1, 2):
                print(f"| {n} | 256 | {prod} | {t} | {cell(f'paired_dgemm_fraction_{prod}_t{t}', n, 256, pct)} "
                      f"| {cell(f'paired_dgemm_fraction_{prod}_t{t}_ziggurat', n, 256, pct)} |")
    dg1 = ours.get(("paired_dgemm_gflops_t1", 2048, 0))
    for key, name in (("normals_threads_1", "Box-Muller"), ("normals_ziggurat_threads_1", "ziggurat")):
        gen1 = ours.get((key, 0, 0))
        if gen1 and dg1:
            # per weight: 2 B flops at the DGEMM rate, plus one Gaussian draw
            t_gemm, t_gen = 2 * 256 / (dg1 * 1e9), 1 / gen1
            print(f"\nCeiling set by drawing the weights alone ({name}, B = 256, one thread): a weight costs "
                  f"{t_gemm * 1e9:.1f} ns of DGEMM (2 B flops at {dg1:.1f} GFLOP/s) and {t_gen * 1e9:.1f} ns "
                  f"to draw ({gen1:.3g} normals/s), so at most {t_gemm / (t_gemm + t_gen):.0%} of the DGEMM rate "
                  "before any other cost.")
    print("\n| width N | batch B | product | time(Box-Muller weights) / time(ziggurat weights), 1 thread |")
    print("|---:|---:|---|---:|")
    for n, b in ((512, 2), (1024, 256)):
        for prod in ("openblas", "portable"):
            print(f"| {n} | {b} | {prod} | {cell(f'paired_box_muller_over_ziggurat_{prod}_t1', n, b)} |")
    print("\n| width N | batch B | product | time(1 thread) / time(2 threads) | same, beside an extra busy-loop process |")
    print("|---:|---:|---|---:|---:|")
    for n, b in ((512, 2), (1024, 256)):
        for prod in ("openblas", "portable"):
            print(f"| {n} | {b} | {prod} | {cell(f'paired_t1_over_t2_{prod}_idle', n, b)} "
                  f"| {cell(f'paired_t1_over_t2_{prod}_busy', n, b)} |")
    print("\n| width N | batch B | time(NumPy) / time(dnncrit 1 thread) | time(NumPy) / time(dnncrit 2 threads) |")
    print("|---:|---:|---:|---:|")
    for n, b in ((512, 2), (1024, 256)):
        print(f"| {n} | {b} | {cell('paired_numpy_over_dnncrit_t1', n, b)} | {cell('paired_numpy_over_dnncrit_t2', n, b)} |")


def report(ours_path, numpy_path):
    ours, npy = load(ours_path), load(numpy_path)
    peak = ours[("dgemm_peak", 2048, 0)]
    speak = ours.get(("sgemm_peak", 2048, 0), float("nan"))
    bw = ours[("triad_bandwidth", 0, 0)]
    print(f"Machine yardsticks (same run): DGEMM peak {peak:.1f} GFLOP/s, SGEMM {speak:.1f} GFLOP/s "
          f"(OpenBLAS, n = 2048), triad bandwidth {bw:.1f} GB/s\n")
    print("| width N | batch B | OpenBLAS backend GFLOP/s | of DGEMM peak | portable backend "
          "GFLOP/s | of DGEMM peak | NumPy GFLOP/s | OpenBLAS / NumPy | portable / NumPy |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k in range(8, 13):
        n = 1 << k
        for b in (2, 256):
            g = ours[("propagate_gflops_openblas", n, b)]
            p = ours[("propagate_gflops_portable", n, b)]
            ng = npy[("numpy_propagate_gflops", n, b)]
            print(f"| {n} | {b} | {g:.2f} | {100 * g / peak:.0f}% | {p:.2f} | {100 * p / peak:.0f}% "
                  f"| {ng:.2f} | {g / ng:.2f} | {p / ng:.2f} |")
    print("\n| width N | batch B | OpenBLAS backend weights/s | portable weights/s | NumPy weights/s |")
    print("|---:|---:|---:|---:|---:|")
    for k in range(8, 13):
        n = 1 << k
        for b in (2, 256):
            print(f"| {n} | {b} | {ours[('propagate_weights_openblas', n, b)]:.3g} "
                  f"| {ours[('propagate_weights_portable', n, b)]:.3g} "
                  f"| {npy[('numpy_propagate_weights', n, b)]:.3g} |")
    th = [key for key in ours if key[0].startswith("normals_threads_") and key[0] != "normals_threads_1"]
    ours_all = ours[th[0]] if th else float("nan")
    threads = th[0][0].rsplit("_", 1)[1] if th else "?"
    ours_one = ours[("normals_threads_1", 0, 0)]
    gen = npy[("numpy_normals_generator", 0, 0)]
    legacy = npy[("numpy_normals_legacy", 0, 0)]
    print("\n| Gaussian samples/s | value | dnncrit / this |")
    print("|---|---:|---:|")
    print(f"| dnncrit dnc_normal_fill, {threads} threads | {ours_all:.3g} | 1 |")
    print(f"| dnncrit dnc_normal_fill, 1 thread | {ours_one:.3g} | {ours_all / ours_one:.2f} |")
    zig_one = ours.get(("normals_ziggurat_threads_1", 0, 0))
    if zig_one:
        print(f"| dnncrit ziggurat (dnc_ziggurat_fill_at), 1 thread | {zig_one:.3g} | {ours_all / zig_one:.2f} |")
    print(f"| numpy default_rng().standard_normal | {gen:.3g} | {ours_all / gen:.2f} |")
    print(f"| numpy.random.standard_normal (legacy) | {legacy:.3g} | {ours_all / legacy:.2f} |")
    paired_report(ours)
    frac = ours_all * 8e-9 / bw
    print(f"\nWriting the samples at {ours_all * 8e-9:.2f} GB/s uses {100 * frac:.0f}% of the triad "
          "bandwidth: generation is compute-bound, not memory-bound (and inside dnncrit "
          "propagation the weights never leave the cache).")


def serve():
    rng = np.random.default_rng(1)
    for line in sys.stdin:
        n, b, depth = (int(v) for v in line.split())
        t0 = time.perf_counter()
        propagate(rng, n, b, depth)
        print(f"{time.perf_counter() - t0:.6f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--serve":
        serve()
    elif len(sys.argv) == 4 and sys.argv[1] == "--report":
        report(sys.argv[2], sys.argv[3])
    else:
        if len(sys.argv) > 1:
            BUDGET = float(sys.argv[1])
        measure()
