/// Nearest-neighbour search and the greedy k-centre coreset, the two distance computations of memory-bank anomaly
/// detection (PatchCore: Roth et al., "Towards Total Recall in Industrial Anomaly Detection", CVPR 2022).
/// Kernels: `Kernels/distance.cl`.
///
/// - ``nearestNeighbors(queries:bank:k:chunkRows:)``: the `k` bank rows nearest to each query under squared
///   Euclidean distance, computed tile by tile without ever holding the `M × N` distance matrix.
/// - ``coresetProject(features:matrix:)`` and ``coresetSteps(codes:minimumDistances:count:)``: the device half of
///   the approximate greedy coreset (Sener & Savarese, "Active Learning for Convolutional Neural Networks: A Core-Set
///   Approach", ICLR 2018); the sampler itself lives in the `AnomalyDetection` module.
///
/// The ops are the entry points in the extension below: they check the arguments, allocate the results and call
/// the device's hook of the same name, which only computes (see ``Device``).
public protocol DistanceOps {
    /// Hook of ``nearestNeighbors(queries:bank:k:chunkRows:)``: fills `distances` and `indices` `[M, k]`.
    func nearestNeighbors(queries: Tensor, bank: Tensor, k: Int, chunkRows: Int?, into distances: Tensor,
                          indices: Tensor) throws
    /// Hook of ``coresetProject(features:matrix:)``: fills `projected` `[N, P]`.
    func coresetProject(features: Tensor, matrix: Tensor, into projected: Tensor) throws
    /// Hook of ``coresetSteps(codes:minimumDistances:count:)``: fills `picks` `[count]`; called with `count ≥ 1`.
    func coresetSteps(codes: Tensor, minimumDistances: Tensor, count: Int, into picks: Tensor) throws
}

extension DistanceOps where Self: Device {
    /// The `k` nearest bank rows of every query: the `k` smallest squared Euclidean distances `Σ_d (q_d − b_d)²`, in
    /// ascending order, ties broken by the smaller bank index.
    ///
    /// Distances are computed directly from the differences (no `‖q‖² − 2q·b + ‖b‖²` expansion), so every term is
    /// non-negative and the float32 result has a small *relative* error: at most about `(D + 8)·2⁻²⁴` of the distance
    /// on every device (the reference sums in double precision and rounds once). Callers wanting Euclidean
    /// distances take square roots.
    ///
    /// The bank is processed in chunks of `chunkRows` rows with the running top-k carried from chunk to chunk; the
    /// result is identical for every chunk size. A bank held by another device (for example host memory, when it
    /// does not fit on this device) is copied over one chunk at a time.
    ///
    /// Rows whose distance is NaN are never returned. When fewer than `k` rows qualify (`N < k`), the remaining
    /// columns hold distance `+∞` and index `−1`.
    /// - Parameters:
    ///   - queries: `[M, D]` float32 on this device.
    ///   - bank: `[N, D]` float32 on any device.
    ///   - k: neighbours per query, `1...16`.
    ///   - chunkRows: bank rows per chunk, or nil to let the device choose (bounded scratch memory).
    /// - Returns: `distances` `[M, k]` float32 and `indices` `[M, k]` int32 on this device.
    /// - Throws: ``ComputeError`` for wrong shapes, types or arguments.
    public func nearestNeighbors(queries: Tensor, bank: Tensor, k: Int, chunkRows: Int?) throws
        -> (distances: Tensor, indices: Tensor) {
        try validateNearestNeighbors(queries: queries, bank: bank, k: k, chunkRows: chunkRows, device: self)
        let distances = try Tensor(uninitialized: [queries.shape[0], k], on: self)
        let indices = try Tensor(uninitialized: [queries.shape[0], k], dtype: .int32, on: self)
        try nearestNeighbors(queries: queries, bank: bank, k: k, chunkRows: chunkRows, into: distances,
                             indices: indices)
        return (distances, indices)
    }

