// batch_norm.cl: batch normalisation of [N, C, H, W] float tensors (BatchNormOps in
// Sources/Compute/Ops/BatchNormOps.swift; CPU reference in Sources/Compute/CPU/CPUDevice+BatchNorm.swift).
//
// Layout: x, y, dy, dx are [N, C, HW] (HW = H*W); gamma, beta, mean, inv_std, running stats, dgamma, dbeta are [C].
// Channel c holds L = N*HW values; value j of the channel (0 <= j < L) lives at (j / HW * C + c) * HW + j % HW.
// Each channel is cut into S contiguous splits, split s covering j in [s*L/S, (s+1)*L/S); partials are
// [C, S, 2] floats.
//
// Statistics read x once. Each split's values are reduced to (mean, M2 = sum of squared deviations) and the
// splits are merged with the pairwise update of Chan, Golub & LeVeque (1979):
//   n = na + nb, d = mb - ma, m = ma + d*nb/n, M2 = M2a + M2b + d*d*na*nb/n.
//
// Kernels and launch geometry:
//   batch_norm_statistics        GPU: work-group of 256 per (split, channel): global = (256*S, C), local = (256, 1).
//                                Each work-item runs Welford's update over the split's values j = start + lid,
//                                stride 256; the group merges its 256 partials in a local-memory tree.
//   batch_norm_statistics_cpu    CPU: one work-item per (channel, split): global = C*S. The split is walked in
//                                chunks of at most 1024 contiguous values (one plane row run, in L1); each chunk's
//                                exact two-pass mean and M2 come from float16 lanes and are merged into the split.
//   batch_norm_finalize          one work-item per channel: global = C. Merges the S partials; writes mean and
//                                inv_std = 1/sqrt(M2/L + eps); running_mean <- (1-m)*running_mean + m*mean and
//                                running_var <- (1-m)*running_var + m*M2/(L-1).
//   batch_norm_forward           GPU: one work-item per element: global = N*C*HW.
//   batch_norm_forward_cpu       CPU: one work-item per plane (n, c): global = N*C.
//                                y = (x - mean)*inv_std*gamma + beta.
//   batch_norm_inference         GPU: one work-item per element: global = N*C*HW.
//   batch_norm_inference_cpu     CPU: one work-item per plane (n, c): global = N*C.
//                                Evaluation mode: y = (x - running_mean)/sqrt(running_var + eps)*gamma + beta.
//   batch_norm_backward_sums     GPU: as batch_norm_statistics; partials (sum dy, sum dy*(x - mean)).
//   batch_norm_backward_sums_cpu CPU: as batch_norm_statistics_cpu, chunk sums added with Kahan compensation.
//   batch_norm_backward_finalize one work-item per channel: dbeta = sum dy, dgamma = inv_std * sum dy*(x - mean).
//   batch_norm_backward          GPU: one work-item per element.
//   batch_norm_backward_cpu      CPU: one work-item per plane.
//                                dx = gamma*inv_std*(dy - dbeta/L - xhat*dgamma/L), xhat = (x - mean)*inv_std.

#define GROUP 256
#define CHUNK 1024

inline long split_start(int s, int splits, long count) { return s * count / splits; }

inline long channel_address(long j, int hw, int channels, int c) {
    long image = j / hw;
    return (image * channels + c) * hw + (j - image * hw);
}

// Merges (nb, mb, qb) into (na, ma, qa).
inline void chan_merge(float *na, float *ma, float *qa, float nb, float mb, float qb) {
    if (nb == 0.0f) return;
    float n = *na + nb;
    float d = mb - *ma;
    *ma += d * (nb / n);
    *qa += qb + d * d * (*na / n) * nb;
    *na = n;
}

__kernel void batch_norm_statistics(__global const float *x, int channels, int hw, long count, int splits,
                                    __global float *partials, __local float *counts, __local float *means,
                                    __local float *squares) {
    int lid = get_local_id(0), s = get_group_id(0), c = get_group_id(1);
    long start = split_start(s, splits, count), end = split_start(s + 1, splits, count);
    float n = 0.0f, mean = 0.0f, m2 = 0.0f;
    for (long j = start + lid; j < end; j += GROUP) {
        float v = x[channel_address(j, hw, channels, c)];
        n += 1.0f;
        float d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
    }
    counts[lid] = n;
    means[lid] = mean;
    squares[lid] = m2;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lid < stride) {
            float na = counts[lid], ma = means[lid], qa = squares[lid];
            chan_merge(&na, &ma, &qa, counts[lid + stride], means[lid + stride], squares[lid + stride]);
            counts[lid] = na;
            means[lid] = ma;
            squares[lid] = qa;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) vstore2((float2)(means[0], squares[0]), (long)c * splits + s, partials);
}

