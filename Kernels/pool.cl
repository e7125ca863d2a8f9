// pool.cl: 2-D max, average and adaptive average pooling, forward and backward (PoolOps in
// Sources/Compute/Ops/PoolOps.swift; CPU reference in Sources/Compute/CPU/CPUDevice+Pool.swift).
//
// Layout: x and dx are [P, H, W] with P = N*C planes; y, dy and indices are [P, OH, OW]. indices are int32
// positions h*W + w inside the input plane. Windows: kernel (kh, kw), stride (sh, sw), padding (ph, pw); output
// (i, j) covers input rows i*sh - ph ... i*sh - ph + kh - 1 (columns likewise). Adaptive windows: output i of n over
// length L covers [floor(i*L/n), ceil((i+1)*L/n)).
//
// Kernels and launch geometry:
//   GPU (3-D ranges, so a work-item finds its position without dividing; the runtime picks the group shape):
//     max_pool2d_forward, avg_pool2d_forward, adaptive_avg_pool2d_forward
//         one work-item per output: global = (OW, OH, P).
//     max_pool2d_backward, avg_pool2d_backward, adaptive_avg_pool2d_backward
//         one work-item per input position: global = (W, H, P). Each gathers the gradients of the outputs whose
//         windows contain it, in row-major output order, so no atomics are needed and sums are deterministic.
//   CPU (_cpu suffix):
//     forward kernels: one work-item per output row (p, i): global = P*OH, 16 rows per work-group.
//     backward kernels: one work-item per plane: global = P. The plane is zeroed, then every output's gradient is
//         added to its window (or its argmax) in row-major output order: the same sums in the same order as the
//         gather kernels and the CPU reference.

// Max pooling follows PyTorch: the scan starts at the first in-bounds position, then a greater value or a NaN
// takes over, so ties keep the first maximum. Writes output (i, j) of plane p.
inline void max_window(__global const float *x, int height, int width, int out_height, int out_width, int kh,
                       int kw, int sh, int sw, int ph, int pw, int p, int i, int j, __global float *y,
                       __global int *indices) {
    __global const float *plane = x + (long)p * height * width;
    int h0 = i * sh - ph, w0 = j * sw - pw;
    int h_lo = max(h0, 0), h_hi = min(h0 + kh, height), w_lo = max(w0, 0), w_hi = min(w0 + kw, width);
    float best = plane[h_lo * width + w_lo];
    int best_index = h_lo * width + w_lo;
    for (int h = h_lo; h < h_hi; ++h) {
        for (int w = w_lo; w < w_hi; ++w) {
            float v = plane[h * width + w];
            if (v > best || isnan(v)) {
                best = v;
                best_index = h * width + w;
            }
        }
    }
    long o = ((long)p * out_height + i) * out_width + j;
    y[o] = best;
    indices[o] = best_index;
}

__kernel void max_pool2d_forward(__global const float *x, int height, int width, int out_height, int out_width,
                                 int kh, int kw, int sh, int sw, int ph, int pw, __global float *y,
                                 __global int *indices) {
    int j = get_global_id(0), i = get_global_id(1), p = get_global_id(2);
    if (j >= out_width || i >= out_height) return;
    max_window(x, height, width, out_height, out_width, kh, kw, sh, sw, ph, pw, p, i, j, y, indices);
}

// Per output row: every output starts at -inf with the index of its window's first in-bounds position, then the
// taps are visited window row by window row and column by column (row-major per output, as in max_window), with
// the output column innermost so the loop runs over consecutive outputs.
__kernel void max_pool2d_forward_cpu(__global const float *restrict x, int rows, int height, int width,
                                     int out_height, int out_width, int kh, int kw, int sh, int sw, int ph, int pw,
                                     __global float *restrict y, __global int *restrict indices) {
    int row = get_global_id(0);
    if (row >= rows) return;
    int p = row / out_height, i = row % out_height, h0 = i * sh - ph;
    __global const float *plane = x + (long)p * height * width;
    __global float *best = y + (long)row * out_width;
    __global int *best_index = indices + (long)row * out_width;
    for (int j = 0; j < out_width; ++j) {
        best[j] = -INFINITY;
        best_index[j] = max(h0, 0) * width + max(j * sw - pw, 0);
    }
    for (int h = max(h0, 0); h < min(h0 + kh, height); ++h) {
        __global const float *input = plane + h * width;
        for (int dw = 0; dw < kw; ++dw) {
            // Outputs whose tap dw falls inside the row: 0 <= j*sw - pw + dw < width.
            int last = width - 1 + pw - dw;
            int j_lo = max(0, (pw - dw + sw - 1) / sw), j_hi = last < 0 ? 0 : min(out_width, last / sw + 1);
            for (int j = j_lo; j < j_hi; ++j) {
                int w = j * sw - pw + dw;
                float v = input[w];
                if (v > best[j] || isnan(v)) {
                    best[j] = v;
                    best_index[j] = h * width + w;
                }
            }
        }
    }
}

