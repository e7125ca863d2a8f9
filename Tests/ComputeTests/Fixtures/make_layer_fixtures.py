#!/usr/bin/env python3
"""Golden values for the layer ops (LayerFixtureTests.swift): batch norm, pooling and cross-entropy.

PyTorch is not installed here (it is a 3 GB download), so this script implements the textbook definitions that
PyTorch documents, in numpy float64, independently of the Swift code:

- batch norm: Ioffe & Szegedy (ICML 2015), Algorithm 1 for the forward pass and the paper's chain-rule equations
  (dx_hat, dvar, dmean) for the backward pass; PyTorch's running-statistics update with momentum 0.1 and the
  unbiased variance; evaluation mode with running statistics.
- max pooling: pad with -inf, scan each window in row-major order and keep the first maximum (np.argmax);
  backward is the transpose of the selection matrix.
- average pooling (count_include_pad=True) and adaptive average pooling: each output is a row of an explicit
  averaging matrix A (adaptive windows [floor(i*L/n), ceil((i+1)*L/n)) computed with exact fractions); backward
  is A^T dy.
- cross-entropy with soft targets and label smoothing: t' = (1 - eps) t + eps/K, loss = mean_n(-sum_k t'_k
  log_softmax(z)_k) with a max-subtracted log-sum-exp; gradient (softmax(z) sum_k t'_k - t')/N.

Every analytic gradient is checked here against float64 central differences before it is written. Inputs are
rounded to float32 so the Swift tests see exactly the values used here.

Usage: python3 make_layer_fixtures.py   (writes the *.json files next to this script)
"""
import json
import math
import os
from fractions import Fraction

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(20261122)


def f32(values):
    """float64 array holding float32-representable values."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def listed(array):
    return [float(v) for v in np.asarray(array).ravel()]


def numeric_gradient(loss, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        up = loss(x)
        x[index] = saved - h
        down = loss(x)
        x[index] = saved
        grad[index] = (up - down) / (2 * h)
    return grad


def check(name, analytic, numeric, tolerance=1e-6):
    error = np.max(np.abs(analytic - numeric)) / max(1.0, np.max(np.abs(numeric)))
    assert error < tolerance, f"{name}: analytic and numeric gradients differ by {error}"


# Batch normalisation -------------------------------------------------------------------------------------------

def batch_norm_train(x, gamma, beta, eps):
    axes = (0, 2, 3)
    mean = x.mean(axis=axes)
    var = ((x - mean[None, :, None, None]) ** 2).mean(axis=axes)
    x_hat = (x - mean[None, :, None, None]) / np.sqrt(var + eps)[None, :, None, None]
    y = gamma[None, :, None, None] * x_hat + beta[None, :, None, None]
    return y, mean, var


def batch_norm_backward(dy, x, gamma, eps):
    """The paper's backward equations, term by term."""
    axes = (0, 2, 3)
    m = x.shape[0] * x.shape[2] * x.shape[3]
    mean = x.mean(axis=axes)[None, :, None, None]
    var = ((x - mean) ** 2).mean(axis=axes)[None, :, None, None]
    x_hat = (x - mean) / np.sqrt(var + eps)
    dx_hat = dy * gamma[None, :, None, None]
    dvar = np.sum(dx_hat * (x - mean) * -0.5 * (var + eps) ** -1.5, axis=axes, keepdims=True)
    dmean = np.sum(dx_hat * -1 / np.sqrt(var + eps), axis=axes, keepdims=True) \
        + dvar * np.sum(-2 * (x - mean), axis=axes, keepdims=True) / m
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mean) / m + dmean / m
    return dx, np.sum(dy * x_hat, axis=axes), np.sum(dy, axis=axes)


def batch_norm_case(name, shape, offset):
    n, c, h, w = shape
    eps, momentum = 1e-5, 0.1
    x = f32(RNG.normal(offset, 1.5, size=shape))
    gamma = f32(RNG.uniform(0.5, 1.5, size=c))
    beta = f32(RNG.uniform(-0.5, 0.5, size=c))
    running_mean = f32(RNG.uniform(-0.2, 0.2, size=c))
    running_var = f32(RNG.uniform(0.5, 2.0, size=c))
    dy = f32(RNG.normal(0, 1, size=shape))
    y, mean, var = batch_norm_train(x, gamma, beta, eps)
    count = n * h * w
    new_mean = (1 - momentum) * running_mean + momentum * mean
    new_var = (1 - momentum) * running_var + momentum * var * count / (count - 1)
    dx, dgamma, dbeta = batch_norm_backward(dy, x, gamma, eps)
    check(name + " dx", dx, numeric_gradient(lambda v: np.sum(dy * batch_norm_train(v, gamma, beta, eps)[0]), x.copy()))
    check(name + " dgamma", dgamma,
          numeric_gradient(lambda g: np.sum(dy * batch_norm_train(x, g, beta, eps)[0]), gamma.copy()))
    eval_y = gamma[None, :, None, None] * (x - running_mean[None, :, None, None]) \
        / np.sqrt(running_var + eps)[None, :, None, None] + beta[None, :, None, None]
    return {
        "name": name, "shape": list(shape), "epsilon": eps, "momentum": momentum,
        "x": listed(x), "gamma": listed(gamma), "beta": listed(beta),
        "runningMean": listed(running_mean), "runningVariance": listed(running_var),
        "output": listed(y), "mean": listed(mean), "inverseStd": listed(1 / np.sqrt(var + eps)),
        "updatedRunningMean": listed(new_mean), "updatedRunningVariance": listed(new_var),
        "evalOutput": listed(eval_y),
        "outputGradient": listed(dy), "inputGradient": listed(dx), "gammaGradient": listed(dgamma),
        "betaGradient": listed(dbeta),
    }


