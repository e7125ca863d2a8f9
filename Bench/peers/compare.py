"""`make bench-compare`: FractalAD and its peers on the same workloads and shapes, interleaved in one sitting.

Each repetition runs, workload family by family, `fractalad-bench compare --workload F` on each FractalAD device and
then every peer script for F, so slow drifts of a shared machine touch both sides alike. After `--reps`
repetitions it prints one Markdown table of medians (over repetitions) and the ratio of FractalAD's best device to
the best peer, with the CPU model, its ISA flags, the OpenCL device and the load average before and after.

    python compare.py [--quick] [--reps N] [--devices opencl,cpu] [--only FAMILY,...]
    ISA=avx2: restricts both sides to AVX2: POCL_LLVM_CPU_NAME=haswell (FractalAD's PoCL), FRACTALAD_HOST_ISA=avx2
              (FractalAD's cpu device), ATEN_CPU_CAPABILITY=avx2
              and ONEDNN_MAX_CPU_ISA=AVX2 (torch), FAISS_OPT_LEVEL=avx2 (faiss), NUMBA_CPU_NAME=haswell (numba).
Environment: FRACTALAD_BENCH (default .build/release/fractalad-bench), PEER_PYTHON (default .build/peer-venv).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FAMILIES = [  # (workload prefix, peer script)
    ("conv.fwd", "torch_peers.py"), ("conv.bwd", "torch_peers.py"), ("train", "torch_peers.py"),
    ("infer", "torch_peers.py"), ("topk", "topk_peers.py"), ("coreset", "coreset_peers.py"),
    ("patchcore", "patchcore_peer.py"), ("chaos", "chaos_peer.py"),
]
AVX2 = {"POCL_LLVM_CPU_NAME": "haswell", "FRACTALAD_HOST_ISA": "avx2", "ATEN_CPU_CAPABILITY": "avx2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "FAISS_OPT_LEVEL": "avx2", "NUMBA_CPU_NAME": "haswell"}


def machine(bench, env):
    model, flags = "?", []
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and model == "?":
            model = line.split(":", 1)[1].strip()
        if line.startswith("flags") and not flags:
            flags = line.split(":", 1)[1].split()
    isa = [f for f in flags if f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                                     "avx512_bf16")]
    devices = subprocess.run([str(bench), "compare", "--workload", "none-at-all"], env=env, capture_output=True,
                             text=True).stdout.splitlines()
    return model, isa, [line[2:] for line in devices if line.startswith("- ")]


def run(command, env, log):
    """Runs one side; returns the result lines it printed (peers) or appended to `log` (FractalAD)."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=HERE)
    if done.returncode != 0:
        sys.exit(f"bench-compare: {' '.join(map(str, command))} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    lines = done.stdout.splitlines()
    if log is not None:
        lines, _ = log.read_text().splitlines(), log.write_text("")
    return [json.loads(line) for line in lines if line.startswith('{"')]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the small shapes; a few minutes")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 3 quick, 5 full)")
    parser.add_argument("--devices", default="opencl", help="FractalAD devices, comma-separated (default opencl)")
    parser.add_argument("--only", default="", help="workload families to run, comma-separated (default all)")
    args = parser.parse_args()
    reps = args.reps or (3 if args.quick else 5)
    bench = Path(os.environ.get("FRACTALAD_BENCH", ROOT / ".build/release/fractalad-bench"))
    python = os.environ.get("PEER_PYTHON", str(ROOT / ".build/peer-venv/bin/python"))
    needed = ((bench, "swift build -c release --product fractalad-bench"), (Path(python), "scripts/peer-env.sh"))
    for path, hint in needed:
        if not path.exists():
            sys.exit(f"bench-compare: {path} is missing (run {hint})")
    env = dict(os.environ)
    env.setdefault("POCL_CACHE_DIR", str(ROOT / ".build/pocl-cache"))
    isa = os.environ.get("ISA", "")
    if isa == "avx2":
        env.update(AVX2)
    elif isa:
        sys.exit(f"bench-compare: ISA={isa} is not supported (only avx2)")
    families = [f for f in FAMILIES if not args.only or f[0].split(".")[0] in args.only.split(",")
                or f[0] in args.only.split(",")]
    quick = ["--quick"] if args.quick else []
    model, flags, devices = machine(bench, env)
    load_before = os.getloadavg()
    results = {}  # (workload, tool) -> [rates]
    units = {}
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "fractalad.jsonl"
        log.write_text("")
        for rep in range(reps):
            for prefix, script in families:
                print(f"rep {rep + 1}/{reps}: {prefix}", file=sys.stderr, flush=True)
                lines = []
                for device in args.devices.split(","):
                    lines += run([str(bench), "compare", *quick, "--repeats", "1", "--device", device, "--workload",
                                  prefix, "--json", str(log)], env, log)
                lines += run([python, script, *quick, "--repeats", "1", "--workload", prefix], env, None)
                for line in lines:
                    results.setdefault((line["workload"], line["tool"]), []).append(line["rate"])
                    units[line["workload"]] = line["unit"]
    print_table(results, units, reps, model, flags, devices, isa, load_before, os.getloadavg(), args)


def print_table(results, units, reps, model, flags, devices, isa, load_before, load_after, args):
    print(f"\n## bench-compare{' --quick' if args.quick else ''}{', ISA=' + isa if isa else ''}: medians of {reps} "
          "interleaved repetitions (higher is better)\n")
    print(f"- CPU: {model}, {os.cpu_count()} cores; ISA flags: {' '.join(flags)}"
          + (f"; restricted to AVX2 ({', '.join(f'{k}={v}' for k, v in AVX2.items())})" if isa else ""))
    for device in devices:
        print(f"- FractalAD device: {device}")
    print(f"- load average (1, 5, 15 min): before {' '.join(f'{x:.2f}' for x in load_before)}, after "
          f"{' '.join(f'{x:.2f}' for x in load_after)}\n")
    print("| workload | unit | FractalAD | peers | ratio to best peer |")
    print("|---|---|---:|---|---:|")
    for workload in dict.fromkeys(w for w, _ in results):
        ours = {t: statistics.median(r) for (w, t), r in results.items() if w == workload and t.startswith("fractalad")}
        peers = {t: statistics.median(r) for (w, t), r in results.items() if w == workload
                 and not t.startswith("fractalad")}
        best_ours = max(ours.values()) if ours else float("nan")
        best_peer = max(peers, key=peers.get) if peers else None
        ratio = f"{best_ours / peers[best_peer]:.2f}× {best_peer.split()[0]}" if best_peer else "–"
        print(f"| {workload} | {units[workload]} | "
              + "; ".join(f"{t.removeprefix('fractalad ')} {v:.3g}" for t, v in ours.items()) + " | "
              + "; ".join(f"{t} {v:.3g}" for t, v in sorted(peers.items(), key=lambda kv: -kv[1])) + f" | {ratio} |")


if __name__ == "__main__":
    main()