inline float chunk_sum(__global const float *p, int length) {
    float16 lanes = 0.0f;
    int i = 0;
    for (; i + 16 <= length; i += 16) lanes += vload16(0, p + i);
    float8 half8 = lanes.lo + lanes.hi;
    float4 half4 = half8.lo + half8.hi;
    float2 half2 = half4.lo + half4.hi;
    float total = half2.x + half2.y;
    for (; i < length; ++i) total += p[i];
    return total;
}

inline float chunk_squares(__global const float *p, int length, float mean) {
    float16 lanes = 0.0f;
    int i = 0;
    for (; i + 16 <= length; i += 16) {
        float16 d = vload16(0, p + i) - mean;
        lanes += d * d;
    }
    float8 half8 = lanes.lo + lanes.hi;
    float4 half4 = half8.lo + half8.hi;
    float2 half2 = half4.lo + half4.hi;
    float total = half2.x + half2.y;
    for (; i < length; ++i) total += (p[i] - mean) * (p[i] - mean);
    return total;
}

// sum of a*(b - center)
inline float chunk_products(__global const float *a, __global const float *b, int length, float center) {
    float16 lanes = 0.0f;
    int i = 0;
    for (; i + 16 <= length; i += 16) lanes += vload16(0, a + i) * (vload16(0, b + i) - center);
    float8 half8 = lanes.lo + lanes.hi;
    float4 half4 = half8.lo + half8.hi;
    float2 half2 = half4.lo + half4.hi;
    float total = half2.x + half2.y;
    for (; i < length; ++i) total += a[i] * (b[i] - center);
    return total;
}

// Length of the contiguous run starting at channel value j: to the end of its plane, the split, or one chunk.
inline int run_length(long j, long end, int hw) {
    return (int)min(min(end - j, (long)(hw - j % hw)), (long)CHUNK);
}

__kernel void batch_norm_statistics_cpu(__global const float *x, int channels, int hw, long count, int splits,
                                        __global float *partials) {
    int item = get_global_id(0);
    if (item >= channels * splits) return;
    int c = item / splits, s = item % splits;
    long end = split_start(s + 1, splits, count);
    float n = 0.0f, mean = 0.0f, m2 = 0.0f;
    for (long j = split_start(s, splits, count); j < end;) {
        int length = run_length(j, end, hw);
        __global const float *p = x + channel_address(j, hw, channels, c);
        float chunk_mean = chunk_sum(p, length) / length;
        chan_merge(&n, &mean, &m2, (float)length, chunk_mean, chunk_squares(p, length, chunk_mean));
        j += length;
    }
    vstore2((float2)(mean, m2), item, partials);
}

__kernel void batch_norm_finalize(__global const float *partials, int channels, int splits, long count,
                                  float momentum, float epsilon, __global float *mean_out,
                                  __global float *inv_std_out, __global float *running_mean,
                                  __global float *running_var) {
    int c = get_global_id(0);
    if (c >= channels) return;
    float n = 0.0f, mean = 0.0f, m2 = 0.0f;
    for (int s = 0; s < splits; ++s) {
        float2 part = vload2((long)c * splits + s, partials);
        float length = (float)(split_start(s + 1, splits, count) - split_start(s, splits, count));
        chan_merge(&n, &mean, &m2, length, part.x, part.y);
    }
    mean_out[c] = mean;
    inv_std_out[c] = 1.0f / sqrt(m2 / (float)count + epsilon);
    running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
    running_var[c] = (1.0f - momentum) * running_var[c] + momentum * (m2 / (float)(count - 1));
}

__kernel void batch_norm_forward(__global const float *x, long total, int channels, int hw,
                                 __global const float *mean, __global const float *inv_std,
                                 __global const float *gamma, __global const float *beta, __global float *y) {
    long i = get_global_id(0);
    if (i >= total) return;
    int c = (int)((i / hw) % channels);
    y[i] = (x[i] - mean[c]) * inv_std[c] * gamma[c] + beta[c];
}

__kernel void batch_norm_forward_cpu(__global const float *restrict x, int planes, int channels, int hw,
                                     __global const float *mean, __global const float *inv_std,
                                     __global const float *gamma, __global const float *beta,
                                     __global float *restrict y) {
    int plane = get_global_id(0);
    if (plane >= planes) return;
    int c = plane % channels;
    float m = mean[c], scale = inv_std[c], g = gamma[c], b = beta[c];
    long offset = (long)plane * hw;
    for (int r = 0; r < hw; ++r) y[offset + r] = (x[offset + r] - m) * scale * g + b;
}

__kernel void batch_norm_inference(__global const float *x, long total, int channels, int hw,
                                   __global const float *running_mean, __global const float *running_var,
                                   float epsilon, __global const float *gamma, __global const float *beta,
                                   __global float *y) {
    long i = get_global_id(0);
    if (i >= total) return;
    int c = (int)((i / hw) % channels);
    y[i] = (x[i] - running_mean[c]) * (1.0f / sqrt(running_var[c] + epsilon)) * gamma[c] + beta[c];
}

