"""Approximate greedy coreset beside `fractalad-bench compare`: patchcore-inspection's
ApproximateGreedyCoresetSampler (random linear projection to 128 dimensions, 10 starting points, then one argmax and
one distance column per pick) in torch as the official code writes it, and the same algorithm in numpy.
200,000 × 1,024 → 10 % (--quick: 20,000 × 256); the rate is selected points per second. No warm-up run: nothing
is cached between runs.

    python coreset_peers.py [--quick] [--repeats N] [--workload PREFIX]...
"""

import numpy as np
import torch

from common import options, report, timed, wanted

args = options(__doc__)
n, depth = (20_000, 256) if args.quick else (200_000, 1_024)
name = f"coreset.{n}x{depth}.r0.1"
picks = n // 10


def batchwise_differences(a, b):
    """patchcore-inspection's `_compute_batchwise_differences`: Euclidean distances of the rows of a and b."""
    aa = a.unsqueeze(1).bmm(a.unsqueeze(2)).reshape(-1, 1)
    bb = b.unsqueeze(1).bmm(b.unsqueeze(2)).reshape(1, -1)
    return (-2 * a.mm(b.T) + aa + bb).clamp(0, None).sqrt()


def torch_coreset(features):
    with torch.no_grad():
        reduced = torch.nn.Linear(features.shape[1], 128, bias=False)(features)
        start = np.random.default_rng(0).choice(len(reduced), 10, replace=False).tolist()
        anchor = batchwise_differences(reduced, reduced[start]).mean(dim=-1).reshape(-1, 1)
        chosen = []
        for _ in range(picks):
            index = torch.argmax(anchor).item()
            chosen.append(index)
            column = batchwise_differences(reduced, reduced[index:index + 1])
            anchor = torch.min(torch.cat([anchor, column], dim=-1), dim=1).values.reshape(-1, 1)
    return chosen


def numpy_coreset(features):
    rng = np.random.default_rng(0)
    reduced = features @ rng.standard_normal((features.shape[1], 128), dtype=np.float32)
    norms = np.einsum("ij,ij->i", reduced, reduced)
    start = rng.choice(len(reduced), 10, replace=False)
    minimum = np.sqrt(np.clip(norms[:, None] - 2 * reduced @ reduced[start].T + norms[start], 0, None)).mean(axis=1)
    chosen = []
    for _ in range(picks):
        index = int(np.argmax(minimum))
        chosen.append(index)
        column = np.sqrt(np.clip(norms - 2 * reduced @ reduced[index] + norms[index], 0, None))
        np.minimum(minimum, column, out=minimum)
    return chosen


if wanted(args, name):
    features = np.random.default_rng(1).uniform(-1, 1, (n, depth)).astype(np.float32)
    s = timed(lambda: torch_coreset(torch.from_numpy(features)), args.repeats, warmup=0)
    report(name, f"torch {torch.__version__.split('+')[0]} {torch.backends.cpu.get_cpu_capability()} "
           "(patchcore-inspection)", s, picks / s, "points/s")
    s = timed(lambda: numpy_coreset(features), args.repeats, warmup=0)
    report(name, f"numpy {np.__version__}", s, picks / s, "points/s")
