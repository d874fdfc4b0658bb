#!/usr/bin/python3
"""The acceptance test of `dnncrit propagate --weights` (issue 16): networks
with non-Gaussian weights written by NumPy (safetensors by hand with numpy +
json + struct; .npz by np.savez / np.savez_compressed; .npy by np.save), then
per-layer q and rho from dnncrit against an independent NumPy forward pass:
    h^1 = W^1 x + b^1,  h^l = W^l phi(h^{l-1}) + b^l,
    rho^l = 1 - mean over input pairs of cos(h_a^l, h_b^l),
    q^l = mean over inputs of |h^l|^2 / N.
Tolerance 1e-6 (the issue's): both sides are float64 products of the same
numbers, differing only in summation order (relative ~1e-15 per layer, a few
layers deep), so a wrong layer order, transposition, bias or activation shows
as a difference of order 1e-2 or more. Also a trained model saved by
`dnncrit train --save` loads in PyTorch when torch is installed (else that
part is skipped and said so).
Usage: weights_numpy_check.py DNCRIT_BIN SOURCE_DIR   (exit 77: skipped)"""
import csv
import importlib.util
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIP: numpy not available")
    sys.exit(77)

sys.path.insert(0, os.path.join(sys.argv[2], "examples"))
from make_mlp_tanh import write_safetensors  # noqa: E402

BIN = sys.argv[1]
TOL = 1e-6
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def act(name, h):
    return {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0), "linear": lambda x: x}[name](h)


def reference(layers, X, activation):
    """q, rho per layer from (W, b) pairs, the inputs X (B x n0)."""
    qs, rhos, a = [], [], X
    for l, (W, b) in enumerate(layers):
        h = a @ W.T + b
        n = np.linalg.norm(h, axis=1)
        cos = (h @ h.T) / np.outer(n, n)
        B = h.shape[0]
        iu = np.triu_indices(B, 1)
        qs.append(np.mean(np.sum(h * h, axis=1) / h.shape[1]))
        rhos.append(1 - np.mean(cos[iu]))
        a = act(activation, h)
    return np.array(qs), np.array(rhos)


def run(args, expect_rc=0):
    p = subprocess.run([BIN] + args, capture_output=True, text=True)
    check(p.returncode == expect_rc,
          f"{' '.join(args)}: exit {p.returncode}, expected {expect_rc}: {p.stderr.strip()}")
    return p


def dnncrit_layers(tmp, wfile, xfile, activation, extra=()):
    out = os.path.join(tmp, "p")
    run(["propagate", "--weights", wfile, "--inputs", xfile, "--activation", activation,
         "--quiet", "--out", out] + list(extra))
    with open(out + ".csv") as f:
        rows = list(csv.DictReader(f))
    return np.array([float(r["q"]) for r in rows]), np.array([float(r["rho"]) for r in rows])


def compare(tmp, name, wfile, layers, X, activation, extra=()):
    xfile = os.path.join(tmp, "x.csv")
    np.savetxt(xfile, X, delimiter=",", fmt="%.17g")
    q, rho = dnncrit_layers(tmp, wfile, xfile, activation, extra)
    q_ref, rho_ref = reference(layers, X, activation)
    ok = len(rho) == len(rho_ref)
    err = np.max(np.abs(rho - rho_ref)) if ok else np.inf
    qerr = np.max(np.abs(q - q_ref) / q_ref) if ok else np.inf
    print(f"{name}: {len(rho_ref)} layers, max |rho - rho_numpy| = {err:.2e}, "
          f"max rel |q - q_numpy| = {qerr:.2e}")
    check(ok and err <= TOL and qerr <= TOL, f"{name}: rho/q differ from NumPy")


def network(rng, widths, kind):
    """Non-Gaussian weights: uniform, Laplace, or sparse (80% zeros) with
    mean-shifted biases."""
    layers = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        if kind == "uniform":
            a = 1.3 * np.sqrt(3.0 / n_in)
            W = rng.uniform(-a, a, (n_out, n_in))
        elif kind == "laplace":
            W = rng.laplace(0, 1.1 / np.sqrt(2 * n_in), (n_out, n_in))
        else:
            W = rng.standard_normal((n_out, n_in)) * (rng.random((n_out, n_in)) < 0.2)
            W *= 2.0 / np.sqrt(n_in)
        layers.append((W, 0.2 + 0.1 * rng.standard_normal(n_out)))
    return layers


def torch_names(layers):
    out = []
    for k, (W, b) in enumerate(layers):
        out += [(f"{2 * k}.weight", W), (f"{2 * k}.bias", b)]
    return out


