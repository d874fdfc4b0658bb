#!/usr/bin/python3
"""Writes examples/mlp_tanh.safetensors: a small PyTorch-style nn.Sequential
(Linear 8->16, then five Linear 16->16, then the readout Linear 16->4, a Tanh
between each two) with deliberately non-Gaussian
weights (uniform, variance sigma_w^2/fan_in with sigma_w = 1.2, biases uniform
with standard deviation 0.1), and examples/inputs8.csv (4 inputs of width 8,
correlation 0.5 in expectation).

The safetensors format is written by hand (numpy + json + struct), so neither
torch nor the safetensors package is needed:
    8-byte little-endian header length, JSON header, raw little-endian data.
Run from the repository root:  /usr/bin/python3 examples/make_mlp_tanh.py
"""
import json
import struct
import sys

import numpy as np


def write_safetensors(path, tensors, dtype="F32"):
    """tensors: list of (name, array); dtype F32 or F64."""
    np_dtype = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}[dtype]
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, a in tensors:
        b = np.ascontiguousarray(a, dtype=np_dtype).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def sequential(widths, sigma_w, sigma_b, rng):
    """Linear layers at indices 0, 2, 4, ... (an activation between them)."""
    out = []
    for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        a = sigma_w * np.sqrt(3.0 / n_in)  # uniform(-a, a): variance sigma_w^2 / n_in
        out.append((f"{2 * k}.weight", rng.uniform(-a, a, (n_out, n_in))))
        out.append((f"{2 * k}.bias", rng.uniform(-1, 1, n_out) * sigma_b * np.sqrt(3.0)))
    return out


if __name__ == "__main__":
    rng = np.random.default_rng(2026)
    prefix = sys.argv[1] if len(sys.argv) > 1 else "examples/"
    write_safetensors(prefix + "mlp_tanh.safetensors",
                      sequential([8, 16, 16, 16, 16, 16, 16, 4], 1.2, 0.1, rng))
    # 4 inputs with correlation 0.5: a shared part and a private part each
    x = np.sqrt(0.5) * rng.standard_normal(8) + np.sqrt(0.5) * rng.standard_normal((4, 8))
    np.savetxt(prefix + "inputs8.csv", x, delimiter=",", fmt="%.17g")
