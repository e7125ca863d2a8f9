// chaos_game.cl: chaos-game rendering of iterated function systems, in integer arithmetic so that every device
// produces the same bytes as CPUDevice (Sources/Compute/CPU/CPUDevice+ChaosGame.swift).
//
// Records (int32 words; layout in Sources/Compute/Ops/ChaosGameOps.swift, ChaosGameLayout):
//   systems [B, 64]: 8 maps x (a, b, c, d in Q2.29; e, f in Q11.20) at 0, cumulative thresholds (uint bits) at 48,
//                    map count at 56, start x, y at 57, image index at 59, attempt at 60.
//   views   [B, 16]: int64 origin x, y at 0; span x, y at 4; scale x, y at 8 (low word first); flips at 12; patch
//                    mask at 13.
//   colors  [B, 8]:  hue offset 0, saturation 1, value 2, blur side weight 3, blur centre weight 4 (Q16).
//
// Kernels and launch geometry:
//   chaos_game_walk          GPU: one work-item per (image, walker): global = B*W.
//   chaos_game_walk_cpu      CPU: one work-item per (image, 8 walkers), walkers in the lanes of int8/long8
//                            vectors: global = B*ceil(W/8).
//   chaos_game_rasterize     GPU: one work-item per point, atomic increments: global = B*P.
//   chaos_game_rasterize_cpu CPU: one work-item per image, plain increments into a zeroed plane: global = B.
//   chaos_game_statistics    GPU: one work-group of 256 per image: global = B*256, local = 256.
//   chaos_game_statistics_cpu CPU: one work-item per image: global = B.
//   chaos_game_colorize      GPU: one work-item per pixel: global = B*H*W.
//   chaos_game_colorize_cpu  CPU: one work-item per image row: global = B*H.
//   chaos_game_blur          GPU: one work-item per pixel: global = B*H*W.
//   chaos_game_blur_cpu      CPU: one work-item per image row (a vectorisable 1-D stencil): global = B*H.
// Outputs: points [B, P, 2] (walker w's points after those of walkers 0..w-1), bounds [B, W, 4], counts [B, S, S],
// statistics [B, 2] (max, non-zero), images [B, H, W, C] uint8.

#define SYSTEM_WORDS 64
#define THRESHOLDS 48
#define MAP_COUNT 56
#define START 57
#define IMAGE_INDEX 59
#define ATTEMPT 60
#define VIEW_WORDS 16
#define COLOR_WORDS 8
#define COEFFICIENT_BITS 29

