#!/usr/bin/python3
"""DP simulator benchmark: `dnncrit dp --impl scalar`, `--impl multispin` and the five-line
NumPy bond DP 1+1 (bench/dp_numpy.py) on the same lattices, in paired interleaved runs.

  bench/bench_dp.py [BUILD_DIR] [REPS]      (default build, 5)

Every repetition runs scalar, multispin and NumPy once (the order reverses on odd
repetitions, so a drift in the machine's load hits both sides alike); ratios are formed
within a repetition and the table gives their median and [min, max]. Rates: site updates per
second of wall time in the simulation loop (dnncrit's run record, NumPy's loop) and per CPU
second of the whole process (dnncrit: getrusage of the child; NumPy: process time of the
loop), one thread each; on a loaded machine the CPU rate is the per-core figure. NumPy runs
bond1d only (the five-line version); its row is empty for the other models.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [  # model, dnncrit arguments (same work for every implementation)
    ("bond1d", ["--model", "bond1d", "--L", "65536", "--tmax", "1000", "--samples", "3"]),
    ("site1d", ["--model", "site1d", "--L", "65536", "--tmax", "1000", "--samples", "3"]),
    ("bond2d", ["--model", "bond2d", "--L", "256", "--tmax", "1000", "--samples", "3"]),
]


def run_dnncrit(binary, args, impl, tmp):
    out = os.path.join(tmp, "dp")
    proc = subprocess.Popen([binary, "dp", *args, "--impl", impl, "--threads", "1", "--quiet",
                             "--out", out])
    _, status, ru = os.wait4(proc.pid, 0)
    if status:
        sys.exit(f"bench_dp: dnncrit dp --impl {impl} failed")
    with open(out + ".json") as f:
        res = json.load(f)["results"]
    n = res["site_updates"]
    return n / (n / res["site_updates_per_s"]), n / (ru.ru_utime + ru.ru_stime)


def run_numpy(args):
    kv = dict(zip(args[::2], args[1::2]))
    line = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "dp_numpy.py"), kv["--L"],
                           kv["--tmax"], kv["--samples"]], check=True, capture_output=True,
                          text=True).stdout
    r = json.loads(line)
    return r["site_updates"] / r["seconds"], r["site_updates"] / r["cpu_seconds"]


def fmt_ratio(v):
    return f"{statistics.median(v):.1f} [{min(v):.1f}, {max(v):.1f}]" if v else ""


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    binary = os.path.join(build, "dnncrit")
    with open("/proc/loadavg") as f:
        load0 = " ".join(f.read().split()[:3])
    print(f"load average before: {load0}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model, args in CASES:
            rate = {"scalar": [], "multispin": [], "numpy": []}
            for rep in range(reps):
                order = ["scalar", "multispin", "numpy"]
                if model != "bond1d":
                    order.remove("numpy")
                for impl in order if rep % 2 == 0 else order[::-1]:
                    rate[impl].append(run_numpy(args) if impl == "numpy"
                                      else run_dnncrit(binary, args, impl, tmp))
            rows.append((model, rate))
    print("\n| model | scalar wall (CPU) | multispin wall (CPU) | NumPy wall (CPU) | "
          "multispin / scalar | multispin / NumPy | scalar / NumPy |")
    print("|---|---|---|---|---|---|---|")
    for model, rate in rows:
        med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
               for k, v in rate.items() if v}
        cell = {k: f"{w:.2e} ({c:.2e})" for k, (w, c) in med.items()}

        def ratios(a, b, i):
            return [x[i] / y[i] for x, y in zip(rate[a], rate[b])]

        def both(a, b):
            if not rate[b]:
                return ""
            return f"{fmt_ratio(ratios(a, b, 0))} ({fmt_ratio(ratios(a, b, 1))})"
        print(f"| {model} | {cell['scalar']} | {cell['multispin']} | {cell.get('numpy', '')} | "
              f"{both('multispin', 'scalar')} | {both('multispin', 'numpy')} | "
              f"{both('scalar', 'numpy')} |")
    with open("/proc/loadavg") as f:
        print(f"\nload average after: {' '.join(f.read().split()[:3])}; site updates/s, median "
              f"of {reps}; ratios: median [min, max] of paired runs, wall (CPU)")


if __name__ == "__main__":
    main()
