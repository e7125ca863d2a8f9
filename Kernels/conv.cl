// conv.cl: 2-D convolution and its gradients on NCHW float32 tensors, x [N, C, H, W], w [O, C, KH, KW],
// y and dy [N, O, OH, OW] (ConvOps in Sources/Compute/Ops/ConvOps.swift; host code in
// Sources/Compute/OpenCL/OpenCLDevice+Conv.swift and OpenCLDevice+ConvImplicit.swift; CPU reference in
// Sources/Compute/CPU/CPUDevice+Conv.swift). Two kernel shapes, chosen by the device's variant. The patch index
// r = (c, u, v) runs over the C*KH*KW taps, the output pixel index q = (image, i, j) over the batch's N*OH*OW
// pixels; col[r, q] = x[image, c, i*sh - ph + u, j*sw - pw + v], zero outside x.
//
// GPU shape:
//   conv2d                     y = W . col + bias as an implicit GEMM: col is read straight from x, never
//                              stored. A work-group of 16 x 16 work-items computes 64 output channels x 64 output
//                              pixels from 16-tap slices of W and col staged in __local memory, 4 x 4 outputs per
//                              work-item: global = (ceil(N*OH*OW/64)*16, ceil(O/64)*16), local = (16, 16).
//   The gradients use im2col + the tiled GEMM of gemm.cl over chunks of `images` images starting at element
//   x_offset (Chellapilla, Puri & Simard, 2006). The column matrices are written as B operands of gemm.cl (element
//   (row, column) at (column / PANEL)*panel_stride + row*row_stride + (column % PANEL)*column_stride), so the same
//   kernel writes plain row-major matrices and packed panels:
//   conv2d_im2col              rows r, columns q. A 1x1 kernel turns dy into the matrix [O, images*OH*OW]. One
//                              work-item per (32 columns, row): global = (ceil(column_extent/32), rows).
//   conv2d_im2col_transposed   rows q, columns r: the B of the filter-gradient GEMM (dy . col^T). One work-item
//                              per (32 patch rows, column q): global = (ceil(row_extent/32), columns).
//   conv2d_col2im              dx from the column gradient dcol [C*KH*KW, images*OH*OW] (row-major), gathering
//                              for each pixel the columns that read it (no atomics). One work-item per input row
//                              (image, c, h): global = images*C*H.
//   Positions between the real size and the extent (the rest of the last panel) are written as zeros.
//
// Both shapes:
//   conv2d_backward_bias       db[o] = sum of dy[:, o, :, :]. One work-item per channel: global = O.
//
// CPU shape (conv2d_cpu, conv2d_backward_filter_cpu and their helpers): implicit GEMM, no column matrix; see the
// section below.

#define PANEL 32  // the PANEL of gemm.cl

__kernel void conv2d_im2col(__global const float *x, int x_offset, int channels, int height, int width,
                            int kernel_h, int kernel_w, int stride_h, int stride_w, int pad_h, int pad_w,
                            int out_h, int out_w, int columns, int column_extent, int rows,
                            __global float *col, int panel_stride, int row_stride, int column_stride) {
    const int q0 = get_global_id(0) * PANEL, r = get_global_id(1);
    if (q0 >= column_extent || r >= rows) return;
    const int c = r / (kernel_h * kernel_w), u = (r / kernel_w) % kernel_h, v = r % kernel_w;
    const int plane = out_h * out_w;
    int n = q0 / plane, i = (q0 % plane) / out_w, j = q0 % out_w;
    __global float *out = col + (q0 / PANEL) * panel_stride + r * row_stride;
    for (int l = 0; l < PANEL && q0 + l < column_extent; ++l) {
        float value = 0.0f;
        const int h = i * stride_h - pad_h + u, w = j * stride_w - pad_w + v;
        if (q0 + l < columns && h >= 0 && h < height && w >= 0 && w < width) {
            value = x[x_offset + ((n * channels + c) * height + h) * width + w];
        }
        out[l * column_stride] = value;
        if (++j == out_w) {
            j = 0;
            if (++i == out_h) { i = 0; ++n; }
        }
    }
}

