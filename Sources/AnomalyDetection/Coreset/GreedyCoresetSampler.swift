import Compute
import Dispatch
import Foundation

/// Approximate greedy coreset selection: k-centre greedy (Sener & Savarese, "Active Learning for Convolutional Neural
/// Networks: A Core-Set Approach", ICLR 2018) on randomly projected features, as PatchCore uses it to shrink its
/// memory bank (Roth et al., CVPR 2022; `ApproximateGreedyCoresetSampler` in amazon-science/patchcore-inspection).
///
/// 1. Project the `[N, D]` features to `projectionDimension` (128) columns with a seeded dense Gaussian matrix
///    whose entries are N(0, 1/128), so projected distances approximate the original ones.
/// 2. Quantise the projection to uint8 codes with one scale for the whole matrix (`round(x·127/max|x|) + 128`).
///    Distances between codes are exact integers, so every device makes exactly the same choices; the rounding is
///    far below the distortion of the random projection itself. Each greedy step then streams `N·128` bytes
///    instead of `N·512`.
/// 3. Start (see ``Start``), then repeat: pick the point farthest from the points picked so far (ties: the
///    smaller index), and lower every point's distance-to-the-coreset with its distance to the pick.
///
/// The result is deterministic for a seed and identical on every device.
public struct GreedyCoresetSampler: Sendable {
    /// How the greedy loop starts.
    public enum Start: Sendable, Equatable {
        /// The official PatchCore code: `count` distinct random points (fewer if `N < count`); each point's initial
        /// distance to the coreset is its mean Euclidean distance to them. The starting points are not selected.
        case meanDistanceToRandomPoints(count: Int)
        /// anomalib 2.7 `KCenterGreedy`: one random point is the first element of the coreset.
        case randomPointIncluded

        /// PatchCore's setting: ten starting points.
        public static let patchCore = Start.meanDistanceToRandomPoints(count: 10)
    }

    /// Fraction of the points to keep, in `(0, 1]`: the coreset has `⌊N·ratio⌋` points.
    public var ratio: Double
    public var seed: UInt64
    /// Columns of the random projection, `1...256`.
    public var projectionDimension: Int
    public var start: Start

    /// Greedy steps enqueued per device call (one host round trip each).
    private static let stepsPerCall = 512
    /// Rows of the projection read back per transfer while quantising.
    private static let rowsPerRead = 16_384

    public init(ratio: Double = 0.1, seed: UInt64 = 0, projectionDimension: Int = 128, start: Start = .patchCore) {
        self.ratio = ratio
        self.seed = seed
        self.projectionDimension = projectionDimension
        self.start = start
    }

    /// The number of points selected from `count` points: `⌊count·ratio⌋`.
    /// - Throws: ``CoresetError`` for a ratio outside `(0, 1]` or a selection of zero points.
    public func coresetSize(for count: Int) throws -> Int {
        guard ratio > 0, ratio <= 1 else { throw CoresetError.invalidRatio(ratio) }
        guard count > 0 else { throw CoresetError.emptyFeatures }
        let size = Int((Double(count) * ratio).rounded(.down))
        guard size > 0 else { throw CoresetError.emptySelection(points: count, ratio: ratio) }
        return size
    }

    /// Selects the coreset of `features` on the features' device.
    /// - Parameter features: `[N, D]` float32, finite.
    /// - Returns: `⌊N·ratio⌋` distinct row indices in the order they were selected.
    /// - Throws: ``CoresetError`` for bad arguments or non-finite features; device errors as they occur.
    /// - Parameter cancellation: checked between device calls of 512 steps; once set, throws `CancellationError`.
    public func select(features: Tensor, cancellation: CancellationFlag = CancellationFlag()) throws -> [Int] {
        guard features.dtype == .float32, features.rank == 2 else {
            throw CoresetError.invalidFeatures("expected [N, D] float32, got \(features.shape) \(features.dtype)")
        }
        let (n, depth) = (features.shape[0], features.shape[1])
        let size = try coresetSize(for: n)
        guard depth > 0 else { throw CoresetError.invalidFeatures("features have no columns") }
        guard (1...DistanceLimits.maxCodeWidth).contains(projectionDimension) else {
            throw CoresetError.invalidProjectionDimension(projectionDimension)
        }
        if case let .meanDistanceToRandomPoints(count) = start, count < 1 {
            throw CoresetError.invalidStartCount(count)
        }
        let device = features.device

        let projection = CoresetProjection(depth: depth, dimension: projectionDimension, seed: seed)
        let matrix = try Tensor(projection.matrix, shape: [depth, projection.width], on: device)
        let projected = try device.coresetProject(features: features, matrix: matrix)
        let codes = try CoresetCodes(projected: projected, rowsPerRead: Self.rowsPerRead)

        var selected: [Int] = []
        let initial: [Float]
        switch start {
        case let .meanDistanceToRandomPoints(count):
            let starts = randomDistinctIndices(min(count, n), below: n)
            initial = codes.meanDistances(to: starts)
        case .randomPointIncluded:
            let first = randomDistinctIndices(1, below: n)[0]
            var squared = codes.squaredDistances(to: first)
            squared[first] = -1
            initial = squared
            selected.append(first)
        }
        let minima = try Tensor(initial, shape: [n], on: device)
        let codeTensor = try Tensor(codes.interleaved(), shape: [CoresetCodeLayout.blocks(points: n), codes.width,
                                                                 CoresetCodeLayout.blockPoints], on: device)
        while selected.count < size {
            try cancellation.check()
            let count = min(Self.stepsPerCall, size - selected.count)
            let picks = try device.coresetSteps(codes: codeTensor, minimumDistances: minima, count: count)
            selected += try picks.int32s().map(Int.init)
        }
        return selected
    }

    /// `count` distinct indices in `0..<bound`, drawn from the sampler's seed.
    private func randomDistinctIndices(_ count: Int, below bound: Int) -> [Int] {
        var stream = PhiloxStream(seed: seed, stream: (CoresetProjection.streamTag, 2, 0))
        var chosen: [Int] = [], seen = Set<Int>()
        while chosen.count < count {
            let index = stream.integer(in: 0...(bound - 1))
            if seen.insert(index).inserted { chosen.append(index) }
        }
        return chosen
    }
}

/// Errors of ``GreedyCoresetSampler``.
public enum CoresetError: Error, CustomStringConvertible, Equatable {
    case invalidRatio(Double)
    case emptyFeatures
    case emptySelection(points: Int, ratio: Double)
    case invalidFeatures(String)
    case invalidProjectionDimension(Int)
    case invalidStartCount(Int)
    case nonFiniteFeatures

    public var description: String {
        switch self {
        case let .invalidRatio(ratio): "coreset: the ratio must be in (0, 1], got \(ratio)"
        case .emptyFeatures: "coreset: there are no features to select from"
        case let .emptySelection(points, ratio):
            "coreset: \(points) points × ratio \(ratio) selects no point; use a larger ratio"
        case let .invalidFeatures(detail): "coreset: \(detail)"
        case let .invalidProjectionDimension(dimension):
            "coreset: the projection dimension must be in 1...\(DistanceLimits.maxCodeWidth), got \(dimension)"
        case let .invalidStartCount(count): "coreset: the number of starting points must be ≥ 1, got \(count)"
        case .nonFiniteFeatures: "coreset: the features contain NaN or infinite values"
        }
    }
}