// Philox4x32-10 (Salmon et al., SC 2011); the same function as Philox4x32.block in Swift.
#define PHILOX_ROUNDS(T, c, k0, k1)                                               \
    for (int round = 0; round < 10; ++round) {                                    \
        if (round > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }                  \
        T hi0 = mul_hi((T)0xD2511F53u, c##0), lo0 = (T)0xD2511F53u * c##0;        \
        T hi1 = mul_hi((T)0xCD9E8D57u, c##2), lo1 = (T)0xCD9E8D57u * c##2;        \
        T n0 = hi1 ^ c##1 ^ k0, n2 = hi0 ^ c##3 ^ k1;                             \
        c##0 = n0; c##1 = lo1; c##2 = n2; c##3 = lo0;                             \
    }

inline int saturate_int(long value) {
    return (int)clamp(value, (long)INT_MIN, (long)INT_MAX);
}

inline int walker_points(int walker, int walkers, int points_per_image) {
    return points_per_image / walkers + (walker < points_per_image % walkers ? 1 : 0);
}

inline int walker_first(int walker, int walkers, int points_per_image) {
    return walker * (points_per_image / walkers) + min(walker, points_per_image % walkers);
}

__kernel void chaos_game_walk(__global const int *systems, uint seed_lo, uint seed_hi, int walkers,
                              int points_per_image, int warmup, int batch,
                              __global int *points, __global int *bounds) {
    int item = get_global_id(0);
    if (item >= batch * walkers) return;
    int image = item / walkers, walker = item % walkers;
    __global const int *record = systems + image * SYSTEM_WORDS;
    int map_count = record[MAP_COUNT];
    int recorded = walker_points(walker, walkers, points_per_image);
    __global int *out = points + 2 * ((long)image * points_per_image + walker_first(walker, walkers, points_per_image));
    int x = record[START], y = record[START + 1];
    int min_x = INT_MAX, min_y = INT_MAX, max_x = INT_MIN, max_y = INT_MIN;
    uint w0 = 0, w1 = 0, w2 = 0, w3 = 0;
    for (int step = 0; step < warmup + recorded; ++step) {
        if ((step & 3) == 0) {
            uint c0 = (uint)record[IMAGE_INDEX], c1 = (uint)walker, c2 = (uint)(step >> 2), c3 = (uint)record[ATTEMPT];
            uint k0 = seed_lo, k1 = seed_hi;
            PHILOX_ROUNDS(uint, c, k0, k1)
            w0 = c0; w1 = c1; w2 = c2; w3 = c3;
        }
        int lane = step & 3;
        uint u = lane == 0 ? w0 : lane == 1 ? w1 : lane == 2 ? w2 : w3;
        int k = 0;
        for (int j = 0; j < map_count - 1; ++j) k += u >= (uint)record[THRESHOLDS + j] ? 1 : 0;
        __global const int *map = record + 6 * k;
        long nx = (((long)map[0] * x + (long)map[1] * y) >> COEFFICIENT_BITS) + map[4];
        long ny = (((long)map[2] * x + (long)map[3] * y) >> COEFFICIENT_BITS) + map[5];
        x = saturate_int(nx);
        y = saturate_int(ny);
        if (step >= warmup) {
            vstore2((int2)(x, y), step - warmup, out);
            min_x = min(min_x, x); min_y = min(min_y, y); max_x = max(max_x, x); max_y = max(max_y, y);
        }
    }
    vstore4((int4)(min_x, min_y, max_x, max_y), item, bounds);
}

// Eight walkers per work-item in vector lanes; maps are chosen branch-free by walking the sorted thresholds.
__kernel void chaos_game_walk_cpu(__global const int *systems, uint seed_lo, uint seed_hi, int walkers,
                                  int points_per_image, int warmup, int batch,
                                  __global int *points, __global int *bounds) {
    int groups_per_image = (walkers + 7) / 8;
    int item = get_global_id(0);
    if (item >= batch * groups_per_image) return;
    int image = item / groups_per_image, first_walker = (item % groups_per_image) * 8;
    __global const int *record = systems + image * SYSTEM_WORDS;
    int map_count = record[MAP_COUNT];

    int8 walker = (int8)(first_walker) + (int8)(0, 1, 2, 3, 4, 5, 6, 7);
    int8 valid = walker < (int8)(walkers);
    int8 recorded = select((int8)(0), (int8)(points_per_image / walkers) +
                           select((int8)(0), (int8)(1), walker < (int8)(points_per_image % walkers)), valid);
    int8 first = walker * (int8)(points_per_image / walkers) + min(walker, (int8)(points_per_image % walkers));
    int most = 0;
    for (int lane = 0; lane < 8; ++lane) most = max(most, ((int *)&recorded)[lane]);

    long8 x = (long8)(record[START]), y = (long8)(record[START + 1]);
    int8 min_x = (int8)(INT_MAX), min_y = (int8)(INT_MAX), max_x = (int8)(INT_MIN), max_y = (int8)(INT_MIN);
    uint8 w0 = 0, w1 = 0, w2 = 0, w3 = 0;
    __global int *base = points + 2 * (long)image * points_per_image;
    for (int step = 0; step < warmup + most; ++step) {
        if ((step & 3) == 0) {
            uint8 c0 = (uint8)((uint)record[IMAGE_INDEX]), c1 = convert_uint8(walker);
            uint8 c2 = (uint8)((uint)(step >> 2)), c3 = (uint8)((uint)record[ATTEMPT]);
            uint k0 = seed_lo, k1 = seed_hi;
            PHILOX_ROUNDS(uint8, c, k0, k1)
            w0 = c0; w1 = c1; w2 = c2; w3 = c3;
        }
        int lane = step & 3;
        uint8 u = lane == 0 ? w0 : lane == 1 ? w1 : lane == 2 ? w2 : w3;
        long8 a = (long8)(record[0]), b = (long8)(record[1]), c = (long8)(record[2]);
        long8 d = (long8)(record[3]), e = (long8)(record[4]), f = (long8)(record[5]);
        for (int j = 1; j < map_count; ++j) {
            long8 take = convert_long8(u >= (uint8)((uint)record[THRESHOLDS + j - 1]));
            __global const int *map = record + 6 * j;
            a = select(a, (long8)(map[0]), take); b = select(b, (long8)(map[1]), take);
            c = select(c, (long8)(map[2]), take); d = select(d, (long8)(map[3]), take);
            e = select(e, (long8)(map[4]), take); f = select(f, (long8)(map[5]), take);
        }
        long8 nx = ((a * x + b * y) >> COEFFICIENT_BITS) + e;
        long8 ny = ((c * x + d * y) >> COEFFICIENT_BITS) + f;
        x = clamp(nx, (long8)(INT_MIN), (long8)(INT_MAX));
        y = clamp(ny, (long8)(INT_MIN), (long8)(INT_MAX));
        if (step >= warmup) {
            int index = step - warmup;
            int8 xi = convert_int8(x), yi = convert_int8(y);
            int8 store = (int8)(index) < recorded;
            min_x = select(min_x, min(min_x, xi), store); min_y = select(min_y, min(min_y, yi), store);
            max_x = select(max_x, max(max_x, xi), store); max_y = select(max_y, max(max_y, yi), store);
            for (int l = 0; l < 8; ++l) {
                if (((int *)&store)[l]) {
                    vstore2((int2)(((int *)&xi)[l], ((int *)&yi)[l]), ((int *)&first)[l] + index, base);
                }
            }
        }
    }
    for (int l = 0; l < 8; ++l) {
        if (((int *)&valid)[l]) {
            vstore4((int4)(((int *)&min_x)[l], ((int *)&min_y)[l], ((int *)&max_x)[l], ((int *)&max_y)[l]),
                    (long)image * walkers + first_walker + l, bounds);
        }
    }
}

inline long view_wide(__global const int *view, int offset) {
    return (long)(uint)view[offset] | ((long)view[offset + 1] << 32);
}

// A view record loaded into private memory once per work-item (the counts buffer could alias the record, so the
// compiler cannot hoist these loads out of a point loop by itself).
typedef struct {
    long origin_x, origin_y, span_x, span_y, scale_x, scale_y;
    int flips, mask;
} View;

inline View load_view(__global const int *view) {
    View v = {view_wide(view, 0), view_wide(view, 2), view_wide(view, 4), view_wide(view, 6), view_wide(view, 8),
              view_wide(view, 10), view[12], view[13]};
    return v;
}

// Row and column of a point after the view's flips; returns 0 when the point falls outside the window.
inline int view_pixel(const View *v, int x, int y, int size, int *row, int *column) {
    long dx = (long)x - v->origin_x, dy = (long)y - v->origin_y;
    if (dx < 0 || dx > v->span_x || dy < 0 || dy > v->span_y) return 0;
    long r = (dx * v->scale_x) >> 32, c = (dy * v->scale_y) >> 32;
    if (r < 0 || r >= size || c < 0 || c >= size) return 0;
    int rr = (int)r, cc = (int)c;
    if (v->flips & 1) { int t = rr; rr = cc; cc = t; }
    if (v->flips & 2) rr = size - 1 - rr;
    if (v->flips & 4) cc = size - 1 - cc;
    *row = rr;
    *column = cc;
    return 1;
}

__kernel void chaos_game_rasterize(__global const int *points, __global const int *views, int batch,
                                   int points_per_image, int size, __global int *counts) {
    long item = get_global_id(0);
    if (item >= (long)batch * points_per_image) return;
    int image = (int)(item / points_per_image);
    View view = load_view(views + image * VIEW_WORDS);
    int2 point = vload2(item, points);
    int row, column;
    if (!view_pixel(&view, point.x, point.y, size, &row, &column)) return;
    __global int *plane = counts + (long)image * size * size;
    int mask = view.mask;
    if (mask == 0) {
        atomic_inc(plane + row * size + column);
        return;
    }
    for (int bit = 0; bit < 9; ++bit) {
        int r = row + bit / 3 - 1, c = column + bit % 3 - 1;
        if ((mask >> bit) & 1 && r >= 0 && r < size && c >= 0 && c < size) atomic_inc(plane + r * size + c);
    }
}

__kernel void chaos_game_rasterize_cpu(__global const int *points, __global const int *views, int batch,
                                       int points_per_image, int size, __global int *counts) {
    int image = get_global_id(0);
    if (image >= batch) return;
    View view = load_view(views + image * VIEW_WORDS);
    __global int *plane = counts + (long)image * size * size;
    __global const int *source = points + 2 * (long)image * points_per_image;
    int mask = view.mask;
    for (int i = 0; i < points_per_image; ++i) {
        int2 point = vload2(i, source);
        int row, column;
        if (!view_pixel(&view, point.x, point.y, size, &row, &column)) continue;
        if (mask == 0) {
            plane[row * size + column] += 1;
            continue;
        }
        for (int bit = 0; bit < 9; ++bit) {
            int r = row + bit / 3 - 1, c = column + bit % 3 - 1;
            if ((mask >> bit) & 1 && r >= 0 && r < size && c >= 0 && c < size) plane[r * size + c] += 1;
        }
    }
}

__kernel void chaos_game_statistics(__global const int *counts, int plane, __global int *statistics,
                                    __local int *scratch_max, __local int *scratch_nonzero) {
    int image = get_group_id(0), lid = get_local_id(0), width = get_local_size(0);
    __global const int *source = counts + (long)image * plane;
    int maximum = 0, nonzero = 0;
    for (int i = lid; i < plane; i += width) {
        int c = source[i];
        maximum = max(maximum, c);
        nonzero += c != 0;
    }
    scratch_max[lid] = maximum;
    scratch_nonzero[lid] = nonzero;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = width / 2; stride > 0; stride /= 2) {
        if (lid < stride) {
            scratch_max[lid] = max(scratch_max[lid], scratch_max[lid + stride]);
            scratch_nonzero[lid] += scratch_nonzero[lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) vstore2((int2)(scratch_max[0], scratch_nonzero[0]), image, statistics);
}

__kernel void chaos_game_statistics_cpu(__global const int *counts, int batch, int plane, __global int *statistics) {
    int image = get_global_id(0);
    if (image >= batch) return;
    __global const int *source = counts + (long)image * plane;
    int maximum = 0, nonzero = 0;
    for (int i = 0; i < plane; ++i) {
        int c = source[i];
        maximum = max(maximum, c);
        nonzero += c != 0;
    }
    vstore2((int2)(maximum, nonzero), image, statistics);
}

// 8-bit HSV to RGB with integer arithmetic; the same function as ChaosGameMath.hsvToRGB in Swift.
inline uchar3 hsv_to_rgb(int hue, int saturation, int value) {
    int scaled = hue * 6, region = scaled >> 8, remainder = scaled & 255;
    int p = value * (255 - saturation) / 255;
    int q = value * (255 - saturation * remainder / 255) / 255;
    int t = value * (255 - saturation * (255 - remainder) / 255) / 255;
    int3 rgb;
    switch (region) {
        case 0: rgb = (int3)(value, t, p); break;
        case 1: rgb = (int3)(q, value, p); break;
        case 2: rgb = (int3)(p, value, t); break;
        case 3: rgb = (int3)(p, q, value); break;
        case 4: rgb = (int3)(t, p, value); break;
        default: rgb = (int3)(value, p, q); break;
    }
    return convert_uchar3(rgb);
}

__kernel void chaos_game_colorize(__global const int *counts, __global const int *statistics,
                                  __global const int *colors, int batch, int plane, __global uchar *images) {
    long item = get_global_id(0);
    if (item >= (long)batch * plane) return;
    int image = (int)(item / plane);
    int c = counts[item];
    uchar3 rgb = (uchar3)(0);
    if (c > 0) {
        __global const int *color = colors + image * COLOR_WORDS;
        long maximum = max(statistics[2 * image], 1);
        int hue = ((int)(((long)c * 255) / maximum) + color[0]) & 255;
        rgb = hsv_to_rgb(hue, color[1], color[2]);
    }
    vstore3(rgb, item, images);
}

inline int reflect101(int i, int n) {
    if (n == 1) return 0;
    if (i < 0) return -i;
    if (i >= n) return 2 * n - 2 - i;
    return i;
}

// Separable 3x3 blur: horizontal sums fit int32 exactly (weights sum to 65536, samples <= 255); the vertical sum
// needs int64. Rounds once, like ChaosGameMath.blur in Swift.
__kernel void chaos_game_blur(__global const uchar *images, __global const int *colors, int batch, int height,
                              int width, int channels, __global uchar *blurred) {
    long item = get_global_id(0);
    long plane = (long)height * width;
    if (item >= batch * plane) return;
    int image = (int)(item / plane);
    int pixel = (int)(item % plane), y = pixel / width, x = pixel % width;
    __global const int *color = colors + image * COLOR_WORDS;
    int side = color[3], centre = color[4];
    __global const uchar *source = images + image * plane * channels;
    if (side == 0) {
        for (int channel = 0; channel < channels; ++channel) blurred[item * channels + channel] = images[item * channels + channel];
        return;
    }
    int up = reflect101(y - 1, height) * width, down = reflect101(y + 1, height) * width, row = y * width;
    int left = reflect101(x - 1, width), right = reflect101(x + 1, width);
    for (int channel = 0; channel < channels; ++channel) {
        int h0 = side * (source[(up + left) * channels + channel] + source[(up + right) * channels + channel])
               + centre * source[(up + x) * channels + channel];
        int h1 = side * (source[(row + left) * channels + channel] + source[(row + right) * channels + channel])
               + centre * source[(row + x) * channels + channel];
        int h2 = side * (source[(down + left) * channels + channel] + source[(down + right) * channels + channel])
               + centre * source[(down + x) * channels + channel];
        long sum = (long)side * (h0 + h2) + (long)centre * h1;
        blurred[item * channels + channel] = (uchar)((sum + (1L << 31)) >> 32);
    }
}

// CPU variant: one work-item per (image, row). In HWC rows the horizontal neighbours of a sample are `channels`
// bytes away, so the interior of a row is a contiguous stencil the compiler vectorises; the two edge pixels
// reflect. Same arithmetic as chaos_game_blur.
__kernel void chaos_game_blur_cpu(__global const uchar *images, __global const int *colors, int batch, int height,
                                  int width, int channels, __global uchar *blurred) {
    int item = get_global_id(0);
    if (item >= batch * height) return;
    int image = item / height, y = item % height;
    __global const int *color = colors + image * COLOR_WORDS;
    int side = color[3], centre = color[4];
    long row_bytes = (long)width * channels;
    __global const uchar *source = images + ((long)image * height) * row_bytes;
    __global const uchar *up = source + reflect101(y - 1, height) * row_bytes;
    __global const uchar *mid = source + y * row_bytes;
    __global const uchar *down = source + reflect101(y + 1, height) * row_bytes;
    __global uchar *out = blurred + ((long)image * height + y) * row_bytes;
    if (side == 0) {
        for (long e = 0; e < row_bytes; ++e) out[e] = mid[e];
        return;
    }
    int c = channels;
    for (long e = c; e < row_bytes - c; ++e) {
        int h0 = side * (up[e - c] + up[e + c]) + centre * up[e];
        int h1 = side * (mid[e - c] + mid[e + c]) + centre * mid[e];
        int h2 = side * (down[e - c] + down[e + c]) + centre * down[e];
        long sum = (long)side * (h0 + h2) + (long)centre * h1;
        out[e] = (uchar)((sum + (1L << 31)) >> 32);
    }
    for (int x = 0; x < width; x += max(width - 1, 1)) {
        int left = reflect101(x - 1, width) * c, right = reflect101(x + 1, width) * c, at = x * c;
        for (int k = 0; k < c; ++k) {
            int h0 = side * (up[left + k] + up[right + k]) + centre * up[at + k];
            int h1 = side * (mid[left + k] + mid[right + k]) + centre * mid[at + k];
            int h2 = side * (down[left + k] + down[right + k]) + centre * down[at + k];
            long sum = (long)side * (h0 + h2) + (long)centre * h1;
            out[at + k] = (uchar)((sum + (1L << 31)) >> 32);
        }
    }
}

// CPU variant: one work-item per (image, row); empty pixels (most of them) take the cheap branch.
__kernel void chaos_game_colorize_cpu(__global const int *counts, __global const int *statistics,
                                      __global const int *colors, int batch, int height, int width,
                                      __global uchar *images) {
    int item = get_global_id(0);
    if (item >= batch * height) return;
    int image = item / height;
    __global const int *color = colors + image * COLOR_WORDS;
    int hue_offset = color[0], saturation = color[1], value = color[2];
    long maximum = max(statistics[2 * image], 1);
    __global const int *row = counts + (long)item * width;
    __global uchar *out = images + (long)item * width * 3;
    // Runs of 16 empty pixels (most of an image) are written as zeros without per-pixel work.
    for (int x0 = 0; x0 < width; x0 += 16) {
        int end = min(x0 + 16, width);
        if (end - x0 == 16 && !any(vload16(0, row + x0) != (int16)(0))) {
            vstore16((uchar16)(0), 0, out + 3 * x0);
            vstore16((uchar16)(0), 0, out + 3 * x0 + 16);
            vstore16((uchar16)(0), 0, out + 3 * x0 + 32);
            continue;
        }
        for (int x = x0; x < end; ++x) {
            int c = row[x];
            uchar3 rgb = (uchar3)(0);
            if (c > 0) rgb = hsv_to_rgb(((int)(((long)c * 255) / maximum) + hue_offset) & 255, saturation, value);
            vstore3(rgb, x, out);
        }
    }
}