__kernel void conv2d_im2col_transposed(__global const float *x, int x_offset, int channels, int height, int width,
                                       int kernel_h, int kernel_w, int stride_h, int stride_w, int pad_h, int pad_w,
                                       int out_h, int out_w, int columns, int row_extent,
                                       __global float *col, int panel_stride, int row_stride, int column_stride) {
    const int r0 = get_global_id(0) * PANEL, q = get_global_id(1);
    if (r0 >= row_extent || q >= columns) return;
    const int rows = channels * kernel_h * kernel_w, plane = out_h * out_w;
    const int n = q / plane, top = ((q % plane) / out_w) * stride_h - pad_h, left = (q % out_w) * stride_w - pad_w;
    int c = r0 / (kernel_h * kernel_w), u = (r0 / kernel_w) % kernel_h, v = r0 % kernel_w;
    __global const float *image = x + x_offset + n * channels * height * width;
    __global float *out = col + (r0 / PANEL) * panel_stride + q * row_stride;
    for (int l = 0; l < PANEL && r0 + l < row_extent; ++l) {
        float value = 0.0f;
        const int h = top + u, w = left + v;
        if (r0 + l < rows && h >= 0 && h < height && w >= 0 && w < width) {
            value = image[(c * height + h) * width + w];
        }
        out[l * column_stride] = value;
        if (++v == kernel_w) {
            v = 0;
            if (++u == kernel_h) { u = 0; ++c; }
        }
    }
}

__kernel void conv2d_col2im(__global const float *dcol, int columns, int images, int channels, int height,
                            int width, int kernel_h, int kernel_w, int stride_h, int stride_w, int pad_h, int pad_w,
                            int out_h, int out_w, __global float *dx, int dx_offset) {
    const int item = get_global_id(0);
    if (item >= images * channels * height) return;
    const int h = item % height, c = (item / height) % channels, n = item / (height * channels);
    __global float *row = dx + dx_offset + item * width;
    const int plane = out_h * out_w;
    for (int w = 0; w < width; ++w) {
        float sum = 0.0f;
        for (int u = 0; u < kernel_h; ++u) {
            const int i_scaled = h + pad_h - u;
            if (i_scaled < 0 || i_scaled % stride_h != 0 || i_scaled / stride_h >= out_h) continue;
            const int i = i_scaled / stride_h;
            for (int v = 0; v < kernel_w; ++v) {
                const int j_scaled = w + pad_w - v;
                if (j_scaled < 0 || j_scaled % stride_w != 0 || j_scaled / stride_w >= out_w) continue;
                const int r = (c * kernel_h + u) * kernel_w + v;
                sum += dcol[r * columns + n * plane + i * out_w + j_scaled / stride_w];
            }
        }
        row[w] = sum;
    }
}

__kernel void conv2d_backward_bias(__global const float *dy, int batch, int channels, int plane, __global float *db) {
    const int o = get_global_id(0);
    if (o >= channels) return;
    float sum = 0.0f;
    for (int n = 0; n < batch; ++n) {
        __global const float *row = dy + (n * channels + o) * plane;
        for (int p = 0; p < plane; ++p) sum += row[p];
    }
    db[o] = sum;
}

// ---- conv2d (GPU shape): implicit GEMM with __local tiles -------------------------------------------------------

#define TILE 64
#define TILE_K 16
#define GROUP 16
#define PER_ITEM 4

