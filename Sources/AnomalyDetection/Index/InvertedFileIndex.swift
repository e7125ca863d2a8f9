import Compute

/// An approximate nearest-neighbour index for memory banks too large for exact search: an inverted file of k-means
/// lists, as faiss's `IndexIVFFlat` (Jégou, Douze & Schmid, "Product quantization for nearest neighbor search",
/// TPAMI 2011, §III-A), which seed 002 uses for PatchCore's bank.
///
/// The bank `[N, D]` is clustered into `lists` centroids by Lloyd's k-means on a seeded sample of at most 256 rows
/// per centroid (faiss's default), every row is filed under its nearest centroid, and a query `[M, D]` is compared
/// only with the rows of its `probes` nearest lists. Distances are squared L2 computed by the device's exact top-k
/// kernel, so with `probes == lists` the result equals exact search bit for bit.
public struct InvertedFileIndex: Sendable {
    /// Index settings with faiss's defaults where it has them.
    public struct Settings: Sendable, Equatable {
        /// Number of k-means lists (faiss's `nlist`); about √N is usual.
        public var lists: Int
        /// Lists searched per query (faiss's `nprobe`).
        public var probes: Int
        /// Lloyd iterations (faiss's `ClusteringParameters.niter` default is 25).
        public var iterations: Int = 25
        /// Training rows per list at most (faiss's `max_points_per_centroid`).
        public var samplePerList: Int = 256
        public var seed: UInt64 = 0

        public init(lists: Int, probes: Int) {
            self.lists = lists
            self.probes = probes
        }
    }

    public let settings: Settings
    public let dimension: Int
    /// Centroids `[lists, D]` on the device.
    public let centroids: Tensor
    /// Rows of each list `[n_l, D]` on the device (nil for an empty list).
    let listRows: [Tensor?]
    /// Bank row of each list row.
    let listMembers: [[Int32]]

    /// Rows filed under each list.
    public var listSizes: [Int] { listMembers.map(\.count) }

    /// Trains the centroids on `bank` `[N, D]` and files every row.
    public init(bank: Tensor, settings: Settings) throws {
        guard bank.rank == 2, bank.dtype == .float32 else {
            throw ComputeError.invalidArgument(op: "InvertedFileIndex", detail: "bank must be [N, D] float32, got \(bank.shape)")
        }
        let (n, depth) = (bank.shape[0], bank.shape[1])
        guard settings.lists >= 1, settings.lists <= n else {
            throw ComputeError.invalidArgument(op: "InvertedFileIndex",
                                               detail: "lists must be in 1...\(n) (the bank's rows), got \(settings.lists)")
        }
        guard settings.probes >= 1, settings.probes <= settings.lists else {
            throw ComputeError.invalidArgument(op: "InvertedFileIndex",
                                               detail: "probes must be in 1...\(settings.lists), got \(settings.probes)")
        }
        guard settings.iterations >= 0, settings.samplePerList >= 1 else {
            throw ComputeError.invalidArgument(op: "InvertedFileIndex", detail: "iterations and samplePerList")
        }
        let device = bank.device
        let values = try bank.floats()
        let centroids = try Self.kMeans(values, n: n, depth: depth, settings: settings, device: device)
        let assignment = try device.nearestNeighbors(queries: bank, bank: centroids, k: 1, chunkRows: nil).indices
            .int32s()
        var members = [[Int32]](repeating: [], count: settings.lists)
        for (row, list) in assignment.enumerated() { members[Int(list)].append(Int32(row)) }
        self.listRows = try members.map { rows in
            guard !rows.isEmpty else { return nil }
            var gathered = [Float](); gathered.reserveCapacity(rows.count * depth)
            for row in rows { gathered += values[Int(row) * depth..<(Int(row) + 1) * depth] }
            return try Tensor(gathered, shape: [rows.count, depth], on: device)
        }
        self.listMembers = members
        self.centroids = centroids
        self.settings = settings
        self.dimension = depth
    }

