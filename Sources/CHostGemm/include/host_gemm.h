// host_gemm.h: the micro-kernels of the fast host GEMM (HostGemm in Sources/Compute/CPU/CPUDevice+GemmFast.swift),
// one per instruction-set level, chosen at run time from what the CPU supports (__builtin_cpu_supports), the way
// faiss and oneDNN dispatch their SIMD paths.
#ifndef HOST_GEMM_H
#define HOST_GEMM_H

/// Rows of A per packed panel and per tile.
#define HOST_GEMM_MR 6
/// Columns of B per packed panel and per tile.
#define HOST_GEMM_NR 32

/// Instruction-set levels with a micro-kernel, in increasing order.
enum host_gemm_isa {
    /// x86-64 baseline (SSE2) or any other CPU: 4-float vectors, separate multiply and add.
    HOST_GEMM_BASELINE = 0,
    /// AVX2 with FMA: 8-float vectors, fused multiply-add.
    HOST_GEMM_AVX2 = 1,
    /// AVX-512 Foundation: 16-float vectors, fused multiply-add.
    HOST_GEMM_AVX512 = 2,
};

/// The highest level this CPU runs.
int host_gemm_best_isa(void);

/// out[r, j] = sum_p a[p, r] * b[p, j] for r < HOST_GEMM_MR, j < HOST_GEMM_NR: a is one packed A panel
/// [depth, MR], b one packed B panel [depth, NR], out row-major [MR, NR]. `isa` must not exceed
/// host_gemm_best_isa().
void host_gemm_tile(int isa, long depth, const float *a, const float *b, float *out);

#endif
