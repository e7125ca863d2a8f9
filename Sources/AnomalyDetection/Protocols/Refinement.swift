import Compute
import Foundation

/// Fits a detector on some training images and scores others: what a refinement strategy needs of a detector.
/// Indices refer to one training set; the returned scores follow `scoring`'s order, higher meaning more anomalous.
public protocol RefinementScorer {
    func scores(fittingOn fitting: [Int], scoring: [Int]) throws -> [Float]
}

/// How training images are ranked before the most suspicious ones are removed (seed 002, §3.2 and §4.5).
public enum RefinementStrategy: Sendable, Equatable, CustomStringConvertible {
    /// SROC: fit on the whole polluted training set and score that same set (seed 002's proposal).
    case sroc
    /// Remove random images (seed 002's baseline).
    case random
    /// Fit on `splits − 1` disjoint splits and score the held-out one, for every split.
    case crossValidation(splits: Int)
    /// STOC without iteration (Yoon et al., TMLR 2022, as seed 002 runs it on a frozen extractor): fit one detector per
    /// split, score the whole set with each and average.
    case stoc(splits: Int)

    /// Seed 002 uses five splits for cross-validation and STOC.
    public static let defaultSplits = 5

    public var description: String {
        switch self {
        case .sroc: "sroc"
        case .random: "random"
        case .crossValidation(let splits): "cross-validation(\(splits))"
        case .stoc(let splits): "stoc(\(splits))"
        }
    }

    /// Parses `sroc`, `random`, `cross-validation` or `stoc` (the last two with ``defaultSplits``).
    public init(parsing text: String) throws {
        switch text {
        case "sroc": self = .sroc
        case "random": self = .random
        case "cross-validation": self = .crossValidation(splits: Self.defaultSplits)
        case "stoc": self = .stoc(splits: Self.defaultSplits)
        default:
            throw ProtocolError("unknown refinement strategy '\(text)'; use sroc, random, cross-validation or stoc")
        }
    }
}

/// Data refinement: rank the training images by a strategy and drop the top `ratio` of them (seed 002's refinement
/// ratio, ideally close to the unknown pollution rate).
public struct Refinement: Sendable, Equatable {
    public var ratio: Double
    public var strategy: RefinementStrategy
    /// Seeds the random strategy and the splits of cross-validation and STOC.
    public var seed: UInt64

    public init(ratio: Double, strategy: RefinementStrategy = .sroc, seed: UInt64 = 0) throws {
        guard ratio >= 0, ratio < 1 else { throw ProtocolError("the refinement ratio must lie in [0, 1), not \(ratio)") }
        if case .crossValidation(let splits) = strategy, splits < 2 {
            throw ProtocolError("cross-validation needs at least 2 splits, not \(splits)")
        }
        if case .stoc(let splits) = strategy, splits < 1 { throw ProtocolError("STOC needs at least 1 split, not \(splits)") }
        self.ratio = ratio
        self.strategy = strategy
        self.seed = seed
    }

    /// How many of `count` training images are removed.
    public func removedCount(of count: Int) -> Int { Int((ratio * Double(count)).rounded()) }

    /// Ranks the `count` training images and returns which to keep and which to remove.
    /// - Throws: ``ProtocolError`` when nothing would be left, a split would be empty, or a score is not finite;
    ///   the scorer's own errors pass through.
    public func refine(count: Int, scorer: some RefinementScorer) throws -> RefinementResult {
        let removing = removedCount(of: count)
        guard removing < count else {
            throw ProtocolError("refining \(count) training images at ratio \(ratio) would remove all of them")
        }
        let all = Array(0..<count)
        if removing == 0 { return RefinementResult(kept: all, removed: [], scores: nil) }
        let scores: [Float]
        switch strategy {
        case .sroc:
            scores = try scorer.scores(fittingOn: all, scoring: all)
        case .random:
            var random = PhiloxStream(seed: seed, stream: (0x5E0C, 0, 0))
            let order = shuffled(all, &random)
            return RefinementResult(kept: order.dropFirst(removing).sorted(), removed: order.prefix(removing).sorted(),
                                    scores: nil)
        case .crossValidation(let splits):
            let folds = try self.splits(count: count, into: splits)
            var filled = [Float](repeating: 0, count: count)
            for (index, held) in folds.enumerated() {
                let fitting = folds.enumerated().filter { $0.offset != index }.flatMap(\.element).sorted()
                for (image, score) in zip(held, try scorer.scores(fittingOn: fitting, scoring: held)) { filled[image] = score }
            }
            scores = filled
        case .stoc(let splits):
            var sum = [Float](repeating: 0, count: count)
            for fold in try self.splits(count: count, into: splits) {
                for (image, score) in try scorer.scores(fittingOn: fold, scoring: all).enumerated() { sum[image] += score }
            }
            scores = sum.map { $0 / Float(splits) }
        }
        guard scores.count == count else {
            throw ProtocolError("the refinement detector returned \(scores.count) scores for \(count) images")
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw ProtocolError("the refinement detector scored training image \(bad) as \(scores[bad])")
        }
        let ranked = all.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return RefinementResult(kept: ranked.dropFirst(removing).sorted(), removed: ranked.prefix(removing).sorted(),
                                scores: scores)
    }

    /// `count` indices dealt round-robin, in a seeded order, into `splits` disjoint non-empty splits.
    func splits(count: Int, into splits: Int) throws -> [[Int]] {
        guard count >= splits else {
            throw ProtocolError("\(strategy) needs at least \(splits) training images, not \(count)")
        }
        var random = PhiloxStream(seed: seed, stream: (0x5E0C, 1, 0))
        let order = shuffled(Array(0..<count), &random)
        return (0..<splits).map { split in stride(from: split, to: count, by: splits).map { order[$0] }.sorted() }
    }
}

/// What a refinement kept and removed, as sorted training indices.
public struct RefinementResult: Sendable, Equatable {
    public var kept: [Int]
    public var removed: [Int]
    /// Each training image's score under the strategy (nil for the random strategy and for ratio 0).
    public var scores: [Float]?

    /// Precision, recall and F1 of the removal against the known polluted images (seed 002, Table 2): recall is the
    /// share of polluted images removed, precision the share of removed images that were polluted.
    public func quality(isPolluted: [Bool]) -> RefinementQuality {
        let hits = removed.filter { isPolluted[$0] }.count
        let polluted = isPolluted.filter { $0 }.count
        return RefinementQuality(removed: removed.count, polluted: polluted, hits: hits)
    }
}

/// Precision, recall and F1 of a refinement; each is nil where its denominator is zero.
public struct RefinementQuality: Sendable, Equatable, Codable {
    public var removed: Int
    public var polluted: Int
    /// Removed images that were polluted.
    public var hits: Int

    public var precision: Double? { removed == 0 ? nil : Double(hits) / Double(removed) }
    public var recall: Double? { polluted == 0 ? nil : Double(hits) / Double(polluted) }
    public var f1: Double? {
        guard let precision, let recall, precision + recall > 0 else { return nil }
        return 2 * precision * recall / (precision + recall)
    }
}
