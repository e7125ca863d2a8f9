@testable import AnomalyDetection
import Testing

/// A detector stand-in: image `i` has the fixed value `values[i]`; its score is the distance to the mean value of
/// the images it was fitted on. It records what it was fitted on.
final class MeanDistanceScorer: RefinementScorer {
    let values: [Float]
    var fits: [[Int]] = []
    init(_ values: [Float]) { self.values = values }

    func scores(fittingOn fitting: [Int], scoring: [Int]) throws -> [Float] {
        fits.append(fitting)
        let mean = fitting.map { values[$0] }.reduce(0, +) / Float(fitting.count)
        return scoring.map { abs(values[$0] - mean) }
    }
}

@Suite struct RefinementTests {
    /// Ten images near 0, three polluted far away (indices 2, 5, 11) and one healthy outlier (index 8).
    static let values: [Float] = [0.1, -0.2, 9, 0.05, 0.3, 8, -0.1, 0.2, -2.5, 0, -0.3, 7, 0.15]
    static let isPolluted = values.indices.map { [2, 5, 11].contains($0) }

    /// SROC fits once on everything and removes the top round(R·N) scores; precision, recall and F1 as counted by
    /// hand: R = 0.3 removes 4 of 13 → {2, 5, 8, 11}: 3 hits, precision 3/4, recall 3/3, F1 6/7.
    @Test func srocRemovesTheHighestScoresAndIsScoredByHand() throws {
        let scorer = MeanDistanceScorer(Self.values)
        let result = try Refinement(ratio: 0.3).refine(count: 13, scorer: scorer)
        #expect(scorer.fits == [Array(0..<13)])
        #expect(result.removed == [2, 5, 8, 11])
        #expect(result.kept == [0, 1, 3, 4, 6, 7, 9, 10, 12])
        let quality = result.quality(isPolluted: Self.isPolluted)
        #expect(quality.hits == 3 && quality.removed == 4 && quality.polluted == 3)
        #expect(quality.precision == 0.75 && quality.recall == 1)
        #expect(abs(quality.f1! - 6.0 / 7) < 1e-12)
        let two = try Refinement(ratio: 0.15).refine(count: 13, scorer: MeanDistanceScorer(Self.values))
        #expect(two.removed == [2, 5])
        #expect(two.quality(isPolluted: Self.isPolluted).recall == 2.0 / 3)
    }

    /// Cross-validation scores each image by a detector that never saw it; STOC averages one detector per split over
    /// all images. Both fit on disjoint splits that cover the set.
    @Test func crossValidationAndStocFitOnSplits() throws {
        let cvScorer = MeanDistanceScorer(Self.values)
        let cv = try Refinement(ratio: 0.25, strategy: .crossValidation(splits: 5), seed: 4).refine(count: 13, scorer: cvScorer)
        #expect(cvScorer.fits.count == 5)
        #expect(cvScorer.fits.allSatisfy { (10...11).contains($0.count) })
        #expect(cv.removed.count == 3 && cv.kept.count == 10)
        #expect(Set(cv.removed) == [2, 5, 11])
        let stocScorer = MeanDistanceScorer(Self.values)
        let stoc = try Refinement(ratio: 0.25, strategy: .stoc(splits: 5), seed: 4).refine(count: 13, scorer: stocScorer)
        #expect(stocScorer.fits.count == 5)
        #expect(Set(stocScorer.fits.flatMap { $0 }) == Set(0..<13))
        #expect(stocScorer.fits.map(\.count).reduce(0, +) == 13)
        #expect(Set(stoc.removed) == [2, 5, 11])
        let again = try Refinement(ratio: 0.25, strategy: .stoc(splits: 5), seed: 4).refine(count: 13, scorer: MeanDistanceScorer(Self.values))
        #expect(again == stoc)
    }

    /// The random baseline never asks the detector; it is seeded.
    @Test func randomRefinementIsSeededAndNeedsNoDetector() throws {
        let scorer = MeanDistanceScorer(Self.values)
        let first = try Refinement(ratio: 0.4, strategy: .random, seed: 1).refine(count: 13, scorer: scorer)
        let second = try Refinement(ratio: 0.4, strategy: .random, seed: 1).refine(count: 13, scorer: scorer)
        let other = try Refinement(ratio: 0.4, strategy: .random, seed: 2).refine(count: 13, scorer: scorer)
        #expect(scorer.fits.isEmpty)
        #expect(first == second && first != other)
        #expect(first.removed.count == 5 && Set(first.removed + first.kept) == Set(0..<13))
    }

    @Test func badSettingsAreClearErrors() throws {
        #expect(throws: ProtocolError.self) { try Refinement(ratio: 1) }
        #expect(throws: ProtocolError.self) { try Refinement(ratio: -0.1) }
        #expect(throws: ProtocolError.self) { try Refinement(ratio: 0.2, strategy: .crossValidation(splits: 1)) }
        #expect(throws: ProtocolError.self) { try RefinementStrategy(parsing: "magic") }
        #expect(try RefinementStrategy(parsing: "stoc") == .stoc(splits: 5))
        #expect(throws: ProtocolError.self) {
            try Refinement(ratio: 0.6).refine(count: 1, scorer: MeanDistanceScorer([1]))
        }
        #expect(throws: ProtocolError.self) {
            try Refinement(ratio: 0.2, strategy: .crossValidation(splits: 5)).refine(count: 4, scorer: MeanDistanceScorer([1, 2, 3, 4]))
        }
        #expect(throws: ProtocolError.self) {
            try Refinement(ratio: 0.5).refine(count: 2, scorer: MeanDistanceScorer([.nan, 1]))
        }
    }
}