    /// Lloyd's k-means: seeded sample, centroids initialised to distinct sample rows, assignment on the device,
    /// means in double precision on the host; an emptied centroid takes half of the largest list (faiss's split:
    /// a copy of that centroid nudged by ±1/1024 of its magnitude).
    static func kMeans(_ values: [Float], n: Int, depth: Int, settings: Settings, device: any Device) throws -> Tensor {
        var random = PhiloxStream(seed: settings.seed, stream: (0x1f1f, 0, 0))
        var order = Array(0..<n)
        let sampleCount = min(n, settings.lists * settings.samplePerList)
        for i in 0..<sampleCount {
            order.swapAt(i, random.integer(in: i...(n - 1)))
        }
        let sample = Array(order[0..<sampleCount])
        var sampleValues = [Float](); sampleValues.reserveCapacity(sampleCount * depth)
        for row in sample { sampleValues += values[row * depth..<(row + 1) * depth] }
        let points = try Tensor(sampleValues, shape: [sampleCount, depth], on: device)
        var centres = [Float](sampleValues[0..<(settings.lists * depth)])
        for _ in 0..<settings.iterations {
            let centroidTensor = try Tensor(centres, shape: [settings.lists, depth], on: device)
            let nearest = try device.nearestNeighbors(queries: points, bank: centroidTensor, k: 1, chunkRows: nil)
                .indices.int32s()
            var sums = [Double](repeating: 0, count: settings.lists * depth)
            var counts = [Int](repeating: 0, count: settings.lists)
            for (i, list) in nearest.enumerated() {
                let l = Int(list)
                counts[l] += 1
                for d in 0..<depth { sums[l * depth + d] += Double(sampleValues[i * depth + d]) }
            }
            for l in 0..<settings.lists where counts[l] > 0 {
                for d in 0..<depth { centres[l * depth + d] = Float(sums[l * depth + d] / Double(counts[l])) }
            }
            for empty in 0..<settings.lists where counts[empty] == 0 {
                guard let largest = counts.indices.max(by: { counts[$0] < counts[$1] }), counts[largest] > 1 else { break }
                for d in 0..<depth {
                    let c = centres[largest * depth + d]
                    centres[empty * depth + d] = c + c / 1024
                    centres[largest * depth + d] = c - c / 1024
                }
                counts[empty] = counts[largest] / 2
                counts[largest] -= counts[empty]
            }
        }
        return try Tensor(centres, shape: [settings.lists, depth], on: device)
    }

    /// The `k` nearest bank rows of each query `[M, D]` among its `probes` nearest lists (default: the settings'),
    /// as `[M, k]` squared distances and bank rows, ordered by (distance, row); slots with no candidate are
    /// (+∞, −1).
    public func search(queries: Tensor, k: Int, probes: Int? = nil) throws -> (distances: [Float], indices: [Int32]) {
        let probes = probes ?? settings.probes
        guard queries.rank == 2, queries.shape[1] == dimension else {
            throw ComputeError.invalidArgument(op: "InvertedFileIndex.search",
                                               detail: "queries must be [M, \(dimension)], got \(queries.shape)")
        }
        guard probes >= 1, probes <= settings.lists else {
            throw ComputeError.invalidArgument(op: "InvertedFileIndex.search",
                                               detail: "probes must be in 1...\(settings.lists), got \(probes)")
        }
        guard (1...DistanceLimits.maxNeighbors).contains(k) else {
            throw ComputeError.invalidArgument(op: "InvertedFileIndex.search",
                                               detail: "k must be in 1...\(DistanceLimits.maxNeighbors), got \(k)")
        }
        let (m, depth) = (queries.shape[0], dimension)
        var bestD = [Float](repeating: .infinity, count: m * k)
        var bestI = [Int32](repeating: -1, count: m * k)
        guard m > 0 else { return (bestD, bestI) }
        let device = queries.device
        let probed = try nearestLists(queries, probes: probes)
        var askers = [[Int]](repeating: [], count: settings.lists)
        for query in 0..<m {
            for p in 0..<probes { askers[Int(probed[query * probes + p])].append(query) }
        }
        let queryValues = try queries.floats()
        for (list, asking) in askers.enumerated() where !asking.isEmpty {
            guard let rows = listRows[list] else { continue }
            var gathered = [Float](); gathered.reserveCapacity(asking.count * depth)
            for query in asking { gathered += queryValues[query * depth..<(query + 1) * depth] }
            let subset = try Tensor(gathered, shape: [asking.count, depth], on: device)
            let found = try device.nearestNeighbors(queries: subset, bank: rows, k: k, chunkRows: nil)
            let (distances, local) = (try found.distances.floats(), try found.indices.int32s())
            for (position, query) in asking.enumerated() {
                for t in 0..<k {
                    let j = local[position * k + t]
                    guard j >= 0 else { break }
                    Self.insert(distances[position * k + t], listMembers[list][Int(j)],
                                into: &bestD, &bestI, at: query * k, k: k)
                }
            }
        }
        return (bestD, bestI)
    }