# Pooling -------------------------------------------------------------------------------------------------------

def pool_output_size(length, k, s, p):
    return (length + 2 * p - k) // s + 1


def max_pool(x, k, s, p):
    """Returns output, flat in-plane indices, and the selection matrix of each plane."""
    n, c, h, w = x.shape
    oh, ow = pool_output_size(h, k[0], s[0], p[0]), pool_output_size(w, k[1], s[1], p[1])
    padded = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=-np.inf)
    y = np.zeros((n, c, oh, ow))
    indices = np.zeros((n, c, oh, ow), dtype=np.int64)
    for b, ch, i, j in np.ndindex(n, c, oh, ow):
        window = padded[b, ch, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]]
        r, q = np.unravel_index(np.argmax(window), window.shape)  # first maximum in row-major order
        y[b, ch, i, j] = window[r, q]
        indices[b, ch, i, j] = (i * s[0] + r - p[0]) * w + (j * s[1] + q - p[1])
    return y, indices


def max_pool_backward(dy, indices, shape):
    dx = np.zeros(shape)
    n, c, h, w = shape
    for b, ch, i, j in np.ndindex(dy.shape):
        dx[b, ch].flat[indices[b, ch, i, j]] += dy[b, ch, i, j]
    return dx


def averaging_matrix(h, w, rows, columns):
    """A with (A @ plane.ravel()) = pooled plane, for windows given as lists of (start, end) per axis."""
    a = np.zeros((len(rows) * len(columns), h * w))
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(columns):
            for r in range(r0, r1):
                for q in range(c0, c1):
                    a[i * len(columns) + j, r * w + q] += 1.0
    return a


def avg_pool_matrix(h, w, k, s, p):
    """count_include_pad: windows clipped to the input, divisor k0*k1."""
    def windows(length, k, s, p):
        out = pool_output_size(length, k, s, p)
        return [(max(i * s - p, 0), min(i * s - p + k, length)) for i in range(out)]
    return averaging_matrix(h, w, windows(h, k[0], s[0], p[0]), windows(w, k[1], s[1], p[1])) / (k[0] * k[1])


def adaptive_matrix(h, w, oh, ow):
    def windows(length, n):
        return [(math.floor(Fraction(i * length, n)), math.ceil(Fraction((i + 1) * length, n))) for i in range(n)]
    a = averaging_matrix(h, w, windows(h, oh), windows(w, ow))
    return a / a.sum(axis=1, keepdims=True)


def apply_planes(matrix, x, out_h, out_w):
    n, c, h, w = x.shape
    return (x.reshape(n * c, h * w) @ matrix.T).reshape(n, c, out_h, out_w)


