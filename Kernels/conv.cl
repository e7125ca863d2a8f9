// conv.cl: the data movement around the GEMMs of gemm.cl that make up 2-D convolution and its gradients
// (Sources/Compute/OpenCL/OpenCLDevice+Conv.swift). Tensors are NCHW float32: x [N, C, H, W], y and dy
// [N, O, OH, OW]; a chunk of `images` images starting at element offset x_offset is processed at a time.
//
// The column matrix of a chunk (im2col) has rows r = (c, u, v) of the C*KH*KW patch and columns
// q = (image, i, j) of the output pixels: col[r, q] = x[image, c, i*sh - ph + u, j*sw - pw + v], zero outside x.
// It is written as a B operand of gemm.cl (element (row, column) at
// (column / PANEL)*panel_stride + row*row_stride + (column % PANEL)*column_stride), so the same kernel writes
// plain row-major matrices and packed panels:
//   conv2d_im2col             rows r, columns q: the B of the forward GEMM (W . col). A 1x1 kernel turns dy
//                             into the matrix [O, images*OH*OW]. One work-item per (32 columns, row):
//                             global = (ceil(column_extent/32), rows).
//   conv2d_im2col_transposed  rows q, columns r: the B of the filter-gradient GEMM (dy . col^T). One work-item
//                             per (32 patch rows, column q): global = (ceil(row_extent/32), columns).
//   conv2d_col2im             dx from the column gradient dcol [C*KH*KW, images*OH*OW] (row-major), gathering
//                             for each pixel the columns that read it (no atomics). One work-item per input row
//                             (image, c, h): global = images*C*H.
//   conv2d_bias_grad          db[o] = sum of dy[:, o, :, :]. One work-item per channel: global = O.
// Positions between the real size and the extent (the rest of the last panel) are written as zeros.

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

__kernel void conv2d_bias_grad(__global const float *dy, int batch, int channels, int plane, __global float *db) {
    const int o = get_global_id(0);
    if (o >= channels) return;
    float sum = 0.0f;
    for (int n = 0; n < batch; ++n) {
        __global const float *row = dy + (n * channels + o) * plane;
        for (int p = 0; p < plane; ++p) sum += row[p];
    }
    db[o] = sum;
}