// First and one-past-last output along an axis whose windows contain input index h.
inline int first_window(int h, int k, int s, int p) { return max(0, (h + p - k + s) / s); }
inline int end_window(int h, int s, int p, int outputs) { return min(outputs, (h + p) / s + 1); }

__kernel void max_pool2d_backward(__global const float *dy, __global const int *indices, int height, int width,
                                  int out_height, int out_width, int kh, int kw, int sh, int sw, int ph, int pw,
                                  __global float *dx) {
    int w = get_global_id(0), h = get_global_id(1), p = get_global_id(2);
    if (w >= width || h >= height) return;
    long base = (long)p * out_height * out_width;
    int position = h * width + w;
    float total = 0.0f;
    for (int i = first_window(h, kh, sh, ph); i < end_window(h, sh, ph, out_height); ++i) {
        for (int j = first_window(w, kw, sw, pw); j < end_window(w, sw, pw, out_width); ++j) {
            long o = base + i * out_width + j;
            if (indices[o] == position) total += dy[o];
        }
    }
    dx[(long)p * height * width + position] = total;
}

__kernel void max_pool2d_backward_cpu(__global const float *dy, __global const int *indices, int planes,
                                      int height, int width, int out_height, int out_width, __global float *dx) {
    int p = get_global_id(0);
    if (p >= planes) return;
    int size = height * width, outputs = out_height * out_width;
    __global float *target = dx + (long)p * size;
    __global const float *gradient = dy + (long)p * outputs;
    __global const int *argmax = indices + (long)p * outputs;
    for (int r = 0; r < size; ++r) target[r] = 0.0f;
    for (int o = 0; o < outputs; ++o) {
        int index = argmax[o];
        if (index >= 0 && index < size) target[index] += gradient[o];
    }
}

// count_include_pad: the window sum over the input, divided by the full kernel area.
inline void avg_window(__global const float *x, int height, int width, int out_height, int out_width, int kh,
                       int kw, int sh, int sw, int ph, int pw, int p, int i, int j, __global float *y) {
    __global const float *plane = x + (long)p * height * width;
    int h0 = i * sh - ph, w0 = j * sw - pw;
    float total = 0.0f;
    for (int h = max(h0, 0); h < min(h0 + kh, height); ++h) {
        for (int w = max(w0, 0); w < min(w0 + kw, width); ++w) total += plane[h * width + w];
    }
    y[((long)p * out_height + i) * out_width + j] = total / (float)(kh * kw);
}

__kernel void avg_pool2d_forward(__global const float *x, int height, int width, int out_height, int out_width,
                                 int kh, int kw, int sh, int sw, int ph, int pw, __global float *y) {
    int j = get_global_id(0), i = get_global_id(1), p = get_global_id(2);
    if (j >= out_width || i >= out_height) return;
    avg_window(x, height, width, out_height, out_width, kh, kw, sh, sw, ph, pw, p, i, j, y);
}

__kernel void avg_pool2d_forward_cpu(__global const float *x, int rows, int height, int width, int out_height,
                                     int out_width, int kh, int kw, int sh, int sw, int ph, int pw,
                                     __global float *y) {
    int row = get_global_id(0);
    if (row >= rows) return;
    for (int j = 0; j < out_width; ++j) {
        avg_window(x, height, width, out_height, out_width, kh, kw, sh, sw, ph, pw, row / out_height,
                   row % out_height, j, y);
    }
}

__kernel void avg_pool2d_backward(__global const float *dy, int height, int width, int out_height, int out_width,
                                  int kh, int kw, int sh, int sw, int ph, int pw, __global float *dx) {
    int w = get_global_id(0), h = get_global_id(1), p = get_global_id(2);
    if (w >= width || h >= height) return;
    __global const float *gradient = dy + (long)p * out_height * out_width;
    float divisor = (float)(kh * kw), total = 0.0f;
    for (int i = first_window(h, kh, sh, ph); i < end_window(h, sh, ph, out_height); ++i) {
        for (int j = first_window(w, kw, sw, pw); j < end_window(w, sw, pw, out_width); ++j) {
            total += gradient[i * out_width + j] / divisor;
        }
    }
    dx[((long)p * height + h) * width + w] = total;
}

