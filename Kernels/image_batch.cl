// image_batch.cl: 8-bit interleaved images <-> normalised float network input (ImageBatchOps in
// Sources/Compute/Ops/ImageBatchOps.swift; CPU reference in Sources/Compute/CPU/CPUDevice+ImageBatch.swift).
//
// Layout: images are uint8 [N, H, W, C] (1 <= C <= 4); batches are float [N, C, H, W]. Per-channel constants come
// as four scalar arguments each (unused channels ignored): image_batch takes the affine form of (v/255 - mean)/std,
// a = 1/(255*std) and b = -mean/std (ImageBatchAffine in Swift); image_batch_inverse takes mean and std.
//
// Kernels and launch geometry:
//   image_batch          GPU: one work-item per pixel: global = (W, N*H). Reads the pixel's C bytes and writes one
//                        float to each of the C planes: y = v*a + b.
//   image_batch_cpu      CPU: one work-item per image row: global = N*H; one contiguous output run per channel.
//   image_batch_inverse  one work-item per pixel: global = (W, N*H). v = clamp(round((y*std + mean)*255), 0, 255),
//                        NaN -> 0.

inline float channel_value(float4 values, int c) { return c == 0 ? values.x : c == 1 ? values.y : c == 2 ? values.z : values.w; }

__kernel void image_batch(__global const uchar *images, int rows, int height, int width, int channels, float a0,
                          float a1, float a2, float a3, float b0, float b1, float b2, float b3,
                          __global float *batch) {
    int x = get_global_id(0), row = get_global_id(1);
    if (x >= width || row >= rows) return;
    int image = row / height, y = row % height;
    float4 a = (float4)(a0, a1, a2, a3), b = (float4)(b0, b1, b2, b3);
    __global const uchar *pixel = images + ((long)row * width + x) * channels;
    for (int c = 0; c < channels; ++c) {
        batch[(((long)image * channels + c) * height + y) * width + x] =
            (float)pixel[c] * channel_value(a, c) + channel_value(b, c);
    }
}

__kernel void image_batch_cpu(__global const uchar *restrict images, int rows, int height, int width, int channels,
                              float a0, float a1, float a2, float a3, float b0, float b1, float b2, float b3,
                              __global float *restrict batch) {
    int row = get_global_id(0);
    if (row >= rows) return;
    int image = row / height, y = row % height;
    float4 a = (float4)(a0, a1, a2, a3), b = (float4)(b0, b1, b2, b3);
    __global const uchar *pixels = images + (long)row * width * channels;
    for (int c = 0; c < channels; ++c) {
        __global float *plane = batch + (((long)image * channels + c) * height + y) * width;
        float scale = channel_value(a, c), shift = channel_value(b, c);
        for (int x = 0; x < width; ++x) plane[x] = (float)pixels[x * channels + c] * scale + shift;
    }
}

__kernel void image_batch_inverse(__global const float *batch, int rows, int height, int width, int channels,
                                  float m0, float m1, float m2, float m3, float s0, float s1, float s2, float s3,
                                  __global uchar *images) {
    int x = get_global_id(0), row = get_global_id(1);
    if (x >= width || row >= rows) return;
    int image = row / height, y = row % height;
    float4 mean = (float4)(m0, m1, m2, m3), std = (float4)(s0, s1, s2, s3);
    __global uchar *pixel = images + ((long)row * width + x) * channels;
    for (int c = 0; c < channels; ++c) {
        float v = batch[(((long)image * channels + c) * height + y) * width + x];
        float scaled = round((v * channel_value(std, c) + channel_value(mean, c)) * 255.0f);
        pixel[c] = isnan(scaled) ? 0 : (uchar)clamp(scaled, 0.0f, 255.0f);
    }
}
