// image_batch.cl: 8-bit interleaved images <-> normalised float network input (ImageBatchOps in
// Sources/Compute/Ops/ImageBatchOps.swift; CPU reference in Sources/Compute/CPU/CPUDevice+ImageBatch.swift).
//
// Layout: images are uint8 [N, H, W, C] (1 <= C <= 4); batches are float [N, C, H, W]. The per-channel mean and
// std come as scalar arguments m0..m3 and s0..s3 (unused channels ignored).
//
// Kernels and launch geometry:
//   image_batch          one work-item per pixel: global = (W, N*H). Reads the pixel's C bytes and writes one float
//                        to each of the C planes: y = (v/255 - mean)/std.
//   image_batch_inverse  one work-item per pixel: global = (W, N*H). v = clamp(round((y*std + mean)*255), 0, 255),
//                        NaN -> 0.

inline float channel_value(float4 values, int c) { return c == 0 ? values.x : c == 1 ? values.y : c == 2 ? values.z : values.w; }

__kernel void image_batch(__global const uchar *images, int rows, int height, int width, int channels, float m0,
                          float m1, float m2, float m3, float s0, float s1, float s2, float s3,
                          __global float *batch) {
    int x = get_global_id(0), row = get_global_id(1);
    if (x >= width || row >= rows) return;
    int image = row / height, y = row % height;
    float4 mean = (float4)(m0, m1, m2, m3), std = (float4)(s0, s1, s2, s3);
    __global const uchar *pixel = images + ((long)row * width + x) * channels;
    for (int c = 0; c < channels; ++c) {
        float v = (float)pixel[c];
        batch[(((long)image * channels + c) * height + y) * width + x] =
            (v / 255.0f - channel_value(mean, c)) / channel_value(std, c);
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