    /// Projects rows with a fixed summation order, so that every device produces bit-identical results:
    /// `out[n, j] = (…((0 + x[n,0]·w[0,j]) + x[n,1]·w[1,j]) + …) + x[n,D−1]·w[D−1,j]`, each product rounded to float32
    /// before it is added (no fused multiply-add).
    /// - Parameters:
    ///   - features: `[N, D]` float32.
    ///   - matrix: `[D, P]` float32 with `P` a multiple of 16.
    /// - Returns: `[N, P]` float32.
    public func coresetProject(features: Tensor, matrix: Tensor) throws -> Tensor {
        try validateCoresetProject(features: features, matrix: matrix, device: self)
        let projected = try Tensor(uninitialized: [features.shape[0], matrix.shape[1]], on: self)
        try coresetProject(features: features, matrix: matrix, into: projected)
        return projected
    }

    /// Runs `count` steps of greedy k-centre selection over quantised points.
    ///
    /// Each step picks the point with the largest running minimum distance (ties: the smaller index), appends it to
    /// the result, sets its own entry to `−1` (so it is never picked again), and lowers every other entry to its
    /// squared distance to the pick if that is smaller. Distances are exact integers (`Σ (a − b)²` over uint8
    /// codes, below 2²⁴ for `P ≤ 256`), so every device makes the same choices.
    ///
    /// Codes are interleaved in blocks of 16 points (see ``CoresetCodeLayout``) so that a CPU kernel handles 16
    /// points per vector without horizontal sums, and a GPU reads neighbouring bytes in neighbouring work-items.
    /// - Parameters:
    ///   - codes: `[⌈N/16⌉, P, 16]` uint8, `P` a multiple of 16 in `16...256`.
    ///   - minimumDistances: `[N]` float32 running minima in squared code units, updated in place. Entries `< 0` mark
    ///     points already selected; at least `count` entries must be `≥ 0`.
    ///   - count: steps to run.
    /// - Returns: the `count` picks in order, `[count]` int32.
    public func coresetSteps(codes: Tensor, minimumDistances: Tensor, count: Int) throws -> Tensor {
        try validateCoresetSteps(codes: codes, minimumDistances: minimumDistances, count: count, device: self)
        let picks = try Tensor(uninitialized: [count], dtype: .int32, on: self)
        if count > 0 { try coresetSteps(codes: codes, minimumDistances: minimumDistances, count: count, into: picks) }
        return picks
    }
}

/// Limits shared by every device's distance ops.
public enum DistanceLimits {
    /// Largest `k` of ``DistanceOps/nearestNeighbors(queries:bank:k:chunkRows:)``.
    public static let maxNeighbors = 16
    /// Largest code width of ``DistanceOps/coresetSteps(codes:minimumDistances:count:)``: `255² · 256 < 2²⁴`, so
    /// squared distances stay exact in float32.
    public static let maxCodeWidth = 256
    /// Code widths and projection widths are multiples of this (one `uchar16`/`float16` vector).
    public static let widthMultiple = 16
}

/// The order of nearest-neighbour candidates: by distance, then by index, with empty slots (index `−1`) last.
enum NeighborOrder {
    @inline(__always)
    static func before(_ d: Float, _ j: Int32, _ e: Float, _ i: Int32) -> Bool {
        d < e || (d == e && UInt32(bitPattern: j) < UInt32(bitPattern: i))
    }

    /// Inserts `(d, j)` into the ascending list `(distances, indices)` of length `k` if it belongs there.
    @inline(__always)
    static func insert(_ d: Float, _ j: Int32, distances: UnsafeMutablePointer<Float>,
                       indices: UnsafeMutablePointer<Int32>, k: Int) {
        guard before(d, j, distances[k - 1], indices[k - 1]) else { return }
        var p = k - 1
        while p > 0 && before(d, j, distances[p - 1], indices[p - 1]) {
            distances[p] = distances[p - 1]
            indices[p] = indices[p - 1]
            p -= 1
        }
        distances[p] = d
        indices[p] = j
    }
}

extension DistanceOps {
    /// Validates the arguments of ``nearestNeighbors(queries:bank:k:chunkRows:)``.
    func validateNearestNeighbors(queries: Tensor, bank: Tensor, k: Int, chunkRows: Int?, device: AnyObject) throws {
        let op = "nearestNeighbors"
        try OpValidation.sameDevice(op, device, queries)
        try OpValidation.require(queries, op, dtype: .float32, rank: 2)
        try OpValidation.require(bank, op, dtype: .float32, shape: [nil, queries.shape[1]])
        guard (1...DistanceLimits.maxNeighbors).contains(k) else {
            throw ComputeError.invalidArgument(op: op, detail: "k must be in 1...\(DistanceLimits.maxNeighbors), got \(k)")
        }
        if let chunkRows { try OpValidation.positive(chunkRows, "chunkRows", op) }
    }

