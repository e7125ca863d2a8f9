// optimizer.cl: parameter updates (OptimizerOps in Sources/Compute/Ops/OptimizerOps.swift; CPU reference in
// Sources/Compute/CPU/CPUDevice+Optimizer.swift).
//
// Layout: weights, gradient and momentum buffer are flat float arrays of n elements.
//
// Kernels and launch geometry:
//   sgd_step  one work-item per element: global = n rounded up to the work-group size. PyTorch's SGD with
//             dampening 0: g' = g + wd*w; b = first ? g' : mu*b + g'; d = nesterov ? g' + mu*b : b; w -= lr*d.
//             Reads w, g, b and writes w, b: 20 bytes per parameter.

__kernel void sgd_step(__global float *weights, __global const float *gradient, __global float *buffer, long n,
                       float learning_rate, float momentum, float weight_decay, int nesterov, int first_step) {
    long i = get_global_id(0);
    if (i >= n) return;
    float w = weights[i];
    float g = gradient[i] + weight_decay * w;
    float b = first_step ? g : momentum * buffer[i] + g;
    buffer[i] = b;
    weights[i] = w - learning_rate * (nesterov ? g + momentum * b : b);
}