    /// The `probes` nearest lists of each query, `[M, probes]`: by the device's top-k kernel up to its k limit,
    /// else from the query–centroid distances `‖q‖² − 2·q·c + ‖c‖²` of one GEMM, sorted on the host.
    func nearestLists(_ queries: Tensor, probes: Int) throws -> [Int32] {
        let device = queries.device
        if probes <= DistanceLimits.maxNeighbors {
            return try device.nearestNeighbors(queries: queries, bank: centroids, k: probes, chunkRows: nil)
                .indices.int32s()
        }
        let (m, lists) = (queries.shape[0], settings.lists)
        let products = try device.gemm(queries, centroids, transposeB: true, alpha: -2).floats()
        let centres = try centroids.floats()
        let centreNorms = (0..<lists).map { c in
            centres[c * dimension..<(c + 1) * dimension].reduce(Float(0)) { $0 + $1 * $1 }
        }
        var probed = [Int32](); probed.reserveCapacity(m * probes)
        for query in 0..<m {
            let order = (0..<lists).sorted {
                let a = products[query * lists + $0] + centreNorms[$0], b = products[query * lists + $1] + centreNorms[$1]
                return a < b || (a == b && $0 < $1)
            }
            probed += order.prefix(probes).map(Int32.init)
        }
        return probed
    }

    /// Inserts a candidate into one query's sorted top-k, ordered by (distance, row).
    static func insert(_ d: Float, _ row: Int32, into distances: inout [Float], _ indices: inout [Int32], at base: Int,
                       k: Int) {
        func before(_ d: Float, _ j: Int32, _ e: Float, _ i: Int32) -> Bool {
            d < e || (d == e && UInt32(bitPattern: j) < UInt32(bitPattern: i))
        }
        guard before(d, row, distances[base + k - 1], indices[base + k - 1]) else { return }
        var p = k - 1
        while p > 0, before(d, row, distances[base + p - 1], indices[base + p - 1]) {
            distances[base + p] = distances[base + p - 1]
            indices[base + p] = indices[base + p - 1]
            p -= 1
        }
        distances[base + p] = d
        indices[base + p] = row
    }

    /// Recall@k of approximate results against exact ones (`[M, k]` row indices each): the fraction of the exact
    /// neighbours the approximate search returned.
    public static func recall(approximate: [Int32], exact: [Int32], k: Int) -> Double {
        guard k > 0, !exact.isEmpty else { return 1 }
        var found = 0, total = 0
        for base in stride(from: 0, to: exact.count, by: k) {
            let returned = Set(approximate[base..<base + k])
            for j in exact[base..<base + k] where j >= 0 {
                total += 1
                if returned.contains(j) { found += 1 }
            }
        }
        return total == 0 ? 1 : Double(found) / Double(total)
    }
}
