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
//   gemm_cpu          CPU shape: one work-item computes an MR x PANEL (8 x 32) tile in 16 float16 registers,
//                     no __local memory; global = (ceil(M/8), ceil(N/32)), local = (1, 1).
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

// One row of the CPU tile: scale, add beta*C, store with vector stores when all 32 columns exist, element by
// element otherwise.
inline void gemm_store_row(float16 lo, float16 hi, int i, int j0, int n, float alpha, float beta,
                           __global float *c, int c_offset, int c_row_stride) {
    lo = alpha * lo;
    hi = alpha * hi;
    __global float *out = c + c_offset + i * c_row_stride + j0;
    if (j0 + PANEL <= n) {
        if (beta != 0.0f) {
            lo += beta * vload16(0, out);
            hi += beta * vload16(1, out);
        }
        vstore16(lo, 0, out);
        vstore16(hi, 1, out);
        return;
    }
    float values[PANEL];
    vstore16(lo, 0, values);
    vstore16(hi, 1, values);
    for (int l = 0; l < PANEL && j0 + l < n; ++l) {
        out[l] = values[l] + (beta != 0.0f ? beta * out[l] : 0.0f);
    }
}

// 32 columns of B's row p for the tile starting at column j0, zero past column n.
inline void gemm_load_b_edge(__global const float *panel, int p, int j0, int n, int b_row_stride,
                             int b_column_stride, float16 *lo, float16 *hi) {
    float values[PANEL];
    for (int l = 0; l < PANEL; ++l) {
        values[l] = j0 + l < n ? panel[p * b_row_stride + l * b_column_stride] : 0.0f;
    }
    *lo = vload16(0, values);
    *hi = vload16(1, values);
}

// Offset of row i of an A operand.
inline int a_index(int i, int a_panel_stride, int a_row_stride) {
    return (i / MR) * a_panel_stride + (i % MR) * a_row_stride;
}

#define GEMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define GEMM_DECLARE(r)                                                                           \
    float16 lo##r = 0.0f, hi##r = 0.0f;                                                           \
    __global const float *a##r = a + a_offset + a_index(min(i0 + r, m - 1), a_panel_stride, a_row_stride);
#define GEMM_STEP(r)                                                                              \
    {                                                                                             \
        float16 s = (float16)(a##r[p * a_column_stride]);                                         \
        lo##r = fma(s, b_lo, lo##r);                                                              \
        hi##r = fma(s, b_hi, hi##r);                                                              \
    }
#define GEMM_STORE(r)                                                                             \
    if (i0 + r < m) {                                                                             \
        gemm_store_row(lo##r, hi##r, i0 + r, j0, n, alpha, beta, c, c_offset, c_row_stride);      \
    }

__kernel void gemm_cpu(int m, int n, int k, float alpha,
                       __global const float *a, int a_offset, int a_panel_stride, int a_row_stride,
                       int a_column_stride,
                       __global const float *b, int b_offset, int b_panel_stride, int b_row_stride,
                       int b_column_stride, int b_padded,
                       float beta, __global float *c, int c_offset, int c_row_stride) {
    const int i0 = get_global_id(0) * MR, j0 = get_global_id(1) * PANEL;
    if (i0 >= m || j0 >= n) return;
    GEMM_ROWS(GEMM_DECLARE)
    __global const float *panel = b + b_offset + (j0 / PANEL) * b_panel_stride;
    if (b_column_stride == 1 && (j0 + PANEL <= n || b_padded)) {
        __global const float *row = panel;
        for (int p = 0; p < k; ++p, row += b_row_stride) {
            float16 b_lo = vload16(0, row), b_hi = vload16(1, row);
            GEMM_ROWS(GEMM_STEP)
        }
    } else {
        for (int p = 0; p < k; ++p) {
            float16 b_lo, b_hi;
            gemm_load_b_edge(panel, p, j0, n, b_row_stride, b_column_stride, &b_lo, &b_hi);
            GEMM_ROWS(GEMM_STEP)
        }
    }
    GEMM_ROWS(GEMM_STORE)
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
        float16 lo, hi;
        if (b_column_stride == 1 && j0 + PANEL <= n) {
            lo = vload16(0, panel + p * b_row_stride);
            hi = vload16(1, panel + p * b_row_stride);
        } else {
            gemm_load_b_edge(panel, p, j0, n, b_row_stride, b_column_stride, &lo, &hi);
        }
        vstore16(lo, 0, out + p * PANEL);
        vstore16(hi, 1, out + p * PANEL);
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
