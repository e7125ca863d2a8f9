// gemm.cl: C = alpha * A.B + beta * C for float32 matrices, in the layouts the GEMM op and the convolution
// gradients need (Sources/Compute/OpenCL/OpenCLDevice+Gemm.swift, OpenCLDevice+Conv.swift).
//
// Operand addressing (element offsets; every kernel takes the same arguments):
//   A [M, K]: (i, p) at a_offset + (i / MR)*a_panel_stride + (i % MR)*a_row_stride + p*a_column_stride
//             plain row-major: panel stride MR*K, row stride K, column stride 1; transposed storage [K, M]:
//             MR, 1, M; packed panels of MR rows (gemm_pack_rows): K*MR, 1, MR.
//   B [K, N]: (p, j) at b_offset + (j / PANEL)*b_panel_stride + p*b_row_stride + (j % PANEL)*b_column_stride
//             plain row-major: panel stride PANEL, row stride N, column stride 1; transposed storage [N, K]:
//             PANEL*K, 1, K; packed panels (gemm_pack_panels, conv2d_im2col): K*PANEL, PANEL, 1.
//             b_padded != 0 promises zeros up to the next multiple of PANEL columns (packed panels).
//   C [M, N]: (i, j) at c_offset + i*c_row_stride + j.
//   beta == 0 never reads C.
//
// Kernels and launch geometry:
//   gemm_cpu          CPU shape: one work-item computes a GEMM_ROWS x GEMM_COLUMNS tile (GEMM_COLUMNS = 16 or 32
//                     columns of one panel) in GEMM_ROWS * GEMM_COLUMNS / 16 float16 registers, no __local memory;
//                     global = (ceil(M/GEMM_ROWS), ceil(N/GEMM_COLUMNS)), local = (1, 1). The tile is tuned per
//                     device (TunableKernel.gemmCPU, -D GEMM_ROWS=... -D GEMM_COLUMNS=...): 8 x 32 by default,
//                     which fits 32 vector registers at 16 floats (AVX-512) and spills at 8 (AVX2: 6 x 16).
//   gemm_gpu          GPU shape: a work-group of 16 x 16 work-items computes a 64 x 64 tile from 64 x 16 and
//                     16 x 64 slices staged in __local memory, 4 x 4 outputs per work-item;
//                     global = (ceil(N/64)*16, ceil(M/64)*16), local = (16, 16).
//   gemm_pack_panels  copies a B-addressed matrix into packed panels (zero-padded), 64 rows of one panel per
//                     work-item: global = (ceil(N/32), ceil(K/64)).
//   gemm_pack_rows    copies an A-addressed matrix into packed panels of MR rows, 64 columns of one panel per
//                     work-item: global = (ceil(M/8), ceil(K/64)).

#define PANEL 32
#define MR 8
#define PACK_DEPTH 64

#ifndef GEMM_ROWS
#define GEMM_ROWS 8
#endif
#ifndef GEMM_COLUMNS
#define GEMM_COLUMNS 32
#endif

// One row of the CPU tile (GEMM_COLUMNS values): scale, add beta*C, store the columns below n.
inline void gemm_store_row(const float *values, int i, int j0, int n, float alpha, float beta, __global float *c,
                           int c_offset, int c_row_stride) {
    __global float *out = c + c_offset + i * c_row_stride + j0;
    for (int l = 0; l < GEMM_COLUMNS && j0 + l < n; ++l) {
        out[l] = alpha * values[l] + (beta != 0.0f ? beta * out[l] : 0.0f);
    }
}

// GEMM_COLUMNS columns of B's row p from column jc of the panel (the tile's first column j0), zero past column n.
inline void gemm_load_b_edge(__global const float *panel, int p, int jc, int j0, int n, int b_row_stride,
                             int b_column_stride, float *values) {
    for (int l = 0; l < GEMM_COLUMNS; ++l) {
        values[l] = j0 + l < n ? panel[p * b_row_stride + (jc + l) * b_column_stride] : 0.0f;
    }
}

// Offset of row i of an A operand.
inline int a_index(int i, int a_panel_stride, int a_row_stride) {
    return (i / MR) * a_panel_stride + (i % MR) * a_row_stride;
}

