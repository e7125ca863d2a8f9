# The two set-up commands of README: `make demo` (the main job) and `make test`. Both install missing system
# packages first. PoCL caches compiled kernels inside the build folder.
export POCL_CACHE_DIR ?= $(CURDIR)/.build/pocl-cache

.PHONY: deps demo test bench release fuzz bench-compare

deps:
	@scripts/install-deps.sh

demo: deps
	swift run -c release fractalad demo

# Tests pick kernel variants deterministically and never write the per-user tuning cache; the tuning tests
# switch it on against a temporary file.
test: export FRACTALAD_TUNING = off
test: deps
	swift test

bench: deps
	swift run -c release fractalad-bench all

release: deps
	swift build -c release --static-swift-stdlib

# Opt-in fuzz tier (issue 7): mutated PNG, JPEG, systems, model, backbone and checkpoint files through the release
# CLI for FUZZ_SECONDS (default 600) with FUZZ_SEED (default 1); reproducers land in .build/fuzz/failures.
fuzz: deps
	swift build -c release --product fractalad
	python3 scripts/fuzz.py

# FractalAD beside PyTorch, faiss, numpy and numba on the same workloads, interleaved (issue 8). QUICK=1 for the
# small shapes (a few minutes); ISA=avx2 restricts both sides to AVX2. The peers' venv comes from scripts/peer-env.sh.
bench-compare: deps
	swift build -c release --product fractalad-bench
	@test -x .build/peer-venv/bin/python || scripts/peer-env.sh
	.build/peer-venv/bin/python Bench/peers/compare.py $(if $(QUICK),--quick)
