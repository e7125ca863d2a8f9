// host_gemm.c: run-time dispatch between the micro-kernels of host_gemm_tile.h (see include/host_gemm.h).
#include "host_gemm.h"

// Results are checked against the reference loops with a tolerance, so a * b + c may be fused.
#pragma clang fp contract(fast)

#define TILE_NAME tile_baseline
#define TILE_TARGET
#define TILE_LANES 4
#include "host_gemm_tile.h"

#if defined(__x86_64__)
#define TILE_NAME tile_avx2
#define TILE_TARGET __attribute__((target("avx2,fma")))
#define TILE_LANES 8
#include "host_gemm_tile.h"

#define TILE_NAME tile_avx512
#define TILE_TARGET __attribute__((target("avx512f")))
#define TILE_LANES 16
#include "host_gemm_tile.h"
#endif

int host_gemm_best_isa(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return HOST_GEMM_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return HOST_GEMM_AVX2;
#endif
    return HOST_GEMM_BASELINE;
}

void host_gemm_tile(int isa, long depth, const float *a, const float *b, float *out) {
#if defined(__x86_64__)
    if (isa == HOST_GEMM_AVX512) { tile_avx512(depth, a, b, out); return; }
    if (isa == HOST_GEMM_AVX2) { tile_avx2(depth, a, b, out); return; }
#endif
    (void)isa;
    tile_baseline(depth, a, b, out);
}
