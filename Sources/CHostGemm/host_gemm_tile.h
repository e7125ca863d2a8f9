// host_gemm_tile.h: the body of one micro-kernel, included by host_gemm.c once per instruction-set level with
// TILE_NAME (function name), TILE_TARGET (a target attribute or nothing) and TILE_LANES (floats per vector).
//
// The MR x NR tile is computed in NR / (2 * TILE_LANES) passes of MR x (2 * TILE_LANES) columns: 12 vector
// accumulators, 2 B vectors and one broadcast, which fit the 16 registers of SSE and AVX2 and leave AVX-512 room.
// Each step broadcasts one A value per row and multiplies it into two B vectors; with FP contraction on, the
// compiler fuses the multiply and add where the target has FMA.

#define TILE_WIDTH (2 * TILE_LANES)
#define TILE_PASTE_(a, b) a##b
#define TILE_PASTE(a, b) TILE_PASTE_(a, b)
#define TILE_VECTOR TILE_PASTE(TILE_NAME, _vector)

typedef float TILE_VECTOR __attribute__((vector_size(TILE_LANES * 4), aligned(4)));

TILE_TARGET static void TILE_NAME(long depth, const float *a, const float *b, float *out) {
    for (int column = 0; column < HOST_GEMM_NR; column += TILE_WIDTH) {
        TILE_VECTOR c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
        TILE_VECTOR c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
        const float *pa = a, *pb = b + column;
        for (long p = 0; p < depth; ++p, pa += HOST_GEMM_MR, pb += HOST_GEMM_NR) {
            const TILE_VECTOR b0 = *(const TILE_VECTOR *)pb, b1 = *(const TILE_VECTOR *)(pb + TILE_LANES);
            TILE_VECTOR s;
            s = (TILE_VECTOR){0} + pa[0]; c00 += s * b0; c01 += s * b1;
            s = (TILE_VECTOR){0} + pa[1]; c10 += s * b0; c11 += s * b1;
            s = (TILE_VECTOR){0} + pa[2]; c20 += s * b0; c21 += s * b1;
            s = (TILE_VECTOR){0} + pa[3]; c30 += s * b0; c31 += s * b1;
            s = (TILE_VECTOR){0} + pa[4]; c40 += s * b0; c41 += s * b1;
            s = (TILE_VECTOR){0} + pa[5]; c50 += s * b0; c51 += s * b1;
        }
        float *o = out + column;
        *(TILE_VECTOR *)(o + 0 * HOST_GEMM_NR) = c00; *(TILE_VECTOR *)(o + 0 * HOST_GEMM_NR + TILE_LANES) = c01;
        *(TILE_VECTOR *)(o + 1 * HOST_GEMM_NR) = c10; *(TILE_VECTOR *)(o + 1 * HOST_GEMM_NR + TILE_LANES) = c11;
        *(TILE_VECTOR *)(o + 2 * HOST_GEMM_NR) = c20; *(TILE_VECTOR *)(o + 2 * HOST_GEMM_NR + TILE_LANES) = c21;
        *(TILE_VECTOR *)(o + 3 * HOST_GEMM_NR) = c30; *(TILE_VECTOR *)(o + 3 * HOST_GEMM_NR + TILE_LANES) = c31;
        *(TILE_VECTOR *)(o + 4 * HOST_GEMM_NR) = c40; *(TILE_VECTOR *)(o + 4 * HOST_GEMM_NR + TILE_LANES) = c41;
        *(TILE_VECTOR *)(o + 5 * HOST_GEMM_NR) = c50; *(TILE_VECTOR *)(o + 5 * HOST_GEMM_NR + TILE_LANES) = c51;
    }
}

#undef TILE_WIDTH
#undef TILE_PASTE_
#undef TILE_PASTE
#undef TILE_VECTOR
#undef TILE_NAME
#undef TILE_TARGET
#undef TILE_LANES