// y[n, o, i, j] = bias[o] + sum_r w[o, r] * col[r, q] for q = (n, i, j) < pixels = N*OH*OW.
__kernel __attribute__((reqd_work_group_size(GROUP, GROUP, 1)))
void conv2d(__global const float *x, int channels, int height, int width, int kernel_h, int kernel_w,
            int stride_h, int stride_w, int pad_h, int pad_w, int out_h, int out_w, int pixels,
            __global const float *w, int out_channels, __global const float *bias, int has_bias,
            __global float *y) {
    __local float w_tile[TILE_K][TILE];
    __local float x_tile[TILE_K][TILE];
    const int lx = get_local_id(0), ly = get_local_id(1), flat = ly * GROUP + lx;
    const int o0 = get_group_id(1) * TILE, q0 = get_group_id(0) * TILE;
    const int taps = kernel_h * kernel_w, depth = channels * taps, plane = out_h * out_w;
    float acc[PER_ITEM][PER_ITEM];
    for (int a = 0; a < PER_ITEM; ++a)
        for (int b = 0; b < PER_ITEM; ++b) acc[a][b] = 0.0f;
    for (int r0 = 0; r0 < depth; r0 += TILE_K) {
        for (int e = flat; e < TILE * TILE_K; e += GROUP * GROUP) {
            const int t = e % TILE, k = e / TILE, r = r0 + k, o = o0 + t, q = q0 + t;
            w_tile[k][t] = (o < out_channels && r < depth) ? w[o * depth + r] : 0.0f;
            float value = 0.0f;
            if (q < pixels && r < depth) {
                const int n = q / plane, p = q % plane, c = r / taps, u = (r / kernel_w) % kernel_h;
                const int h = (p / out_w) * stride_h - pad_h + u, v = (p % out_w) * stride_w - pad_w + r % kernel_w;
                if (h >= 0 && h < height && v >= 0 && v < width) {
                    value = x[((n * channels + c) * height + h) * width + v];
                }
            }
            x_tile[k][t] = value;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < TILE_K; ++k) {
            float wv[PER_ITEM], xv[PER_ITEM];
            for (int a = 0; a < PER_ITEM; ++a) wv[a] = w_tile[k][ly + GROUP * a];
            for (int b = 0; b < PER_ITEM; ++b) xv[b] = x_tile[k][lx + GROUP * b];
            for (int a = 0; a < PER_ITEM; ++a)
                for (int b = 0; b < PER_ITEM; ++b) acc[a][b] = fma(wv[a], xv[b], acc[a][b]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int a = 0; a < PER_ITEM; ++a) {
        const int o = o0 + ly + GROUP * a;
        if (o >= out_channels) continue;
        const float channel_bias = has_bias ? bias[o] : 0.0f;
        for (int b = 0; b < PER_ITEM; ++b) {
            const int q = q0 + lx + GROUP * b;
            if (q >= pixels) continue;
            y[((q / plane) * out_channels + o) * plane + q % plane] = acc[a][b] + channel_bias;
        }
    }
}

// ---- implicit GEMM (CPU shape): no column matrix ---------------------------------------------------------------
//
// A work-item keeps a register tile of CONV_ROWS rows x CONV_COLUMNS channels (16 or 32 of a 32-channel panel),
// broadcasting one scalar per row and loading CONV_COLUMNS consecutive packed values per step, like gemm_cpu:
//   conv2d_cpu                  out[n, o, pixel] over CONV_ROWS consecutive output pixels (counted across the
//                               batch) x CONV_COLUMNS output channels, reading the zero-padded input directly:
//                               global = (ceil(pixels/CONV_ROWS), ceil(O/32)*32/CONV_COLUMNS). It computes the
//                               forward pass, and each phase of the input gradient (below).
//   conv2d_backward_filter_cpu  dw over CONV_ROWS consecutive (c, u, v) taps x CONV_COLUMNS output channels, summed
//                               over a range of output pixels, dy read pixel-major:
//                               global = (ceil(C*KH*KW/CONV_ROWS), ceil(O/32)*32/CONV_COLUMNS).
// The tile is tuned per device (TunableKernel in Sources/Compute/OpenCL/KernelTuning.swift, -D CONV_ROWS=...
// -D CONV_COLUMNS=...): the default 8 x 32 (16 float16 accumulators, 32 vector registers at 16 floats) suits
// AVX-512; at 8 floats (AVX2: 16 registers) the same tile spills, and 6 x 16 (12 registers) fits.
// Helpers: conv2d_pad (zero-pad or crop planes), conv2d_pack_weights (weights into 32-channel panels, optionally
// rotated and subsampled), conv2d_pixel_major (dy [N, O, P] -> [N*P, O padded to 32]). Like the GEMM kernels,
// all of these loop inside a work-item and run one work-item per work-group: with the group size left to PoCL,
// which then vectorises across work-items, the same loops ran several times slower.
//
// The input gradient of a stride-s convolution splits into s*s phases: the pixels h = a + s*t, w = b + s*t' only
// receive taps u = ua + s*k with ua = (a + ph) mod s (same for v), so each phase is a stride-1 correlation of dy
// (cropped or padded) with the rotated sub-kernel, written to every s-th pixel of dx.

#ifndef CONV_ROWS
#define CONV_ROWS 8
#endif
#ifndef CONV_COLUMNS
#define CONV_COLUMNS 32
#endif

// dst[plane, r, c] = src[plane, r - top, c - left], zero outside src (top, left may be negative: cropping).
// One work-item per `planes_per_item` planes: global = ceil(planes / planes_per_item).
__kernel void conv2d_pad(__global const float *src, int planes, int planes_per_item, int src_h, int src_w, int top,
                         int left, int dst_h, int dst_w, __global float *dst) {
    const int first = get_global_id(0) * planes_per_item;
    const int last = min(first + planes_per_item, planes);
    const int w_begin = clamp(left, 0, dst_w), w_end = clamp(left + src_w, w_begin, dst_w);
    for (int plane = first; plane < last; ++plane) {
        for (int r = 0; r < dst_h; ++r) {
            __global float *out = dst + (plane * dst_h + r) * dst_w;
            const int h = r - top;
            if (h < 0 || h >= src_h) {
                for (int w = 0; w < dst_w; ++w) out[w] = 0.0f;
                continue;
            }
            __global const float *in = src + (plane * src_h + h) * src_w - left;
            for (int w = 0; w < w_begin; ++w) out[w] = 0.0f;
            for (int w = w_begin; w < w_end; ++w) out[w] = in[w];
            for (int w = w_end; w < dst_w; ++w) out[w] = 0.0f;
        }
    }
}

// Packs the operator wp[r, (c, k, l)] (rows r < rows, c < cols, taps k < taps_h, l < taps_w) into panels of 32
// rows, [ceil(rows/32), cols*taps_h*taps_w, 32], zero-padded, from weights w [O, C, KH, KW]:
//   flip == 0 (forward: rows = O, cols = C):            wp[o, (c, k, l)] = w[o, c, k, l]
//   flip != 0 (input gradient: rows = C, cols = O):     wp[c, (o, k, l)] = w[o, c, u0 + step_h*(taps_h-1-k),
//                                                                                  v0 + step_w*(taps_w-1-l)]
// One work-item per (panel, 64 packed rows): global = (ceil(rows/32), ceil(cols*taps_h*taps_w/64)).
__kernel void conv2d_pack_weights(__global const float *w, int kernel_h, int kernel_w, int rows, int cols, int flip,
                                  int u0, int v0, int step_h, int step_w, int taps_h, int taps_w,
                                  __global float *packed) {
    const int taps = taps_h * taps_w, depth = cols * taps;
    const int r0 = get_global_id(0) * PANEL, k0 = get_global_id(1) * 64;
    if (r0 >= rows || k0 >= depth) return;
    for (int k = k0; k < min(k0 + 64, depth); ++k) {
        const int c = k / taps, t = k % taps;
        const int u = flip ? u0 + step_h * (taps_h - 1 - t / taps_w) : t / taps_w;
        const int v = flip ? v0 + step_w * (taps_w - 1 - t % taps_w) : t % taps_w;
        float values[PANEL];
        for (int l = 0; l < PANEL; ++l) {
            const int r = min(r0 + l, rows - 1);
            const float value = flip ? w[((c * rows + r) * kernel_h + u) * kernel_w + v]
                                     : w[((r * cols + c) * kernel_h + u) * kernel_w + v];
            values[l] = r0 + l < rows ? value : 0.0f;
        }
        __global float *out = packed + (r0 / PANEL) * depth * PANEL + k * PANEL;
        vstore16(vload16(0, values), 0, out);
        vstore16(vload16(1, values), 1, out);
    }
}

// dyt[n*P + p, o] = dy[n, o, p] with rows padded to row_stride channels (zeros): one work-item per 32 pixels,
// global = ceil(N*P/32).
__kernel void conv2d_pixel_major(__global const float *dy, int pixels, int channels, int plane, int row_stride,
                                 __global float *dyt) {
    const int q0 = get_global_id(0) * 32;
    for (int q = q0; q < min(q0 + 32, pixels); ++q) {
        __global const float *in = dy + (q / plane) * channels * plane + q % plane;
        __global float *out = dyt + q * row_stride;
        for (int o = 0; o < channels; ++o) out[o] = in[o * plane];
        for (int o = channels; o < row_stride; ++o) out[o] = 0.0f;
    }
}

// CONV_TILE(X) expands to X(0) ... X(CONV_ROWS - 1), one accumulator row each.
#define CONV_TILE_1(X) X(0)
#define CONV_TILE_2(X) CONV_TILE_1(X) X(1)
#define CONV_TILE_3(X) CONV_TILE_2(X) X(2)
#define CONV_TILE_4(X) CONV_TILE_3(X) X(3)
#define CONV_TILE_5(X) CONV_TILE_4(X) X(4)
#define CONV_TILE_6(X) CONV_TILE_5(X) X(5)
#define CONV_TILE_7(X) CONV_TILE_6(X) X(6)
#define CONV_TILE_8(X) CONV_TILE_7(X) X(7)
#define CONV_TILE_PASTE(n, X) CONV_TILE_##n(X)
#define CONV_TILE_N(n, X) CONV_TILE_PASTE(n, X)
#define CONV_TILE(X) CONV_TILE_N(CONV_ROWS, X)

// One accumulator row: CONV_COLUMNS floats as one or two float16.
#if CONV_COLUMNS == 32
#define CONV_ACCUMULATOR(m) float16 lo##m = 0.0f, hi##m = 0.0f;
#define CONV_LOAD(row) const float16 b_lo = vload16(0, row), b_hi = vload16(1, row);
#define CONV_FMA(m, s)                                                                            \
    {                                                                                             \
        const float16 broadcast = (float16)(s);                                                   \
        lo##m = fma(broadcast, b_lo, lo##m);                                                      \
        hi##m = fma(broadcast, b_hi, hi##m);                                                      \
    }
#define CONV_SPILL(m, values) vstore16(lo##m, 0, values); vstore16(hi##m, 1, values);
#elif CONV_COLUMNS == 16
#define CONV_ACCUMULATOR(m) float16 lo##m = 0.0f;
#define CONV_LOAD(row) const float16 b_lo = vload16(0, row);
#define CONV_FMA(m, s) lo##m = fma((float16)(s), b_lo, lo##m);
#define CONV_SPILL(m, values) vstore16(lo##m, 0, values);
#else
#error "CONV_COLUMNS must be 16 or 32"
#endif

#define IMPLICIT_DECLARE(m)                                                                       \
    CONV_ACCUMULATOR(m)                                                                           \
    int in##m, out##m;                                                                            \
    {                                                                                             \
        const int q = min(q0 + m, pixels - 1), n = q / plane, p = q % plane;                      \
        const int i = p / out_w, j = p % out_w;                                                   \
        in##m = n * in_channels * in_plane + i * stride_h * in_w + j * stride_w;                  \
        out##m = n * out_channels * dst_plane + (dst_row0 + i * dst_step_h) * dst_w + dst_col0 + j * dst_step_w; \
    }
#define IMPLICIT_STEP(m) CONV_FMA(m, tap[in##m])
#define IMPLICIT_STORE(m)                                                                         \
    if (q0 + m < pixels) {                                                                        \
        float values[CONV_COLUMNS];                                                               \
        CONV_SPILL(m, values)                                                                     \
        for (int l = 0; l < CONV_COLUMNS && o0 + l < out_channels; ++l) {                         \
            dst[out##m + (o0 + l) * dst_plane] = values[l] + (has_bias ? bias[o0 + l] : 0.0f);    \
        }                                                                                         \
    }

// For every output pixel (n, i, j) of an out_h x out_w grid and channel o:
//   dst[n, o, dst_row0 + i*dst_step_h, dst_col0 + j*dst_step_w]
//     = bias[o] + sum_{c, k, l} wp[o, (c, k, l)] * xp[n, c, i*stride_h + k, j*stride_w + l]
// with xp [N, in_channels, in_h, in_w] already padded and dst [N, out_channels, dst_plane / dst_w, dst_w].
__kernel void conv2d_cpu(__global const float *xp, int in_channels, int in_h, int in_w, int taps_h,
                                  int taps_w, int stride_h, int stride_w, int out_h, int out_w, int pixels,
                                  __global const float *wp, int out_channels, __global const float *bias,
                                  int has_bias, __global float *dst, int dst_plane, int dst_w, int dst_row0,
                                  int dst_col0, int dst_step_h, int dst_step_w) {
    const int q0 = get_global_id(0) * CONV_ROWS, o0 = get_global_id(1) * CONV_COLUMNS;
    if (q0 >= pixels || o0 >= out_channels) return;
    const int plane = out_h * out_w, in_plane = in_h * in_w;
    CONV_TILE(IMPLICIT_DECLARE)
    __global const float *row = wp + (o0 / PANEL) * in_channels * taps_h * taps_w * PANEL + o0 % PANEL;
    for (int c = 0; c < in_channels; ++c) {
        for (int k = 0; k < taps_h; ++k) {
            __global const float *tap = xp + c * in_plane + k * in_w;
            for (int l = 0; l < taps_w; ++l, ++tap, row += PANEL) {
                CONV_LOAD(row)
                CONV_TILE(IMPLICIT_STEP)
            }
        }
    }
    CONV_TILE(IMPLICIT_STORE)
}

#define FILTER_DECLARE(m)                                                                         \
    CONV_ACCUMULATOR(m)                                                                           \
    int tap##m;                                                                                   \
    {                                                                                             \
        const int r = min(r0 + m, taps - 1), c = r / (kernel_h * kernel_w);                       \
        tap##m = c * in_plane + ((r / kernel_w) % kernel_h) * in_w + r % kernel_w;                \
    }
#define FILTER_STEP(m) CONV_FMA(m, image[tap##m])
#define FILTER_STORE(m)                                                                           \
    if (r0 + m < taps) {                                                                          \
        float values[CONV_COLUMNS];                                                               \
        CONV_SPILL(m, values)                                                                     \
        for (int l = 0; l < CONV_COLUMNS && o0 + l < out_channels; ++l) {                         \
            __global float *out = dw + (o0 + l) * taps + r0 + m;                                  \
            *out = values[l] + (accumulate ? *out : 0.0f);                                        \
        }                                                                                         \
    }

// dw[o, (c, u, v)] (+)= sum over output pixels q in [q_begin, q_end) of dyt[q, o] * xp[n, c, i*sh + u, j*sw + v],
// q = (n, i, j), xp the zero-padded input, dyt from conv2d_pixel_major (row stride dyt_stride).
__kernel void conv2d_backward_filter_cpu(__global const float *xp, int in_channels, int in_h, int in_w, int kernel_h,
                                     int kernel_w, int stride_h, int stride_w, int out_h, int out_w, int q_begin,
                                     int q_end, __global const float *dyt, int dyt_stride, int out_channels,
                                     int accumulate, __global float *dw) {
    const int taps = in_channels * kernel_h * kernel_w;
    const int r0 = get_global_id(0) * CONV_ROWS, o0 = get_global_id(1) * CONV_COLUMNS;
    if (r0 >= taps || o0 >= out_channels) return;
    const int in_plane = in_h * in_w, plane = out_h * out_w;
    CONV_TILE(FILTER_DECLARE)
    int n = q_begin / plane, i = (q_begin % plane) / out_w, j = q_begin % out_w;
    __global const float *image = xp + n * in_channels * in_plane + i * stride_h * in_w + j * stride_w;
    __global const float *row = dyt + q_begin * dyt_stride + o0;
    for (int q = q_begin; q < q_end; ++q, row += dyt_stride) {
        CONV_LOAD(row)
        CONV_TILE(FILTER_STEP)
        if (++j < out_w) {
            image += stride_w;
        } else {
            j = 0;
            if (++i == out_h) { i = 0; ++n; }
            image = xp + n * in_channels * in_plane + i * stride_h * in_w;
        }
    }
    CONV_TILE(FILTER_STORE)
}
