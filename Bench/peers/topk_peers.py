"""Exact top-k nearest neighbours (squared L2) beside `fractalad-bench compare`: faiss IndexFlatL2 and torch
cdist + topk (queries in chunks of 2,048 rows, so the distance matrix stays small), GFLOP/s counting 2·M·N·D.
Shapes: 784 × 16,384 × 1,024 (k = 1, 16) and 10,000 × 100,000 × 1,024 (k = 1); --quick: 196 × 4,096 and
1,000 × 10,000. Random uniform data on [−1, 1).

    python topk_peers.py [--quick] [--repeats N] [--workload PREFIX]...
"""

import faiss
import numpy as np
import torch

from common import options, report, timed, wanted

args = options(__doc__)
shapes = [(196, 4096, 1), (196, 4096, 16), (1000, 10000, 1)] if args.quick \
    else [(784, 16384, 1), (784, 16384, 16), (10000, 100000, 1)]
depth = 1024
rng = np.random.default_rng(0)
faiss_tool = f"faiss {faiss.__version__} IndexFlatL2 ({faiss.get_compile_options().split()[-1]})"
torch_tool = f"torch {torch.__version__.split('+')[0]} {torch.backends.cpu.get_cpu_capability()} cdist+topk"

for m, n, k in shapes:
    name = f"topk.{m}x{n}x{depth}.k{k}"
    if not wanted(args, name):
        continue
    queries = rng.uniform(-1, 1, (m, depth)).astype(np.float32)
    bank = rng.uniform(-1, 1, (n, depth)).astype(np.float32)
    flop = 2 * m * n * depth
    warmup = 0 if m * n > 100_000_000 else 1

    index = faiss.IndexFlatL2(depth)
    index.add(bank)
    s = timed(lambda: index.search(queries, k), args.repeats, warmup)
    report(name, faiss_tool, s, flop / s / 1e9, "GFLOP/s")

    q, b = torch.from_numpy(queries), torch.from_numpy(bank)

    def search():
        with torch.no_grad():
            for start in range(0, m, 2048):
                torch.cdist(q[start:start + 2048], b).topk(k, largest=False)

    s = timed(search, args.repeats, warmup)
    report(name, torch_tool, s, flop / s / 1e9, "GFLOP/s")