    func validateCoresetProject(features: Tensor, matrix: Tensor, device: AnyObject) throws {
        let op = "coresetProject"
        try OpValidation.sameDevice(op, device, features, matrix)
        try OpValidation.require(features, op, dtype: .float32, rank: 2)
        try OpValidation.require(matrix, op, dtype: .float32, shape: [features.shape[1], nil])
        let width = matrix.shape[1]
        guard width > 0, width % DistanceLimits.widthMultiple == 0 else {
            throw ComputeError.invalidArgument(
                op: op, detail: "the projection width must be a positive multiple of 16, got \(width)")
        }
    }

    func validateCoresetSteps(codes: Tensor, minimumDistances: Tensor, count: Int, device: AnyObject) throws {
        let op = "coresetSteps"
        try OpValidation.sameDevice(op, device, codes, minimumDistances)
        try OpValidation.require(minimumDistances, op, dtype: .float32, rank: 1)
        let n = minimumDistances.shape[0]
        try OpValidation.require(codes, op, dtype: .uint8,
                                 shape: [CoresetCodeLayout.blocks(points: n), nil, CoresetCodeLayout.blockPoints])
        let width = codes.shape[1]
        guard width % DistanceLimits.widthMultiple == 0, (16...DistanceLimits.maxCodeWidth).contains(width) else {
            throw ComputeError.invalidArgument(
                op: op, detail: "the code width must be a multiple of 16 in 16...256, got \(width)")
        }
        guard count >= 0 else { throw ComputeError.invalidArgument(op: op, detail: "count must be ≥ 0, got \(count)") }
        guard count == 0 || n > 0 else {
            throw ComputeError.invalidArgument(op: op, detail: "cannot select \(count) of 0 points")
        }
    }
}

/// The layout of coreset codes: point `i`'s code `j` lives at `[i / 16, j, i % 16]` of a `[⌈N/16⌉, P, 16]` uint8
/// tensor (16 points interleaved per block; lanes past `N` in the last block are ignored).
public enum CoresetCodeLayout {
    public static let blockPoints = 16

    public static func blocks(points: Int) -> Int { (points + blockPoints - 1) / blockPoints }

    /// Offset of point `point`'s code `code` in a layout of `width` codes per point.
    @inlinable
    public static func offset(point: Int, code: Int, width: Int) -> Int {
        (point / blockPoints * width + code) * blockPoints + point % blockPoints
    }
}

/// Walks a bank in chunks of rows, giving each chunk's rows on the computing device: the bank's own buffer (with a
/// row offset) when it already lives there, otherwise a copy of the chunk.
struct BankChunks {
    let bank: Tensor
    let chunkRows: Int

    var rows: Int { bank.shape[0] }
    var width: Int { bank.shape[1] }

    /// Calls `body(buffer, rowOffset, range)` for consecutive row ranges; `buffer` holds row `range.lowerBound + r`
    /// at row `rowOffset + r`.
    func forEach(on device: any Device, _ body: (DeviceBuffer, Int, Range<Int>) throws -> Void) throws {
        var start = 0
        var staging: Tensor?
        var host: [Float] = []
        while start < rows {
            let range = start..<min(rows, start + chunkRows)
            if bank.buffer.device === device {
                try body(bank.buffer, range.lowerBound, range)
            } else {
                let count = range.count * width
                if staging == nil {
                    staging = try Tensor(uninitialized: [chunkRows, width], on: device)
                    host = [Float](repeating: 0, count: chunkRows * width)
                }
                guard let staging else { return }
                try host.withUnsafeMutableBytes { bytes in
                    let part = UnsafeMutableRawBufferPointer(rebasing: bytes[0..<(count * 4)])
                    try bank.device.read(bank.buffer, offset: range.lowerBound * width * 4, into: part)
                    try device.write(UnsafeRawBufferPointer(part), to: staging.buffer, offset: 0)
                }
                try body(staging.buffer, 0, range)
            }
            start = range.upperBound
        }
    }
}