// GEMM_TILE(X) expands to X(0) ... X(GEMM_ROWS - 1), one accumulator row each.
#define GEMM_TILE_1(X) X(0)
#define GEMM_TILE_2(X) GEMM_TILE_1(X) X(1)
#define GEMM_TILE_3(X) GEMM_TILE_2(X) X(2)
#define GEMM_TILE_4(X) GEMM_TILE_3(X) X(3)
#define GEMM_TILE_5(X) GEMM_TILE_4(X) X(4)
#define GEMM_TILE_6(X) GEMM_TILE_5(X) X(5)
#define GEMM_TILE_7(X) GEMM_TILE_6(X) X(6)
#define GEMM_TILE_8(X) GEMM_TILE_7(X) X(7)
#define GEMM_TILE_PASTE(n, X) GEMM_TILE_##n(X)
#define GEMM_TILE_N(n, X) GEMM_TILE_PASTE(n, X)
#define GEMM_TILE(X) GEMM_TILE_N(GEMM_ROWS, X)

// One accumulator row: GEMM_COLUMNS floats as one or two float16.
#if GEMM_COLUMNS == 32
#define GEMM_ACCUMULATOR(r) float16 lo##r = 0.0f, hi##r = 0.0f;
#define GEMM_LOAD(source) const float16 b_lo = vload16(0, source), b_hi = vload16(1, source);
#define GEMM_FMA(r, s)                                                                            \
    {                                                                                             \
        const float16 broadcast = (float16)(s);                                                   \
        lo##r = fma(broadcast, b_lo, lo##r);                                                      \
        hi##r = fma(broadcast, b_hi, hi##r);                                                      \
    }
#define GEMM_SPILL(r, values) vstore16(lo##r, 0, values); vstore16(hi##r, 1, values);
#elif GEMM_COLUMNS == 16
#define GEMM_ACCUMULATOR(r) float16 lo##r = 0.0f;
#define GEMM_LOAD(source) const float16 b_lo = vload16(0, source);
#define GEMM_FMA(r, s) lo##r = fma((float16)(s), b_lo, lo##r);
#define GEMM_SPILL(r, values) vstore16(lo##r, 0, values);
#else
#error "GEMM_COLUMNS must be 16 or 32"
#endif

#define GEMM_DECLARE(r)                                                                           \
    GEMM_ACCUMULATOR(r)                                                                           \
    __global const float *a##r = a + a_offset + a_index(min(i0 + r, m - 1), a_panel_stride, a_row_stride);
#define GEMM_STEP(r) GEMM_FMA(r, a##r[p * a_column_stride])
#define GEMM_STORE(r)                                                                             \
    if (i0 + r < m) {                                                                             \
        float values[GEMM_COLUMNS];                                                               \
        GEMM_SPILL(r, values)                                                                     \
        gemm_store_row(values, i0 + r, j0, n, alpha, beta, c, c_offset, c_row_stride);            \
    }

__kernel void gemm_cpu(int m, int n, int k, float alpha,
                       __global const float *a, int a_offset, int a_panel_stride, int a_row_stride,
                       int a_column_stride,
                       __global const float *b, int b_offset, int b_panel_stride, int b_row_stride,
                       int b_column_stride, int b_padded,
                       float beta, __global float *c, int c_offset, int c_row_stride) {
    const int i0 = get_global_id(0) * GEMM_ROWS, j0 = get_global_id(1) * GEMM_COLUMNS, jc = j0 % PANEL;
    if (i0 >= m || j0 >= n) return;
    GEMM_TILE(GEMM_DECLARE)
    __global const float *panel = b + b_offset + (j0 / PANEL) * b_panel_stride;
    if (b_column_stride == 1 && (j0 + GEMM_COLUMNS <= n || b_padded)) {
        __global const float *row = panel + jc;
        for (int p = 0; p < k; ++p, row += b_row_stride) {
            GEMM_LOAD(row)
            GEMM_TILE(GEMM_STEP)
        }
    } else {
        for (int p = 0; p < k; ++p) {
            float edge[GEMM_COLUMNS];
            gemm_load_b_edge(panel, p, jc, j0, n, b_row_stride, b_column_stride, edge);
            GEMM_LOAD(edge)
            GEMM_TILE(GEMM_STEP)
        }
    }
    GEMM_TILE(GEMM_STORE)
}

#define TILE 64
#define TILE_K 16
#define GROUP 16
#define PER_ITEM 4