def pool_cases():
    cases = []
    # Max pool: values from a small integer set, so most windows hold ties.
    for name, shape, k, s, p in [
        ("stem k3 s2 p1, ties", (2, 3, 9, 8), (3, 3), (2, 2), (1, 1)),
        ("k2 s2 p0, ties", (1, 2, 6, 7), (2, 2), (2, 2), (0, 0)),
        ("k3x2 s1x2 p1x0, ties", (1, 1, 5, 6), (3, 2), (1, 2), (1, 0)),
    ]:
        x = f32(RNG.integers(-2, 3, size=shape))
        y, indices = max_pool(x, k, s, p)
        dy = f32(RNG.normal(0, 1, size=y.shape))
        cases.append({"name": name, "kind": "max", "shape": list(shape), "kernel": list(k), "stride": list(s),
                      "padding": list(p), "x": listed(x), "output": listed(y),
                      "indices": [int(v) for v in indices.ravel()], "outputGradient": listed(dy),
                      "inputGradient": listed(max_pool_backward(dy, indices, shape))})
    # Average pool, count_include_pad=True (anomalib's 3x3 aggregation and a strided one).
    for name, shape, k, s, p in [
        ("avg k3 s1 p1", (1, 2, 5, 7), (3, 3), (1, 1), (1, 1)),
        ("avg k3 s2 p1", (2, 1, 7, 6), (3, 3), (2, 2), (1, 1)),
    ]:
        n, c, h, w = shape
        x = f32(RNG.normal(0, 1, size=shape))
        a = avg_pool_matrix(h, w, k, s, p)
        oh, ow = pool_output_size(h, k[0], s[0], p[0]), pool_output_size(w, k[1], s[1], p[1])
        y = apply_planes(a, x, oh, ow)
        dy = f32(RNG.normal(0, 1, size=y.shape))
        dx = apply_planes(a.T, dy, h, w)
        check(name, dx, numeric_gradient(lambda v: np.sum(dy * apply_planes(a, v, oh, ow)), x.copy()))
        cases.append({"name": name, "kind": "avg", "shape": list(shape), "kernel": list(k), "stride": list(s),
                      "padding": list(p), "x": listed(x), "output": listed(y), "indices": [],
                      "outputGradient": listed(dy), "inputGradient": listed(dx)})
    # Adaptive average pool with uneven, overlapping windows; 1x1 is global average pooling.
    for name, shape, out in [
        ("adaptive 7x5 -> 3x2", (1, 2, 7, 5), (3, 2)),
        ("adaptive 5x13 -> 4x6", (2, 1, 5, 13), (4, 6)),
        ("adaptive 6x6 -> 1x1 (global)", (2, 3, 6, 6), (1, 1)),
        ("adaptive 3x2 -> 5x4 (upsampling)", (1, 1, 3, 2), (5, 4)),
    ]:
        n, c, h, w = shape
        x = f32(RNG.normal(0, 1, size=shape))
        a = adaptive_matrix(h, w, *out)
        y = apply_planes(a, x, *out)
        dy = f32(RNG.normal(0, 1, size=y.shape))
        dx = apply_planes(a.T, dy, h, w)
        cases.append({"name": name, "kind": "adaptive", "shape": list(shape), "kernel": list(out),
                      "stride": [1, 1], "padding": [0, 0], "x": listed(x), "output": listed(y), "indices": [],
                      "outputGradient": listed(dy), "inputGradient": listed(dx)})
    return cases


# Cross-entropy -------------------------------------------------------------------------------------------------

def cross_entropy(z, t, eps):
    k = z.shape[1]
    smoothed = (1 - eps) * t + eps / k
    shifted = z - z.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.mean(-(smoothed * log_softmax).sum(axis=1))


def cross_entropy_gradient(z, t, eps):
    n, k = z.shape
    smoothed = (1 - eps) * t + eps / k
    shifted = z - z.max(axis=1, keepdims=True)
    softmax = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return (softmax * smoothed.sum(axis=1, keepdims=True) - smoothed) / n


def cross_entropy_cases():
    cases = []
    for name, n, k, eps, kind in [
        ("hard labels, no smoothing", 3, 5, 0.0, "hard"),
        ("hard labels, smoothing 0.1", 4, 7, 0.1, "hard"),
        ("MixUp targets, smoothing 0.1", 5, 6, 0.1, "mix"),
        ("large logits, smoothing 0.2", 2, 4, 0.2, "large"),
    ]:
        z = f32(RNG.normal(0, 2, size=(n, k)))
        a, b = RNG.integers(0, k, size=n), RNG.integers(0, k, size=n)
        t = np.zeros((n, k))
        if kind == "mix":
            lam = f32(RNG.uniform(0, 1, size=n))
            t[np.arange(n), a] += lam
            t[np.arange(n), b] += 1 - lam
            t = f32(t)
        else:
            t[np.arange(n), a] = 1
        if kind == "large":
            z = f32(z * 30 + 80)  # exp would overflow without the max subtraction
        grad = cross_entropy_gradient(z, t, eps)
        check(name, grad, numeric_gradient(lambda v: cross_entropy(v, t, eps), z.copy(), h=1e-5), tolerance=1e-5)
        cases.append({"name": name, "rows": n, "classes": k, "labelSmoothing": eps, "logits": listed(z),
                      "targets": listed(t), "loss": float(cross_entropy(z, t, eps)), "logitsGradient": listed(grad)})
    return cases


def write(name, cases):
    path = os.path.join(HERE, name)
    lines = ",\n".join(json.dumps(case) for case in cases)  # one case per line
    with open(path, "w") as f:
        f.write('{"generator": "make_layer_fixtures.py (numpy float64 textbook definitions)",\n"cases": [\n')
        f.write(lines + "\n]}\n")
    print(f"wrote {path}: {len(cases)} cases")


if __name__ == "__main__":
    write("batch_norm.json", [
        batch_norm_case("N2 C3 4x5", (2, 3, 4, 5), 0.3),
        batch_norm_case("N1 C2 13x11", (1, 2, 13, 11), -1.0),
        batch_norm_case("N5 C1 1x1", (5, 1, 1, 1), 2.0),
        batch_norm_case("N3 C2 3x3, mean 1000", (3, 2, 3, 3), 1000.0),
    ])
    write("pool.json", pool_cases())
    write("cross_entropy.json", cross_entropy_cases())
