// elementwise.cl: element-by-element ops of ElementwiseOps (Sources/Compute/Ops/ElementwiseOps.swift); the CPU
// reference is Sources/Compute/CPU/CPUDevice+Elementwise.swift.
//
// Buffers are flat float arrays of n elements (any shape, row-major).
//
// Kernels and launch geometry:
//   relu_forward, relu_backward, add, add_relu, axpy, scale
//              one work-item per element: global = n rounded up to the work-group size (64 on CPU devices, where
//              PoCL vectorises across the work-items of a group; 256 on GPUs).
//   sum_axis   x viewed as [outer, length, inner]: one work-item per output (o, i), summing `length` terms in
//              order: global = outer*inner; output [outer, inner].

__kernel void relu_forward(__global const float *x, long n, __global float *y) {
    long i = get_global_id(0);
    if (i >= n) return;
    float v = x[i];
    y[i] = v < 0.0f ? 0.0f : v;
}

__kernel void relu_backward(__global const float *dy, __global const float *y, long n, __global float *dx) {
    long i = get_global_id(0);
    if (i >= n) return;
    dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

__kernel void add(__global const float *a, __global const float *b, long n, __global float *y) {
    long i = get_global_id(0);
    if (i >= n) return;
    y[i] = a[i] + b[i];
}

__kernel void add_relu(__global const float *a, __global const float *b, long n, __global float *y) {
    long i = get_global_id(0);
    if (i >= n) return;
    float v = a[i] + b[i];
    y[i] = v < 0.0f ? 0.0f : v;
}

// y <- y + alpha*x
__kernel void axpy(float alpha, __global const float *x, long n, __global float *y) {
    long i = get_global_id(0);
    if (i >= n) return;
    y[i] += alpha * x[i];
}

// x <- alpha*x
__kernel void scale(float alpha, long n, __global float *x) {
    long i = get_global_id(0);
    if (i >= n) return;
    x[i] *= alpha;
}

__kernel void sum_axis(__global const float *x, long outer, int length, long inner, __global float *y) {
    long item = get_global_id(0);
    if (item >= outer * inner) return;
    long o = item / inner, i = item % inner;
    __global const float *source = x + o * length * inner + i;
    float total = 0.0f;
    for (int j = 0; j < length; ++j) total += source[(long)j * inner];
    y[item] = total;
}
