import Foundation

/// The grid of seed 002's experiment (§4.2–4.5): pollution ratios × refinement ratios × seeds, per method and
/// category, plus each polluted set's *perfect refinement* (fitted on its healthy images only: the dashed lines of
/// seed 002's Figures 4 and 5).
public struct PollutionStudyPlan: Sendable, Codable, Equatable {
    /// Pollution ratios `p` (seed 002: 0 to 0.2).
    public var pollutionRatios: [Double]
    /// Refinement ratios `R` (seed 002: 0 to 0.8); 0 fits on the polluted set as it is.
    public var refinementRatios: [Double]
    /// Seeds 0..<seeds, each a pollution draw (seed 002: 5).
    public var seeds: Int
    /// `sroc`, `random`, `cross-validation` or `stoc`.
    public var strategy: String
    /// The method that ranks the training images, or nil for each method refining itself (seed 002, Appendix B,
    /// refines with Mahalanobis, i.e. `gaussian`).
    public var refineWith: String?
    /// The pollution set's size as a fraction of the training set (seed 002: 0.2).
    public var poolFraction: Double

    public init(pollutionRatios: [Double] = [0, 0.1, 0.2], refinementRatios: [Double] = [0, 0.1, 0.2, 0.3, 0.4],
                seeds: Int = 5, strategy: String = "sroc", refineWith: String? = nil, poolFraction: Double = 0.2) throws {
        guard !pollutionRatios.isEmpty, !refinementRatios.isEmpty else {
            throw ProtocolError("the pollution study needs at least one pollution and one refinement ratio")
        }
        guard (1...100).contains(seeds) else { throw ProtocolError("--seeds must lie in 1...100, not \(seeds)") }
        for ratio in pollutionRatios { _ = try PollutionProtocol(ratio: ratio, poolFraction: poolFraction, seed: 0) }
        let parsed = try RefinementStrategy(parsing: strategy)
        for ratio in refinementRatios { _ = try Refinement(ratio: ratio, strategy: parsed) }
        self.pollutionRatios = pollutionRatios.sorted()
        self.refinementRatios = refinementRatios.sorted()
        self.seeds = seeds
        self.strategy = strategy
        self.refineWith = refineWith
        self.poolFraction = poolFraction
    }

    /// Every cell of one method and category, in run order (seed-major, so an interrupted study has whole seeds).
    public var cells: [PollutionCellKey] {
        (0..<seeds).flatMap { seed in
            pollutionRatios.flatMap { pollution in
                refinementRatios.map { PollutionCellKey(pollution: pollution, refinement: $0, seed: seed) }
                    + (pollution > 0 ? [PollutionCellKey(pollution: pollution, refinement: nil, seed: seed)] : [])
            }
        }
    }
}

/// One cell of the grid; `refinement == nil` is the perfect refinement.
public struct PollutionCellKey: Sendable, Codable, Hashable, CustomStringConvertible {
    public var pollution: Double
    public var refinement: Double?
    public var seed: Int

    public var description: String {
        "p\(ratioText(pollution))-" + (refinement.map { "r\(ratioText($0))" } ?? "perfect") + "-s\(seed)"
    }
}

/// The result of one cell for one method and category.
public struct PollutionCell: Sendable, Codable, Equatable {
    public var key: PollutionCellKey
    public var method: String
    public var metrics: CategoryMetrics
    /// The refinement's precision, recall and F1 against the known polluted images (nil at R = 0 and for the
    /// perfect refinement).
    public var quality: RefinementQuality?
}

/// Runs one method's cells on one embedded category.
public struct PollutionStudyRunner<Detector: AnomalyDetector> {
    public let plan: PollutionStudyPlan
    public let embedded: EmbeddedCategory<Detector>
    /// The refining detector's scorer for a polluted training set, or nil for the method itself.
    public let refiner: (([InspectionSample]) -> any RefinementScorer)?

    public init(plan: PollutionStudyPlan, embedded: EmbeddedCategory<Detector>,
                refiner: (([InspectionSample]) -> any RefinementScorer)?) {
        self.plan = plan
        self.embedded = embedded
        self.refiner = refiner
    }

    /// One cell: pollute with the key's seed, refine (or keep only the healthy images for the perfect refinement),
    /// fit and test.
    public func run(_ key: PollutionCellKey) throws -> PollutionCell {
        let polluted = try PollutionProtocol(ratio: key.pollution, poolFraction: plan.poolFraction,
                                             seed: UInt64(key.seed)).apply(to: embedded.category)
        let train = polluted.category.train
        let model: Detector.Model, quality: RefinementQuality?
        if let ratio = key.refinement {
            let refinement = ratio > 0
                ? try Refinement(ratio: ratio, strategy: try RefinementStrategy(parsing: plan.strategy), seed: UInt64(key.seed))
                : nil
            let fitted = try embedded.fit(train, refinement: refinement, refiner: refiner?(train))
            model = fitted.model
            quality = fitted.refinement?.quality(isPolluted: polluted.isPolluted)
        } else {
            let healthy = train.indices.filter { !polluted.isPolluted[$0] }.map { train[$0] }
            model = try embedded.fit(healthy, refinement: nil).model
            quality = nil
        }
        let metrics = try embedded.evaluate(model, on: polluted.category.test)
        return PollutionCell(key: key, method: Detector.method.rawValue, metrics: metrics, quality: quality)
    }
}

func ratioText(_ ratio: Double) -> String { String(format: "%.2f", ratio) }