__kernel void avg_pool2d_backward_cpu(__global const float *dy, int planes, int height, int width, int out_height,
                                      int out_width, int kh, int kw, int sh, int sw, int ph, int pw,
                                      __global float *dx) {
    int p = get_global_id(0);
    if (p >= planes) return;
    __global float *target = dx + (long)p * height * width;
    __global const float *gradient = dy + (long)p * out_height * out_width;
    float divisor = (float)(kh * kw);
    for (int r = 0; r < height * width; ++r) target[r] = 0.0f;
    for (int i = 0; i < out_height; ++i) {
        for (int j = 0; j < out_width; ++j) {
            float share = gradient[i * out_width + j] / divisor;
            int h0 = i * sh - ph, w0 = j * sw - pw;
            for (int h = max(h0, 0); h < min(h0 + kh, height); ++h) {
                for (int w = max(w0, 0); w < min(w0 + kw, width); ++w) target[h * width + w] += share;
            }
        }
    }
}

inline int adaptive_start(int i, int n, int length) { return i * length / n; }
inline int adaptive_end(int i, int n, int length) { return ((i + 1) * length + n - 1) / n; }

inline void adaptive_window(__global const float *x, int height, int width, int out_height, int out_width, int p,
                            int i, int j, __global float *y) {
    __global const float *plane = x + (long)p * height * width;
    int h_lo = adaptive_start(i, out_height, height), h_hi = adaptive_end(i, out_height, height);
    int w_lo = adaptive_start(j, out_width, width), w_hi = adaptive_end(j, out_width, width);
    float total = 0.0f;
    for (int h = h_lo; h < h_hi; ++h) {
        for (int w = w_lo; w < w_hi; ++w) total += plane[h * width + w];
    }
    y[((long)p * out_height + i) * out_width + j] = total / (float)((h_hi - h_lo) * (w_hi - w_lo));
}

__kernel void adaptive_avg_pool2d_forward(__global const float *x, int height, int width, int out_height,
                                          int out_width, __global float *y) {
    int j = get_global_id(0), i = get_global_id(1), p = get_global_id(2);
    if (j >= out_width || i >= out_height) return;
    adaptive_window(x, height, width, out_height, out_width, p, i, j, y);
}

__kernel void adaptive_avg_pool2d_forward_cpu(__global const float *x, int rows, int height, int width,
                                              int out_height, int out_width, __global float *y) {
    int row = get_global_id(0);
    if (row >= rows) return;
    for (int j = 0; j < out_width; ++j) {
        adaptive_window(x, height, width, out_height, out_width, row / out_height, row % out_height, j, y);
    }
}

__kernel void adaptive_avg_pool2d_backward(__global const float *dy, int height, int width, int out_height,
                                           int out_width, __global float *dx) {
    int w = get_global_id(0), h = get_global_id(1), p = get_global_id(2);
    if (w >= width || h >= height) return;
    __global const float *gradient = dy + (long)p * out_height * out_width;
    float total = 0.0f;
    // Outputs containing h: floor(h*n/L) ... ceil((h+1)*n/L) - 1.
    for (int i = h * out_height / height; i < ((h + 1) * out_height + height - 1) / height; ++i) {
        int rows = adaptive_end(i, out_height, height) - adaptive_start(i, out_height, height);
        for (int j = w * out_width / width; j < ((w + 1) * out_width + width - 1) / width; ++j) {
            int columns = adaptive_end(j, out_width, width) - adaptive_start(j, out_width, width);
            total += gradient[i * out_width + j] / (float)(rows * columns);
        }
    }
    dx[((long)p * height + h) * width + w] = total;
}

__kernel void adaptive_avg_pool2d_backward_cpu(__global const float *dy, int planes, int height, int width,
                                               int out_height, int out_width, __global float *dx) {
    int p = get_global_id(0);
    if (p >= planes) return;
    __global float *target = dx + (long)p * height * width;
    __global const float *gradient = dy + (long)p * out_height * out_width;
    for (int r = 0; r < height * width; ++r) target[r] = 0.0f;
    for (int i = 0; i < out_height; ++i) {
        int h_lo = adaptive_start(i, out_height, height), h_hi = adaptive_end(i, out_height, height);
        for (int j = 0; j < out_width; ++j) {
            int w_lo = adaptive_start(j, out_width, width), w_hi = adaptive_end(j, out_width, width);
            float share = gradient[i * out_width + j] / (float)((h_hi - h_lo) * (w_hi - w_lo));
            for (int h = h_lo; h < h_hi; ++h) {
                for (int w = w_lo; w < w_hi; ++w) target[h * width + w] += share;
            }
        }
    }
}
