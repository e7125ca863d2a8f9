// distance.cl: k-nearest-neighbour search and greedy k-centre coreset steps (DistanceOps in
// Sources/Compute/Ops/DistanceOps.swift; the reference loops are Sources/Compute/CPU/CPUDevice+Distance.swift).
//
// Nearest neighbours: queries [M, D], bank rows [rows, D] starting at row `bank_offset` of `bank`, global index of
// the first row `index_base`. The bank is split into blocks of `block` rows; each (query, block) pair produces a
// sorted partial top-k in partial_d/partial_i [blocks, M, k], and nearest_neighbors_merge folds the partial lists
// into the running top-k distances/indices [M, k] that are carried from chunk to chunk.
//   nearest_neighbors_cpu   CPU: one work-item per (NN_QUERIES queries, block); NN_QUERIES x NN_ROWS query/row
//                           register tile, NN_LANES-float vectors over dimensions (tuned):
//                           global = (ceil(M/NN_QUERIES), blocks), local = (1, 1).
//   nearest_neighbors_gpu   GPU: one T x T work-group per (T queries, block of 16*T rows), T = NN_TILE (tuned);
//                           T x T __local tiles of queries and rows: global = (T*blocks, T*ceil(M/T)), local = (T, T).
//   nearest_neighbors_merge one work-item per query: global = M.
// Candidates are ordered by (distance, index), with index compared as unsigned so that empty slots (-1) sort last.
//
// Coreset projection: out [N, P] = features [N, D] x matrix [D, P], P a multiple of 16, every output summed in order
// d = 0..D-1 with separately rounded products (FP_CONTRACT OFF) so that all devices agree bit for bit.
//   coreset_project_cpu     CPU: one work-item per (8 rows, 32 columns): global = (ceil(N/8), ceil(P/32)).
//   coreset_project_gpu     GPU: one work-item per output, 16x16 __local tiles: global = (P, 16*ceil(N/16)).
//
// Coreset steps: codes [ceil(N/16), P, 16] uint8 (point i's code j at [i/16, j, i%16]), running minima min_d [N].
// A launch first picks the argmax of the previous launch's partial maxima (prev_max/prev_arg, prev_count entries;
// ties -> smaller index), records it in selected[step], then lowers min_d with the squared distances to the pick
// (exact integers held in float) and writes its own partial maxima. With has_pick = 0 it only writes the partial
// maxima (the first launch).
//   coreset_steps_cpu       CPU: one work-item per span of `span` points (a multiple of 16), 16 points per float16:
//                           global = ceil(N/span), local = 1.
//   coreset_steps_gpu       GPU: work-groups of 256 striding over the points, __local tree reductions:
//                           global = 256*groups, local = 256.

#pragma OPENCL FP_CONTRACT OFF

#define MAX_K 16
#define MAX_CODE_WIDTH 256
#define TILE 16

inline bool neighbor_before(float d, int j, float e, int i) {
    return d < e || (d == e && (uint)j < (uint)i);
}

inline void neighbor_insert(float *best_d, int *best_i, int k, float d, int j) {
    if (!neighbor_before(d, j, best_d[k - 1], best_i[k - 1])) return;
    int p = k - 1;
    while (p > 0 && neighbor_before(d, j, best_d[p - 1], best_i[p - 1])) {
        best_d[p] = best_d[p - 1];
        best_i[p] = best_i[p - 1];
        --p;
    }
    best_d[p] = d;
    best_i[p] = j;
}

inline float sum16(float16 a) {
    float8 s8 = a.lo + a.hi;
    float4 s4 = s8.lo + s8.hi;
    float2 s2 = s4.lo + s4.hi;
    return s2.x + s2.y;
}

// ---------------------------------------------------------------------------------------------------------------
// Nearest neighbours, CPU shape: NN_QUERIES queries x NN_ROWS bank rows per inner tile, one accumulator of
// NN_LANES floats per (query, row) pair. The tuner picks the three from the variants listed in
// Sources/Compute/OpenCL/KernelTuning.swift (build options -D NN_LANES=… -D NN_QUERIES=… -D NN_ROWS=…); the
// defaults are the AVX-512 shape (4 x 4 x float16: 16 accumulators + 4 queries fit 32 vector registers).

