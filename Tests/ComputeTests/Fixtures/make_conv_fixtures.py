#!/usr/bin/env python3
"""Writes conv2d_golden.json: one 2-D convolution with bias (stride 2, padding 1) and its three gradients.

These are numpy goldens, not PyTorch ones: torch is a 3 GB install, so the convolution is computed here from its
textbook definition (PyTorch's cross-correlation, zero padding) in float64. Inputs are drawn in float32 so the Swift
tests feed exactly the same numbers. PyTorch goldens for whole models come later, with the Backbones fixtures.

    y[n, o, i, j] = b[o] + sum_{c, u, v} w[o, c, u, v] * x[n, c, i*s - p + u, j*s - p + v]
    dx = the adjoint of that map applied to dy;  dw[o, c, u, v] = sum_{n, i, j} dy[n, o, i, j] * x[n, c, ...]
    db[o] = sum_{n, i, j} dy[n, o, i, j]

Run from anywhere: python3 Tests/ComputeTests/Fixtures/make_conv_fixtures.py
"""
import json
import os

import numpy as np

N, C, H, W = 2, 3, 7, 6
O, KH, KW = 4, 3, 3
STRIDE, PAD = 2, 1


def conv2d(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    xp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad))
    xp[:, :, pad:pad + h, pad:pad + wd] = x
    y = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]  # [n, c, kh, kw]
            y[:, :, i, j] = np.einsum("ncuv,ocuv->no", patch, w)
    return y + b[None, :, None, None]


def conv2d_backward(x, w, dy, stride, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = dy.shape[2:]
    xp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad))
    xp[:, :, pad:pad + h, pad:pad + wd] = x
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(oh):
        for j in range(ow):
            rows, cols = slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw)
            dxp[:, :, rows, cols] += np.einsum("no,ocuv->ncuv", dy[:, :, i, j], w)
            dw += np.einsum("no,ncuv->ocuv", dy[:, :, i, j], xp[:, :, rows, cols])
    return dxp[:, :, pad:pad + h, pad:pad + wd], dw, dy.sum(axis=(0, 2, 3))


def main():
    rng = np.random.default_rng(20261122)
    x = rng.uniform(-2, 2, (N, C, H, W)).astype(np.float32)
    w = rng.uniform(-1, 1, (O, C, KH, KW)).astype(np.float32)
    b = rng.uniform(-1, 1, O).astype(np.float32)
    y = conv2d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), STRIDE, PAD)
    dy = rng.uniform(-1, 1, y.shape).astype(np.float32)
    dx, dw, db = conv2d_backward(x.astype(np.float64), w.astype(np.float64), dy.astype(np.float64), STRIDE, PAD)

    def flat(a):
        return [float(v) for v in np.asarray(a).ravel()]

    fixture = {
        "source": "numpy float64 textbook convolution (make_conv_fixtures.py), not PyTorch",
        "stride": STRIDE, "padding": PAD,
        "x_shape": list(x.shape), "weight_shape": list(w.shape), "y_shape": list(y.shape),
        "x": flat(x), "weight": flat(w), "bias": flat(b), "y": flat(y),
        "dy": flat(dy), "dx": flat(dx), "dweight": flat(dw), "dbias": flat(db),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv2d_golden.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: y {list(y.shape)}, |y|max {np.abs(y).max():.3f}")


if __name__ == "__main__":
    main()
