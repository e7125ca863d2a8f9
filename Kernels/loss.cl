// loss.cl: softmax cross-entropy with soft targets and label smoothing, and top-1 hit counting (LossOps in
// Sources/Compute/Ops/LossOps.swift; CPU reference in Sources/Compute/CPU/CPUDevice+Loss.swift).
//
// Layout: logits, targets and dlogits are [N, K] row-major; row_loss is [N]; loss is [1]; labels are int32 [N];
// hits is int32 [1] and must be zero before count_correct runs.
//
// Kernels and launch geometry (batches are small, so one work-item per row on every device):
//   softmax_cross_entropy       one work-item per row: global = N. t' = (1 - eps)*t + eps/K;
//                               lse = max + log(sum exp(z - max)); row_loss = sum t'*(lse - z);
//                               dlogits = (softmax(z)*sum t' - t')/N.
//   softmax_cross_entropy_mean  a single work-item: loss = sum row_loss / N.
//   count_correct               one work-item per row: global = N; the first maximal logit is compared with the
//                               label and hits are counted with atomic_inc (exact in any order).

__kernel void softmax_cross_entropy(__global const float *logits, __global const float *targets, int rows,
                                    int classes, float smoothing, __global float *row_loss,
                                    __global float *dlogits) {
    int row = get_global_id(0);
    if (row >= rows) return;
    __global const float *z = logits + (long)row * classes;
    __global const float *t = targets + (long)row * classes;
    __global float *dz = dlogits + (long)row * classes;
    float uniform = smoothing / (float)classes, keep = 1.0f - smoothing;
    float maximum = -INFINITY;
    for (int k = 0; k < classes; ++k) maximum = fmax(maximum, z[k]);
    float exponentials = 0.0f;
    for (int k = 0; k < classes; ++k) exponentials += exp(z[k] - maximum);
    float log_sum_exp = maximum + log(exponentials);
    float loss = 0.0f, target_total = 0.0f;
    for (int k = 0; k < classes; ++k) {
        float smoothed = keep * t[k] + uniform;
        loss += smoothed * (log_sum_exp - z[k]);
        target_total += smoothed;
    }
    for (int k = 0; k < classes; ++k) {
        float smoothed = keep * t[k] + uniform;
        dz[k] = (exp(z[k] - log_sum_exp) * target_total - smoothed) / (float)rows;
    }
    row_loss[row] = loss;
}

__kernel void softmax_cross_entropy_mean(__global const float *row_loss, int rows, __global float *loss) {
    if (get_global_id(0) != 0) return;
    float total = 0.0f;
    for (int row = 0; row < rows; ++row) total += row_loss[row];
    loss[0] = total / (float)rows;
}

__kernel void count_correct(__global const float *logits, __global const int *labels, int rows, int classes,
                            __global int *hits) {
    int row = get_global_id(0);
    if (row >= rows || classes == 0) return;
    __global const float *z = logits + (long)row * classes;
    int best = 0;
    for (int k = 1; k < classes; ++k) {
        if (z[k] > z[best]) best = k;
    }
    if (labels[row] == best) atomic_inc(hits);
}