#ifndef NN_LANES
#define NN_LANES 16
#endif
#ifndef NN_QUERIES
#define NN_QUERIES 4
#endif
#ifndef NN_ROWS
#define NN_ROWS 4
#endif
#define NN_CAT_(a, b) a##b
#define NN_CAT(a, b) NN_CAT_(a, b)
#define floatL NN_CAT(float, NN_LANES)
#define vloadL NN_CAT(vload, NN_LANES)

inline float sum8(float8 a) {
    float4 s4 = a.lo + a.hi;
    float2 s2 = s4.lo + s4.hi;
    return s2.x + s2.y;
}

inline float sum4(float4 a) {
    float2 s2 = a.lo + a.hi;
    return s2.x + s2.y;
}

#define sumL NN_CAT(sum, NN_LANES)

__kernel void nearest_neighbors_cpu(__global const float *queries, int m, int depth, __global const float *bank,
                                    int bank_offset, int row_count, int index_base, int k, int block,
                                    __global float *partial_d, __global int *partial_i) {
    int first = get_global_id(0) * NN_QUERIES, block_index = get_global_id(1);
    if (first >= m) return;
    __global const float *rows = bank + (long)bank_offset * depth;
    float best_d[NN_QUERIES][MAX_K];
    int best_i[NN_QUERIES][MAX_K];
    for (int r = 0; r < NN_QUERIES; ++r) {
        for (int t = 0; t < k; ++t) { best_d[r][t] = INFINITY; best_i[r][t] = -1; }
    }
    int start = block_index * block, end = min(row_count, start + block);
    int vector_depth = depth / NN_LANES * NN_LANES;
    __global const float *q[NN_QUERIES];
#pragma unroll
    for (int r = 0; r < NN_QUERIES; ++r) q[r] = queries + (long)min(first + r, m - 1) * depth;
    for (int j0 = start; j0 < end; j0 += NN_ROWS) {
        __global const float *b[NN_ROWS];
        floatL a[NN_QUERIES][NN_ROWS];
#pragma unroll
        for (int c = 0; c < NN_ROWS; ++c) {
            b[c] = rows + (long)min(j0 + c, end - 1) * depth;
#pragma unroll
            for (int r = 0; r < NN_QUERIES; ++r) a[r][c] = 0;
        }
        int d = 0;
        for (; d < vector_depth; d += NN_LANES) {
            floatL x[NN_QUERIES];
#pragma unroll
            for (int r = 0; r < NN_QUERIES; ++r) x[r] = vloadL(0, q[r] + d);
#pragma unroll
            for (int c = 0; c < NN_ROWS; ++c) {
                floatL y = vloadL(0, b[c] + d);
#pragma unroll
                for (int r = 0; r < NN_QUERIES; ++r) {
                    floatL t = x[r] - y;
                    a[r][c] = fma(t, t, a[r][c]);
                }
            }
        }
        float s[NN_QUERIES][NN_ROWS];
#pragma unroll
        for (int r = 0; r < NN_QUERIES; ++r) {
#pragma unroll
            for (int c = 0; c < NN_ROWS; ++c) s[r][c] = sumL(a[r][c]);
        }
        for (; d < depth; ++d) {
#pragma unroll
            for (int r = 0; r < NN_QUERIES; ++r) {
                float x = q[r][d];
#pragma unroll
                for (int c = 0; c < NN_ROWS; ++c) {
                    float t = x - b[c][d];
                    s[r][c] = fma(t, t, s[r][c]);
                }
            }
        }
#pragma unroll
        for (int r = 0; r < NN_QUERIES; ++r) {
#pragma unroll
            for (int c = 0; c < NN_ROWS; ++c) {
                if (j0 + c < end) neighbor_insert(best_d[r], best_i[r], k, s[r][c], index_base + j0 + c);
            }
        }
    }
    for (int r = 0; r < NN_QUERIES && first + r < m; ++r) {
        long out = ((long)block_index * m + first + r) * k;
        for (int t = 0; t < k; ++t) { partial_d[out + t] = best_d[r][t]; partial_i[out + t] = best_i[r][t]; }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Nearest neighbours, GPU shape: local id 0 = bank row in the tile, local id 1 = query in the tile. The tile side
// NN_TILE is tuned (8, 16 or 32 where the work-group and local memory allow it).

#ifndef NN_TILE
#define NN_TILE 16
#endif

__kernel void nearest_neighbors_gpu(__global const float *queries, int m, int depth, __global const float *bank,
                                    int bank_offset, int row_count, int index_base, int k, int block,
                                    __global float *partial_d, __global int *partial_i,
                                    __local float *query_tile, __local float *row_tile, __local float *tile_d) {
    int lx = get_local_id(0), ly = get_local_id(1);
    int block_index = get_group_id(0);
    int query = get_group_id(1) * NN_TILE + ly;
    __global const float *rows = bank + (long)bank_offset * depth;
    float best_d[MAX_K];
    int best_i[MAX_K];
    for (int t = 0; t < k; ++t) { best_d[t] = INFINITY; best_i[t] = -1; }
    int start = block_index * block, end = min(row_count, start + block);
    for (int j0 = start; j0 < end; j0 += NN_TILE) {
        float sum = 0;
        for (int d0 = 0; d0 < depth; d0 += NN_TILE) {
            int d = d0 + lx, row = j0 + ly;
            query_tile[ly * NN_TILE + lx] = query < m && d < depth ? queries[(long)query * depth + d] : 0.0f;
            row_tile[ly * NN_TILE + lx] = row < end && d < depth ? rows[(long)row * depth + d] : 0.0f;
            barrier(CLK_LOCAL_MEM_FENCE);
            for (int t = 0; t < NN_TILE; ++t) {
                float difference = query_tile[ly * NN_TILE + t] - row_tile[lx * NN_TILE + t];
                sum = fma(difference, difference, sum);
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        tile_d[ly * NN_TILE + lx] = sum;
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lx == 0 && query < m) {
            for (int c = 0; c < NN_TILE && j0 + c < end; ++c) {
                neighbor_insert(best_d, best_i, k, tile_d[ly * NN_TILE + c], index_base + j0 + c);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lx == 0 && query < m) {
        long out = ((long)block_index * m + query) * k;
        for (int t = 0; t < k; ++t) { partial_d[out + t] = best_d[t]; partial_i[out + t] = best_i[t]; }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Folds the sorted partial lists of every block into the running top-k of each query.

__kernel void nearest_neighbors_merge(__global const float *partial_d, __global const int *partial_i, int blocks,
                                      int m, int k, __global float *distances, __global int *indices) {
    int query = get_global_id(0);
    if (query >= m) return;
    float best_d[MAX_K];
    int best_i[MAX_K];
    for (int t = 0; t < k; ++t) { best_d[t] = distances[(long)query * k + t]; best_i[t] = indices[(long)query * k + t]; }
    for (int b = 0; b < blocks; ++b) {
        long list = ((long)b * m + query) * k;
        for (int t = 0; t < k; ++t) {
            float d = partial_d[list + t];
            int j = partial_i[list + t];
            if (!neighbor_before(d, j, best_d[k - 1], best_i[k - 1])) break;
            neighbor_insert(best_d, best_i, k, d, j);
        }
    }
    for (int t = 0; t < k; ++t) { distances[(long)query * k + t] = best_d[t]; indices[(long)query * k + t] = best_i[t]; }
}

// ---------------------------------------------------------------------------------------------------------------
// Coreset projection.

#define FOR8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define FEATURE_ROW(r) __global const float *x##r = features + (long)min(r0 + r, n - 1) * depth; \
                       float16 lo##r = 0, hi##r = 0;
#define PROJECT_ROW(r) { float v = x##r[d]; lo##r = lo##r + v * w0; hi##r = hi##r + v * w1; }
#define STORE_ROW(r) if (r0 + r < n) {                                       \
        vstore16(lo##r, 0, out + (long)(r0 + r) * width + c0);                 \
        if (two) vstore16(hi##r, 0, out + (long)(r0 + r) * width + c0 + 16); }

__kernel void coreset_project_cpu(__global const float *features, int n, int depth, __global const float *matrix,
                                  int width, __global float *out) {
    int r0 = get_global_id(0) * 8, c0 = get_global_id(1) * 32;
    if (r0 >= n) return;
    bool two = c0 + 16 < width;
    FOR8(FEATURE_ROW)
    for (int d = 0; d < depth; ++d) {
        __global const float *w = matrix + (long)d * width + c0;
        float16 w0 = vload16(0, w), w1 = two ? vload16(1, w) : (float16)0;
        FOR8(PROJECT_ROW)
    }
    FOR8(STORE_ROW)
}

__kernel void coreset_project_gpu(__global const float *features, int n, int depth, __global const float *matrix,
                                  int width, __global float *out, __local float *feature_tile,
                                  __local float *matrix_tile) {
    int lx = get_local_id(0), ly = get_local_id(1);
    int column = get_global_id(0), row = get_global_id(1);
    float sum = 0;
    for (int d0 = 0; d0 < depth; d0 += TILE) {
        feature_tile[ly * TILE + lx] = row < n && d0 + lx < depth ? features[(long)row * depth + d0 + lx] : 0.0f;
        matrix_tile[ly * TILE + lx] = d0 + ly < depth ? matrix[(long)(d0 + ly) * width + column] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int t = 0; t < TILE && d0 + t < depth; ++t) {
            float product = feature_tile[ly * TILE + t] * matrix_tile[t * TILE + lx];
            sum = sum + product;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (row < n) out[(long)row * width + column] = sum;
}

// ---------------------------------------------------------------------------------------------------------------
// Coreset steps.

inline bool larger(float v, int a, float best_v, int best_a) {
    return v > best_v || (v == best_v && a < best_a);
}

// Squared distance between point i and the centre whose codes are in c[], over `width` codes of the interleaved
// layout (block i/16, lane i%16). Exact in float: every partial sum is an integer below 2^24.
inline float code_distance(__global const uchar *codes, int width, int i, const float *c) {
    __global const uchar *x = codes + (long)(i / 16) * width * 16 + i % 16;
    float sum = 0;
    for (int j = 0; j < width; ++j) {
        float t = (float)x[j * 16] - c[j];
        sum = fma(t, t, sum);
    }
    return sum;
}

__kernel void coreset_steps_cpu(__global const uchar *codes, int n, int width, int span, __global float *min_d,
                                int has_pick, __global const float *prev_max, __global const int *prev_arg,
                                int prev_count, __global float *next_max, __global int *next_arg,
                                __global int *selected, int step) {
    int item = get_global_id(0);
    int start = item * span, end = min(n, start + span);
    if (start >= n) return;
    float best_v = -INFINITY;
    int best_a = INT_MAX;
    if (has_pick) {
        for (int i = 0; i < prev_count; ++i) {
            if (larger(prev_max[i], prev_arg[i], best_v, best_a)) { best_v = prev_max[i]; best_a = prev_arg[i]; }
        }
        int pick = best_a;
        if (item == 0) selected[step] = pick;
        float c[MAX_CODE_WIDTH];
        __global const uchar *centre = codes + (long)(pick / 16) * width * 16 + pick % 16;
        for (int j = 0; j < width; ++j) c[j] = (float)centre[j * 16];
        // Whole blocks of 16 points, one point per lane (span is a multiple of 16).
        int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        int b0 = start;
        for (; b0 + 16 <= end; b0 += 16) {
            __global const uchar *x = codes + (long)b0 * width;
            float16 acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
            for (int j = 0; j < width; j += 4) {
                float16 t0 = convert_float16(vload16(j, x)) - c[j];
                float16 t1 = convert_float16(vload16(j + 1, x)) - c[j + 1];
                float16 t2 = convert_float16(vload16(j + 2, x)) - c[j + 2];
                float16 t3 = convert_float16(vload16(j + 3, x)) - c[j + 3];
                acc0 = fma(t0, t0, acc0);
                acc1 = fma(t1, t1, acc1);
                acc2 = fma(t2, t2, acc2);
                acc3 = fma(t3, t3, acc3);
            }
            float16 lowered = fmin(vload16(0, min_d + b0), (acc0 + acc1) + (acc2 + acc3));
            vstore16(select(lowered, (float16)-1.0f, b0 + lane == pick), 0, min_d + b0);
        }
        for (int i = b0; i < end; ++i) {
            min_d[i] = i == pick ? -1.0f : fmin(min_d[i], code_distance(codes, width, i, c));
        }
    }
    best_v = -INFINITY;
    best_a = INT_MAX;
    for (int i = start; i < end; ++i) {
        float v = min_d[i];
        if (v > best_v) { best_v = v; best_a = i; }
    }
    next_max[item] = best_v;
    next_arg[item] = best_a;
}

#define GROUP 256

// Leaves the largest (value, index) pair held by the work-group's items in values[0], args[0] (ties -> smaller
// index). Written as a macro so that every barrier sits in the kernel body, outside any branch.
#define GROUP_ARGMAX(v, a)                                                                        \
    values[lid] = v;                                                                              \
    args[lid] = a;                                                                                \
    barrier(CLK_LOCAL_MEM_FENCE);                                                                 \
    for (int reach = GROUP / 2; reach > 0; reach >>= 1) {                                            \
        if (lid < reach && larger(values[lid + reach], args[lid + reach], values[lid], args[lid])) { \
            values[lid] = values[lid + reach];                                                     \
            args[lid] = args[lid + reach];                                                         \
        }                                                                                         \
        barrier(CLK_LOCAL_MEM_FENCE);                                                             \
    }

__kernel void coreset_steps_gpu(__global const uchar *codes, int n, int width, __global float *min_d, int has_pick,
                                __global const float *prev_max, __global const int *prev_arg, int prev_count,
                                __global float *next_max, __global int *next_arg, __global int *selected, int step,
                                __local float *values, __local int *args, __local float *centre) {
    int lid = get_local_id(0), gid = get_global_id(0), stride = get_global_size(0);
    float best_v = -INFINITY;
    int best_a = INT_MAX;
    for (int i = lid; has_pick && i < prev_count; i += GROUP) {
        if (larger(prev_max[i], prev_arg[i], best_v, best_a)) { best_v = prev_max[i]; best_a = prev_arg[i]; }
    }
    GROUP_ARGMAX(best_v, best_a)
    int pick = args[0];
    __global const uchar *picked = codes + (long)(pick / 16) * width * 16 + pick % 16;
    for (int j = lid; has_pick && j < width; j += GROUP) centre[j] = (float)picked[j * 16];
    barrier(CLK_LOCAL_MEM_FENCE);
    if (has_pick) {
        if (gid == 0) selected[step] = pick;
        for (int i = gid; i < n; i += stride) {
            __global const uchar *x = codes + (long)(i / 16) * width * 16 + i % 16;
            float sum = 0;
            for (int j = 0; j < width; ++j) {
                float t = (float)x[j * 16] - centre[j];
                sum = fma(t, t, sum);
            }
            min_d[i] = i == pick ? -1.0f : fmin(min_d[i], sum);
        }
    }
    best_v = -INFINITY;
    best_a = INT_MAX;
    for (int i = gid; i < n; i += stride) {
        float v = min_d[i];
        if (v > best_v) { best_v = v; best_a = i; }
    }
    GROUP_ARGMAX(best_v, best_a)
    if (lid == 0) {
        next_max[get_group_id(0)] = values[0];
        next_arg[get_group_id(0)] = args[0];
    }
}
