"""Shared by the peer scripts: options, timing, FractalAD's seeded data generator and the result line format.

Every script prints one JSON line per measurement, the same object `fractalad-bench compare --json` writes:
{"workload", "tool", "median_s", "rate", "unit", "load"}. Workload names encode the shape, so a quick run and a full
run never compare with each other. Timing: one warm-up run, then the median wall time of `--repeats` runs.
"""

import argparse
import json
import os
import statistics
import time

import numba
import numpy as np


def options(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="the smaller shapes of `fractalad-bench --quick`")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs after one warm-up (median reported)")
    parser.add_argument("--workload", action="append", default=[],
                        help="run only workloads whose name starts with this (repeatable; default all)")
    return parser.parse_args()


def wanted(args, name):
    return not args.workload or any(name.startswith(prefix) for prefix in args.workload)


def timed(body, repeats, warmup=1):
    """Median wall seconds of `repeats` runs of `body` after `warmup` untimed runs."""
    for _ in range(warmup):
        body()
    times = []
    for _ in range(max(repeats, 1)):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load_average():
    return f"{os.getloadavg()[0]:.2f}"


def report(workload, tool, seconds, rate, unit):
    print(json.dumps({"workload": workload, "tool": tool, "median_s": seconds, "rate": rate, "unit": unit,
                      "load": load_average()}), flush=True)


@numba.njit(cache=True)
def _xorshift(count, seed):
    out = np.empty(count, dtype=np.float32)
    state = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) | np.uint64(1)
    for i in range(count):
        state ^= state << np.uint64(13)
        state ^= state >> np.uint64(7)
        state ^= state << np.uint64(17)
        out[i] = np.float32(state >> np.uint64(40)) * np.float32(2.0 ** -23) - np.float32(1.0)
    return out


def uniform(count, seed=1):
    """`BenchData.uniform(count:seed:)` of Bench/Benchmark.swift, value for value: xorshift64, uniform on [−1, 1)."""
    return _xorshift(count, seed)
