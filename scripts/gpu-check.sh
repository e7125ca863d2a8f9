#!/usr/bin/env bash
# Prepares FractalAD for a GPU machine that has no Swift toolchain, and runs the check there.
#
#   scripts/gpu-check.sh            (here) builds static release binaries and gathers what they need at run time
#                                   into .carry/, then prints the one command to run on the GPU machine
#   scripts/gpu-check.sh --remote   (there) runs selftest, the quick benchmarks, the demo and the same GPU's
#                                   PyTorch peers, writing every log under $OUT (default: .carry/out)
#
# .carry/ holds: fractalad.tar.xz (the two stripped static binaries), lib/ (the OpenCL ICD loader, libpng, zlib),
# icd/nvidia.icd (naming the driver's libnvidia-opencl.so.1). The remote part must finish in under 8 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
carry=.carry

remote() {
    local out="${OUT:-$carry/out}" started=$SECONDS
    mkdir -p "$out" "$carry/bin"
    tar -xJf "$carry/fractalad.tar.xz" -C "$carry/bin"
    export LD_LIBRARY_PATH="$PWD/$carry/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export OCL_ICD_VENDORS="$PWD/$carry/icd"
    export FRACTALAD_DEVICE="${FRACTALAD_DEVICE:-opencl}"
    local bin="$PWD/$carry/bin"
    step() {  # step NAME SECONDS COMMAND...: runs one part with a time limit, logging to $out/NAME.log
        local name=$1 limit=$2
        shift 2
        echo "== $name (limit ${limit}s, at $((SECONDS - started))s)"
        if timeout --signal=TERM --kill-after=10 "$limit" "$@" >"$out/$name.log" 2>&1; then
            echo "   ok"
        else
            echo "   FAILED with status $? (see $name.log)"
        fi
        tail -n 25 "$out/$name.log"
    }
    { nvidia-smi || true; lscpu | head -20; } >"$out/machine.log" 2>&1
    step devices 60 "$bin/fractalad" devices
    step selftest 150 "$bin/fractalad" selftest --device opencl
    step bench 150 "$bin/fractalad-bench" conv distance train coreset --quick --repeats 3 --device opencl
    step demo 180 "$bin/fractalad" demo --out "$out/demo"
    if command -v python3 >/dev/null && python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
        step torch-gpu 90 python3 Bench/peers/gpu_peers.py
    else
        echo "== torch-gpu: no CUDA PyTorch here, skipped" | tee "$out/torch-gpu.log"
    fi
    echo "done in $((SECONDS - started)) s; logs in $out"
}

local_part() {
    swift build -c release --static-swift-stdlib --product fractalad
    swift build -c release --static-swift-stdlib --product fractalad-bench
    local bin
    bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
    rm -rf "$carry" && mkdir -p "$carry/lib" "$carry/icd" "$carry/stage"
    for tool in fractalad fractalad-bench; do strip -o "$carry/stage/$tool" "$bin/$tool"; done
    tar -cJf "$carry/fractalad.tar.xz" -C "$carry/stage" fractalad fractalad-bench
    rm -rf "$carry/stage"
    for library in libOpenCL.so.1 libpng16.so.16 libz.so.1; do
        local path
        path=$(ldconfig -p | awk -v name="$library" '$1 == name && /x86-64/ { print $NF; exit }')
        [ -n "$path" ] || { echo "gpu-check: $library not found (run scripts/install-deps.sh)" >&2; exit 1; }
        cp -L "$path" "$carry/lib/$library"
    done
    echo "libnvidia-opencl.so.1" >"$carry/icd/nvidia.icd"
    # The binaries must not need the toolchain: check that every library they link is a system one or carried.
    tar -xJf "$carry/fractalad.tar.xz" -C "$carry/lib" fractalad
    if ldd "$carry/lib/fractalad" | grep -q "/opt/swift\|not found"; then
        echo "gpu-check: the static binary still links the toolchain:" >&2
        ldd "$carry/lib/fractalad" >&2
        exit 1
    fi
    rm "$carry/lib/fractalad"
    du -sh "$carry"
    echo "on the GPU machine (carry: [\"$carry\"]), run:"
    echo "  bash scripts/gpu-check.sh --remote"
}

if [ "${1:-}" = "--remote" ]; then remote; else local_part; fi