def main():
    rng = np.random.default_rng(16)
    with tempfile.TemporaryDirectory() as tmp:
        X = rng.standard_normal((5, 12))
        # safetensors F64: exact, three weight laws, three activations
        for kind, activation in (("uniform", "tanh"), ("laplace", "relu"), ("sparse", "tanh"),
                                 ("uniform", "linear")):
            layers = network(rng, [12, 40, 40, 40, 40, 40, 40], kind)
            f = os.path.join(tmp, "net.safetensors")
            write_safetensors(f, torch_names(layers), "F64")
            compare(tmp, f"safetensors F64 {kind} {activation}", f, layers, X, activation)
        # two inputs, the case; the portable product too
        layers = network(rng, [12, 30, 30, 30], "laplace")
        f = os.path.join(tmp, "two.safetensors")
        write_safetensors(f, torch_names(layers), "F64")
        compare(tmp, "safetensors F64, two inputs", f, layers, X[:2], "tanh")
        compare(tmp, "safetensors F64, portable product", f, layers, X, "tanh",
                ["--product", "portable"])
        # F32 and F16: the reference uses the rounded values the file holds
        for dt, npdt in (("F32", np.float32), ("F16", np.float16)):
            layers = network(rng, [12, 24, 24, 24], "uniform")
            f = os.path.join(tmp, f"net_{dt}.safetensors")
            write_safetensors(f, torch_names(layers), dt)
            rounded = [(W.astype(npdt).astype(np.float64), b.astype(npdt).astype(np.float64))
                       for W, b in layers]
            compare(tmp, f"safetensors {dt}", f, rounded, X, "tanh")
        # BF16 by hand: the top 16 bits of the float32 (truncation)
        layers = network(rng, [12, 24, 24], "uniform")
        bf = [(f"{2 * k}.{n}", a) for k, (W, b) in enumerate(layers)
              for n, a in (("weight", W), ("bias", b))]
        header, blobs, off, rounded = {}, [], 0, []
        for name, a in bf:
            bits = (a.astype("<f4").view("<u4") >> 16).astype("<u2")
            blob = bits.tobytes()
            header[name] = {"dtype": "BF16", "shape": list(a.shape),
                            "data_offsets": [off, off + len(blob)]}
            blobs.append(blob)
            off += len(blob)
            rounded.append((bits.astype("<u4") << 16).view("<f4").astype(np.float64))
        import json
        h = json.dumps(header).encode()
        f = os.path.join(tmp, "bf16.safetensors")
        with open(f, "wb") as fp:
            fp.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
        compare(tmp, "safetensors BF16", f, list(zip(rounded[0::2], rounded[1::2])), X, "tanh")
        # a Sequential inside a module ("net.0.weight", ...), other tensors beside it
        layers = network(rng, [12, 20, 20, 20], "laplace")
        f = os.path.join(tmp, "prefixed.safetensors")
        write_safetensors(f, [("net." + n, a) for n, a in torch_names(layers)]
                          + [("scale", np.ones(3))], "F64")
        compare(tmp, "safetensors, prefixed names net.K.weight", f, layers, X, "tanh")
        # .npz: stored and deflated, torch names and W0/b0 names
        layers = network(rng, [12, 32, 32, 32, 32], "sparse")
        f = os.path.join(tmp, "net.npz")
        np.savez(f, **{n: a for n, a in torch_names(layers)})
        compare(tmp, "npz (stored), 0.weight names", f, layers, X, "tanh")
        f = os.path.join(tmp, "netc.npz")
        wb = {}
        for k, (W, b) in enumerate(layers):
            wb[f"W{k}"], wb[f"b{k}"] = W.astype(np.float32), b.astype(np.float32)
        np.savez_compressed(f, **wb)
        rounded = [(W.astype(np.float32).astype(np.float64), b.astype(np.float32).astype(np.float64))
                   for W, b in layers]
        compare(tmp, "npz (deflated), W0/b0 names, float32", f, rounded, X, "tanh")
        # .npy: one layer, zero bias; Fortran order
        W = rng.uniform(-1, 1, (20, 12))
        f = os.path.join(tmp, "one.npy")
        np.save(f, np.asfortranarray(W))
        compare(tmp, "npy (Fortran order), one layer", f, [(W, np.zeros(20))], X, "tanh")
        # a readout of another width is left out, with a note
        layers = network(rng, [12, 32, 32, 10], "uniform")
        f = os.path.join(tmp, "readout.safetensors")
        write_safetensors(f, torch_names(layers), "F64")
        compare(tmp, "readout dropped", f, layers[:2], X, "tanh")
        # unequal hidden widths: a clear error
        layers = network(rng, [12, 32, 16, 16], "uniform")
        write_safetensors(f, torch_names(layers), "F64")
        p = run(["propagate", "--weights", f, "--quiet", "--out", os.path.join(tmp, "u")], 1)
        check("hidden widths differ" in p.stderr, "unequal widths message: " + p.stderr)
        torch_check(tmp, X)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all checks passed")
    return 0


def torch_check(tmp, X):
    """train --save, then (with torch) the file as a PyTorch state dict."""
    if importlib.util.find_spec("torch") is None:
        print("SKIP (part): torch not installed; the saved model is checked by the C tests")
        return
    import torch  # pragma: no cover (not installed on the CI machines)
    # reading with our own parser keeps the check free of the safetensors package
    import json
    f = os.path.join(tmp, "trained.safetensors")
    data_dir = os.environ.get("DNNCRIT_TRAIN_DATA")
    if not data_dir:
        print("SKIP (part): DNNCRIT_TRAIN_DATA not set")
        return
    run(["train", "--dataset-dir", data_dir, "--train-size", "200", "--test-size", "100",
         "--width", "16", "--depth", "2", "--epochs", "1", "--quiet", "--save", f,
         "--out", os.path.join(tmp, "t")])
    raw = open(f, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    hdr = json.loads(raw[8:8 + n])
    sd = {k: torch.from_numpy(np.frombuffer(raw[8 + n + v["data_offsets"][0]:
                                                8 + n + v["data_offsets"][1]],
                                            dtype="<f4").reshape(v["shape"]).copy())
          for k, v in hdr.items() if k != "__metadata__"}
    model = torch.nn.Sequential(torch.nn.Linear(784, 16), torch.nn.Tanh(),
                                torch.nn.Linear(16, 16), torch.nn.Tanh(),
                                torch.nn.Linear(16, 10))
    model.load_state_dict(sd)
    print("torch: loaded the trained model's state dict")


if __name__ == "__main__":
    sys.exit(main())