__kernel __attribute__((reqd_work_group_size(GROUP, GROUP, 1)))
void gemm_gpu(int m, int n, int k, float alpha,
              __global const float *a, int a_offset, int a_panel_stride, int a_row_stride,
                       int a_column_stride,
              __global const float *b, int b_offset, int b_panel_stride, int b_row_stride,
              int b_column_stride, int b_padded,
              float beta, __global float *c, int c_offset, int c_row_stride) {
    __local float a_tile[TILE_K][TILE];
    __local float b_tile[TILE_K][TILE];
    const int lx = get_local_id(0), ly = get_local_id(1), flat = ly * GROUP + lx;
    const int i0 = get_group_id(1) * TILE, j0 = get_group_id(0) * TILE;
    float acc[PER_ITEM][PER_ITEM];
    for (int r = 0; r < PER_ITEM; ++r)
        for (int s = 0; s < PER_ITEM; ++s) acc[r][s] = 0.0f;
    for (int p0 = 0; p0 < k; p0 += TILE_K) {
        for (int e = flat; e < TILE * TILE_K; e += GROUP * GROUP) {
            int t = e % TILE, q = e / TILE, p = p0 + q;
            int i = i0 + t, j = j0 + t;
            a_tile[q][t] = (i < m && p < k)
                ? a[a_offset + a_index(i, a_panel_stride, a_row_stride) + p * a_column_stride] : 0.0f;
            b_tile[q][t] = (j < n && p < k)
                ? b[b_offset + (j / PANEL) * b_panel_stride + p * b_row_stride + (j % PANEL) * b_column_stride]
                : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int q = 0; q < TILE_K; ++q) {
            float av[PER_ITEM], bv[PER_ITEM];
            for (int r = 0; r < PER_ITEM; ++r) av[r] = a_tile[q][ly + GROUP * r];
            for (int s = 0; s < PER_ITEM; ++s) bv[s] = b_tile[q][lx + GROUP * s];
            for (int r = 0; r < PER_ITEM; ++r)
                for (int s = 0; s < PER_ITEM; ++s) acc[r][s] = fma(av[r], bv[s], acc[r][s]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int r = 0; r < PER_ITEM; ++r) {
        int i = i0 + ly + GROUP * r;
        if (i >= m) continue;
        for (int s = 0; s < PER_ITEM; ++s) {
            int j = j0 + lx + GROUP * s;
            if (j >= n) continue;
            __global float *out = c + c_offset + i * c_row_stride + j;
            *out = alpha * acc[r][s] + (beta != 0.0f ? beta * *out : 0.0f);
        }
    }
}

__kernel void gemm_pack_panels(int k, int n, __global const float *b, int b_offset, int b_panel_stride,
                               int b_row_stride, int b_column_stride, __global float *packed) {
    const int j0 = get_global_id(0) * PANEL, p0 = get_global_id(1) * PACK_DEPTH;
    if (j0 >= n || p0 >= k) return;
    __global const float *panel = b + b_offset + (j0 / PANEL) * b_panel_stride;
    __global float *out = packed + (j0 / PANEL) * k * PANEL;
    for (int p = p0; p < min(p0 + PACK_DEPTH, k); ++p) {
        if (b_column_stride == 1 && j0 + PANEL <= n) {
            vstore16(vload16(0, panel + p * b_row_stride), 0, out + p * PANEL);
            vstore16(vload16(1, panel + p * b_row_stride), 1, out + p * PANEL);
        } else {
            for (int l = 0; l < PANEL; ++l) {
                out[p * PANEL + l] = j0 + l < n ? panel[p * b_row_stride + l * b_column_stride] : 0.0f;
            }
        }
    }
}

__kernel void gemm_pack_rows(int m, int k, __global const float *a, int a_offset, int a_panel_stride,
                             int a_row_stride, int a_column_stride, __global float *packed) {
    const int i0 = get_global_id(0) * MR, p0 = get_global_id(1) * PACK_DEPTH;
    if (i0 >= m || p0 >= k) return;
    __global float *out = packed + (i0 / MR) * k * MR;
    for (int p = p0; p < min(p0 + PACK_DEPTH, k); ++p) {
        float values[MR];
        for (int r = 0; r < MR; ++r) {
            values[r] = i0 + r < m ? a[a_offset + a_index(i0 + r, a_panel_stride, a_row_stride) + p * a_column_stride]
                                   : 0.0f;
        }
        vstore8(vload8(0, values), 0, out + p * MR);
    }
}
