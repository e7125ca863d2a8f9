"""The fractal4AD-style chaos game in numba beside `fractalad-bench compare`'s walk: one walker per image, each image
its own random 2–4-map affine system (maps chosen with probability ∝ |det|), 100,000 points per image after 32
warm-up steps, images in parallel (prange). 64 images (--quick: 16); the rate is million points per second.

    python chaos_peer.py [--quick] [--repeats N] [--workload PREFIX]...
"""

import numba
import numpy as np

from common import options, report, timed, wanted

args = options(__doc__)
batch, points, warmup_steps = (16 if args.quick else 64), 100_000, 32
name = f"chaos.walk.{batch}x{points}"


@numba.njit(parallel=True, cache=True)
def walk(maps, cumulative, counts, seeds, out):
    for image in numba.prange(out.shape[0]):
        np.random.seed(seeds[image])
        x, y = 0.0, 0.0
        for step in range(out.shape[1] + warmup_steps):
            r = np.random.random()
            k = 0
            while k < counts[image] - 1 and r > cumulative[image, k]:
                k += 1
            a, b, c, d, e, f = maps[image, k]
            x, y = a * x + b * y + e, c * x + d * y + f
            if step >= warmup_steps:
                out[image, step - warmup_steps, 0] = x
                out[image, step - warmup_steps, 1] = y


def systems(rng):
    maps = np.zeros((batch, 4, 6))
    cumulative = np.ones((batch, 4))
    counts = rng.integers(2, 5, batch)
    for image in range(batch):
        for k in range(counts[image]):
            while True:  # rejection-sample contractive maps (singular values below 1), as fractal4AD does
                m = rng.uniform(-1, 1, 6)
                if np.linalg.svd(m[:4].reshape(2, 2), compute_uv=False)[0] < 1:
                    break
            maps[image, k] = m
        weights = np.abs(maps[image, :counts[image], 0] * maps[image, :counts[image], 3]
                         - maps[image, :counts[image], 1] * maps[image, :counts[image], 2]) + 1e-6
        cumulative[image, :counts[image]] = np.cumsum(weights / weights.sum())
    return maps, cumulative, counts


if wanted(args, name):
    maps, cumulative, counts = systems(np.random.default_rng(1))
    seeds = np.arange(batch, dtype=np.int64)
    out = np.empty((batch, points, 2), dtype=np.float32)
    s = timed(lambda: walk(maps, cumulative, counts, seeds, out), args.repeats)
    report(name, f"numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads)", s, batch * points / s / 1e6,
           "M points/s")
