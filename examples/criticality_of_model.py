#!/usr/bin/env python3
"""How critical is a trained (or any) MLP? Loads a PyTorch state dict saved as
safetensors (an nn.Sequential of Linear layers: 0.weight, 0.bias, 2.weight, ...)
and measures its signal propagation with dnncrit, beside random networks of
the same weight scale.

    PYTHONPATH=python DNNCRIT_LIB=build/src/libdnncrit.so \\
        /usr/bin/python3 examples/criticality_of_model.py examples/mlp_tanh.safetensors tanh

Prints, per Linear layer, the weight scale sigma_w = std(W) sqrt(fan_in) and
the bias scale, the mean-field chi_1 those scales would give Gaussian weights,
rho(l) of the model beside the mean over random networks with the same scales,
and the Lyapunov exponent of both (the model's error is over its layers; the
random networks' over networks). A state dict from torch: save it with
safetensors.torch.save_file(model.state_dict(), "model.safetensors")."""

import json
import struct
import sys

import numpy as np

import dnncrit


def read_safetensors(path):
    """name -> numpy array (F32/F64), by the format's definition: an 8-byte
    little-endian header length, a JSON header, then the raw data."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": "<f4", "F64": "<f8"}.get(t["dtype"])
        if dtype is None:
            continue  # F16/BF16: dnncrit reads them, this summary skips them
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=dtype).reshape(t["shape"])
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "examples/mlp_tanh.safetensors"
    act = sys.argv[2] if len(sys.argv) > 2 else "tanh"
    tensors = read_safetensors(path)
    layers = sorted({int(k.split(".")[-2]) for k in tensors if k.endswith(".weight")})
    print(f"{path}: {len(layers)} Linear layers, activation {act}")
    scales = []
    for i in layers:
        W, b = tensors[f"{i}.weight"], tensors[f"{i}.bias"]
        sw, sb = W.std() * np.sqrt(W.shape[1]), b.std()
        scales.append((sw, sb))
        print(f"  layer {i:>3}: {W.shape[0]:>5} x {W.shape[1]:<5} sigma_w = {sw:.3f}, "
              f"sigma_b = {sb:.3f}")
    sw = float(np.mean([s[0] for s in scales[:-1]] or [scales[0][0]]))
    sb = float(np.mean([s[1] for s in scales[:-1]] or [scales[0][1]]))
    mf = dnncrit.meanfield(act, sw, sb)
    crit = dnncrit.critical_sigma_w(act, sb)
    print(f"mean scale sigma_w = {sw:.3f}, sigma_b = {sb:.3f}: as Gaussian weights, "
          f"chi_1 = {mf['chi_1']:.3f} ({mf['phase']}; critical sigma_w = {crit:.3f})")

    model = dnncrit.propagate(weights=path, activation=act, batch=16, input_c=0.5,
                              lyapunov=True)
    L, N = len(model["rho"]), None
    width = int(tensors[f"{layers[0]}.weight"].shape[0])
    n0 = int(tensors[f"{layers[0]}.weight"].shape[1])
    rand = dnncrit.propagate(width=width, input_width=n0, depth=L, sigma_w=sw, sigma_b=sb,
                             activation=act, batch=16, input_c=0.5, lyapunov=True,
                             networks=32)
    print(f"{'layer':>6} {'rho model':>10} {'rho random':>18}")
    for l in range(L):
        print(f"{l + 1:>6} {model['rho'][l]:>10.4f} {rand['rho'][l]:>10.4f} "
              f"+- {rand['rho_err'][l]:.4f}")
    lam = model["lyapunov"]
    lam_err = np.std(model["lyap"], ddof=1) / np.sqrt(L) if L > 1 else float("nan")
    print(f"Lyapunov exponent: model {lam:+.4f} +- {lam_err:.4f} (over its {L} layers); "
          f"random {rand['lyapunov']:+.4f} +- {rand['lyapunov_err']:.4f} (over 32 networks)")
    side = ("chaotic" if lam > 2 * lam_err else "ordered" if lam < -2 * lam_err
            else "critical within 2 standard errors")
    print(f"the model is {side}")


if __name__ == "__main__":
    main()
