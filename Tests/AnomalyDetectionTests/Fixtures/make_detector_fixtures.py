"""Writes detector_fixtures.json: Ledoit-Wolf, Mahalanobis, PaDiM patch scores, Gaussian AD image scores, SPADE
scores and maps, and float64 inverses of ill-conditioned covariances, computed independently with NumPy, SciPy and
scikit-learn.

Run once with scikit-learn installed (python3 -m venv .build/venv && .build/venv/bin/pip install numpy scipy
scikit-learn; .build/venv/bin/python make_detector_fixtures.py). Inputs are float32-representable so the Swift
side sees exactly the same numbers.
"""
import json

import numpy as np
from scipy.spatial.distance import mahalanobis
from sklearn.covariance import LedoitWolf

rng = np.random.default_rng(20260907)


def f32(shape, scale=1.0, offset=0.0):
    return (rng.standard_normal(shape) * scale + offset).astype(np.float32).astype(np.float64)


def ledoit_wolf_case(n, p):
    # Correlated features so that shrinkage is neither 0 nor 1.
    mixing = f32((p, p), 0.5) + np.eye(p)
    x = (f32((n, p)) @ mixing).astype(np.float32).astype(np.float64)
    model = LedoitWolf().fit(x)
    queries = f32((4, p), 1.5)
    return {
        "n": n, "p": p, "x": x.ravel().tolist(),
        "mean": model.location_.tolist(), "covariance": model.covariance_.ravel().tolist(),
        "shrinkage": float(model.shrinkage_), "precision": model.precision_.ravel().tolist(),
        "queries": queries.ravel().tolist(),
        "distances": [float(mahalanobis(q, model.location_, model.precision_)) for q in queries],
    }


def padim_case(estimator):
    # N training images, an H×W grid, d channels per location: features [N, H·W, d].
    n, h, w, d = 9, 3, 4, 5
    train = f32((n, h * w, d), 1.0, 0.5)
    test = f32((2, h * w, d), 1.3, 0.5)
    scores = np.zeros((2, h * w))
    for loc in range(h * w):
        x = train[:, loc, :]
        if estimator == "regularized":
            mean = x.mean(axis=0)
            cov = np.cov(x, rowvar=False) + 0.01 * np.eye(d)
            precision = np.linalg.inv(cov)
        else:
            model = LedoitWolf().fit(x)
            mean, precision = model.location_, model.precision_
        for i in range(2):
            scores[i, loc] = mahalanobis(test[i, loc], mean, precision)
    return {"estimator": estimator, "n": n, "height": h, "width": w, "d": d,
            "train": train.ravel().tolist(), "test": test.ravel().tolist(), "scores": scores.ravel().tolist()}


def ill_conditioned_case(d, condition):
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    eigenvalues = np.logspace(0, -np.log10(condition), d)
    a = (q * eigenvalues) @ q.T
    a = (a + a.T) / 2
    return {"d": d, "condition": condition, "matrix": a.ravel().tolist(),
            "inverse": np.linalg.inv(a).ravel().tolist()}


def gaussian_case(n, channels):
    # Pooled vectors of n training images and 3 test images per level; score = sum of per-level distances.
    train = [f32((n, c), 1.0, 0.2) @ (np.eye(c) + f32((c, c), 0.3)) for c in channels]
    train = [t.astype(np.float32).astype(np.float64) for t in train]
    test = [f32((3, c), 1.4, 0.2) for c in channels]
    scores = np.zeros(3)
    for t, q in zip(train, test):
        model = LedoitWolf().fit(t)
        scores += [mahalanobis(v, model.location_, model.precision_) for v in q]
    return {"n": n, "channels": channels, "train": [t.ravel().tolist() for t in train],
            "test": [q.ravel().tolist() for q in test], "scores": scores.tolist()}


def bilinear(grid, side):
    # PyTorch interpolate(mode="bilinear", align_corners=False) of an [h, w] grid to [side, side].
    h, w = grid.shape

    def taps(out, size):
        src = np.maximum((np.arange(out) + 0.5) * size / out - 0.5, 0)
        low = np.minimum(np.floor(src).astype(int), size - 1)
        return low, np.minimum(low + 1, size - 1), src - low

    y0, y1, fy = taps(side, h)
    x0, x1, fx = taps(side, w)
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x1] * fx
    bottom = grid[y1][:, x0] * (1 - fx) + grid[y1][:, x1] * fx
    return top * (1 - fy[:, None]) + bottom * fy[:, None]


def spade_case():
    # Per stage [N, h·w, C] maps; pooled = the stages' means, concatenated; k nearest images by squared L2.
    from scipy.ndimage import gaussian_filter
    n, k, side, sigma = 7, 3, 16, 1.0
    grids = [(4, 4, 3), (2, 2, 5)]
    train = [f32((n, h * w, c), 1.0, 0.3) for h, w, c in grids]
    test = [f32((2, h * w, c), 1.2, 0.3) for h, w, c in grids]
    pool = lambda maps: np.concatenate([m.mean(axis=1) for m in maps], axis=1)
    train_pooled, test_pooled = pool(train), pool(test)
    scores, maps = [], []
    for i in range(2):
        squared = ((train_pooled - test_pooled[i]) ** 2).sum(axis=1)
        nearest = np.argsort(squared, kind="stable")[:k]
        scores.append(float(squared[nearest].mean()))
        total = np.zeros((side, side))
        for (h, w, c), t, q in zip(grids, train, test):
            gallery = t[nearest].reshape(-1, c)
            distance = np.sqrt(((q[i][:, None, :] - gallery[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
            total += bilinear(distance.reshape(h, w), side)
        maps.append(gaussian_filter(total / len(grids), sigma, mode="reflect", truncate=4.0).ravel().tolist())
    return {"n": n, "k": k, "side": side, "sigma": sigma, "grids": [list(g) for g in grids],
            "train": [t.ravel().tolist() for t in train], "test": [t.ravel().tolist() for t in test],
            "trainPooled": train_pooled.ravel().tolist(), "testPooled": test_pooled.ravel().tolist(),
            "scores": scores, "maps": maps}


fixtures = {
    "ledoitWolf": [ledoit_wolf_case(12, 7), ledoit_wolf_case(6, 10), ledoit_wolf_case(40, 3)],
    "padim": [padim_case("regularized"), padim_case("ledoit-wolf")],
    "illConditioned": [ill_conditioned_case(12, 1e6), ill_conditioned_case(30, 1e9)],
    "gaussian": gaussian_case(15, [9, 20]),
    "spade": spade_case(),
}
with open("detector_fixtures.json", "w") as out:
    json.dump(fixtures, out, indent=None, separators=(",", ":"))