__kernel void batch_norm_inference_cpu(__global const float *restrict x, int planes, int channels, int hw,
                                       __global const float *running_mean, __global const float *running_var,
                                       float epsilon, __global const float *gamma, __global const float *beta,
                                       __global float *restrict y) {
    int plane = get_global_id(0);
    if (plane >= planes) return;
    int c = plane % channels;
    float m = running_mean[c], scale = 1.0f / sqrt(running_var[c] + epsilon), g = gamma[c], b = beta[c];
    long offset = (long)plane * hw;
    for (int r = 0; r < hw; ++r) y[offset + r] = (x[offset + r] - m) * scale * g + b;
}

__kernel void batch_norm_backward_sums(__global const float *dy, __global const float *x,
                                       __global const float *mean, int channels, int hw, long count, int splits,
                                       __global float *partials, __local float *sums, __local float *products) {
    int lid = get_local_id(0), s = get_group_id(0), c = get_group_id(1);
    long start = split_start(s, splits, count), end = split_start(s + 1, splits, count);
    float m = mean[c], sum = 0.0f, product = 0.0f;
    for (long j = start + lid; j < end; j += GROUP) {
        long address = channel_address(j, hw, channels, c);
        float g = dy[address];
        sum += g;
        product += g * (x[address] - m);
    }
    sums[lid] = sum;
    products[lid] = product;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lid < stride) {
            sums[lid] += sums[lid + stride];
            products[lid] += products[lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) vstore2((float2)(sums[0], products[0]), (long)c * splits + s, partials);
}

// total += value with Kahan's compensation carried in *error.
inline void kahan_add(float *total, float *error, float value) {
    float y = value - *error;
    float t = *total + y;
    *error = (t - *total) - y;
    *total = t;
}

__kernel void batch_norm_backward_sums_cpu(__global const float *dy, __global const float *x,
                                           __global const float *mean, int channels, int hw, long count,
                                           int splits, __global float *partials) {
    int item = get_global_id(0);
    if (item >= channels * splits) return;
    int c = item / splits, s = item % splits;
    long end = split_start(s + 1, splits, count);
    float m = mean[c], sum = 0.0f, sum_error = 0.0f, product = 0.0f, product_error = 0.0f;
    for (long j = split_start(s, splits, count); j < end;) {
        int length = run_length(j, end, hw);
        long address = channel_address(j, hw, channels, c);
        kahan_add(&sum, &sum_error, chunk_sum(dy + address, length));
        kahan_add(&product, &product_error, chunk_products(dy + address, x + address, length, m));
        j += length;
    }
    vstore2((float2)(sum, product), item, partials);
}

__kernel void batch_norm_backward_finalize(__global const float *partials, int channels, int splits,
                                           __global const float *inv_std, __global float *dgamma,
                                           __global float *dbeta) {
    int c = get_global_id(0);
    if (c >= channels) return;
    float sum = 0.0f, product = 0.0f;
    for (int s = 0; s < splits; ++s) {
        float2 part = vload2((long)c * splits + s, partials);
        sum += part.x;
        product += part.y;
    }
    dbeta[c] = sum;
    dgamma[c] = product * inv_std[c];
}

__kernel void batch_norm_backward(__global const float *dy, __global const float *x, long total, int channels,
                                  int hw, long count, __global const float *mean, __global const float *inv_std,
                                  __global const float *gamma, __global const float *dgamma,
                                  __global const float *dbeta, __global float *dx) {
    long i = get_global_id(0);
    if (i >= total) return;
    int c = (int)((i / hw) % channels);
    float scale = gamma[c] * inv_std[c], xhat = (x[i] - mean[c]) * inv_std[c];
    dx[i] = scale * (dy[i] - dbeta[c] / (float)count - xhat * (dgamma[c] / (float)count));
}

__kernel void batch_norm_backward_cpu(__global const float *restrict dy, __global const float *restrict x,
                                      int planes, int channels, int hw, long count, __global const float *mean,
                                      __global const float *inv_std, __global const float *gamma,
                                      __global const float *dgamma, __global const float *dbeta,
                                      __global float *restrict dx) {
    int plane = get_global_id(0);
    if (plane >= planes) return;
    int c = plane % channels;
    float m = mean[c], inv = inv_std[c], scale = gamma[c] * inv;
    float shift = dbeta[c] / (float)count, slope = dgamma[c] / (float)count;
    long offset = (long)plane * hw;
    for (int r = 0; r < hw; ++r) {
        float xhat = (x[offset + r] - m) * inv;
        dx[offset + r] = scale * (dy[offset + r] - shift - xhat * slope);
    }
}
