@testable import AnomalyDetection
import Testing

@Suite struct PixelEvaluationTests {
    /// One 4×4 image, worked by hand. `A`/`B` mark the two regions (B is joined only diagonally, so it is one
    /// region under 8-connectivity); the other ten pixels are normal.
    ///
    ///     scores              mask
    ///     0.9 0.6 0.7 0.3     A A . .
    ///     0.6 0.2 0.6 0.5     A A . .
    ///     0.5 0.3 0.1 0.8     . . . B
    ///     0.1 0.1 0.5 0.0     . . B .
    ///
    /// threshold  normals ≥ t  FPR   A covered  B covered  PRO
    ///   0.9          0        0       1/4        0        1/8
    ///   0.8          0        0       1/4        1/2      3/8
    ///   0.7          1        0.1     1/4        1/2      3/8
    ///   0.6          2        0.2     3/4        1/2      5/8
    ///   0.5          4        0.4     3/4        1        7/8
    ///   0.3          6        0.6     3/4        1        7/8
    ///   0.2          6        0.6     1          1        1
    ///   0.1          9        0.9     1          1        1
    ///   0.0         10        1       1          1        1
    ///
    /// Up to FPR 0.3: 0.1·3/8 + 0.1·(3/8 + 5/8)/2 = 0.0875, then 0.3 lies between 0.2 and 0.4, where PRO is
    /// interpolated to 5/8 + (7/8 − 5/8)·½ = 3/4, adding 0.1·(5/8 + 3/4)/2 = 0.06875. AUPRO = 0.15625 / 0.3 = 25/48.
    static let handScores: [Float] = [0.9, 0.6, 0.7, 0.3, 0.6, 0.2, 0.6, 0.5, 0.5, 0.3, 0.1, 0.8, 0.1, 0.1, 0.5, 0.0]
    static let handMask: [UInt8] = [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]

    private func handEvaluation(limit: Double = 0.3) throws -> PixelMetrics {
        let map = try ScoreMap(width: 4, height: 4, scores: Self.handScores)
        let mask = try GroundTruthMask(width: 4, height: 4, values: Self.handMask, rule: .strict)
        return try PixelEvaluation(maps: [map], masks: [mask],
                                   options: PixelEvaluationOptions(proIntegrationLimit: limit, curveDetail: .full)).allImages
    }

    @Test func auproByHandWithInterpolationAtTheLimit() throws {
        let aupro = try handEvaluation().aupro
        expectNear(aupro.value, 25.0 / 48.0, 1e-15, "AUPRO")
        expectNear(aupro.proAtLimit, 0.75, 1e-15, "PRO at 0.3")
        #expect(aupro.regionCount == 2)
        let expected: [(Double, Double)] = [(0, 0), (0, 1.0 / 8), (0, 3.0 / 8), (0.1, 3.0 / 8), (0.2, 5.0 / 8)]
        #expect(aupro.points.count == expected.count)
        for (point, (fpr, pro)) in zip(aupro.points, expected) {
            expectNear(point.falsePositiveRate, fpr, 1e-15, "FPR at \(point.threshold)")
            expectNear(point.perRegionOverlap, pro, 1e-15, "PRO at \(point.threshold)")
        }
        #expect(aupro.points.map(\.threshold) == [.infinity] + [0.9, 0.8, 0.7, 0.6].map { Double(Float($0)) })
    }

    /// Limits on a sample (0.2: no interpolation) and the whole curve (1: area 0.8125 from the table above).
    @Test func auproByHandAtOtherLimits() throws {
        expectNear(try handEvaluation(limit: 0.2).aupro.value, 0.0875 / 0.2, 1e-15, "limit 0.2")
        expectNear(try handEvaluation(limit: 1).aupro.value, 0.8125, 1e-15, "limit 1")
        expectNear(try handEvaluation(limit: 0.05).aupro.value, 0.05 * (3.0 / 8) / 0.05, 1e-15, "limit 0.05")
    }

    /// AUROC by pairs: 0.9 and 0.8 beat all 10 normals, each 0.6 beats 8 and ties 1, 0.5 beats 6 and ties 2,
    /// 0.2 beats 4: 48 / 60. F1 = 2·tp / (tp + fp + 6) peaks at 2/3 at thresholds 0.6, 0.5 and 0.2 (tp 4/fp 2,
    /// 5/4, 6/6); the lowest is reported.
    @Test func pixelAUROCAndF1ByHand() throws {
        let metrics = try handEvaluation()
        expectNear(metrics.auroc, 0.8, 1e-15, "AUROC")
        expectNear(metrics.f1Max.value, 2.0 / 3.0, 1e-15, "F1")
        #expect(metrics.f1Max.threshold == Double(Float(0.2)))
        expectNear(metrics.f1Max.precision, 0.5, 1e-15, "precision")
        #expect(metrics.anomalousPixelCount == 6 && metrics.normalPixelCount == 10)
    }

    /// An anomalous +0 and normal −0 pixels tie (½ per pair), as in scikit-learn: (0.5 + 0.5 + 1 + 1) / 4.
    @Test func signedZerosTie() throws {
        let map = try ScoreMap(width: 2, height: 2, scores: [-0.0, 0.0, 1, -0.0])
        let mask = try GroundTruthMask(width: 2, height: 2, isAnomalous: [false, true, true, false])
        let metrics = try PixelEvaluation(maps: [map], masks: [mask], options: PixelEvaluationOptions(curveDetail: .full)).allImages
        #expect(metrics.auroc == 0.75)
        #expect(metrics.roc.points.map(\.threshold) == [.infinity, 1, 0])
        #expect(metrics.roc.points.last?.threshold.sign == .plus)
    }

    /// Random test sets (ties, several regions, normal images, negative scores and signed zeros) against the
    /// definition-level brute force, for both image subsets and several limits.
    @Test(arguments: [(UInt64(21), 4, 1, 6, Float(0)), (22, 7, 3, 20, -0.5), (23, 5, 0, 3, 0), (24, 9, 4, 1000, -1)])
    func matchesBruteForce(seed: UInt64, images: Int, normalImages: Int, levels: Int, offset: Float) throws {
        let set = try SyntheticTestSet(seed: seed, images: images, normalImages: normalImages, sizes: 3...14,
                                       levels: levels, offset: offset)
        // Full curves visit every threshold; thinned ones merge runs of normal-only thresholds.
        let details = [CurveDetail.full, .thinned(step: 0.001)]
        for subset in ImageSubset.allCases {
            let chosen = set.masks.indices.filter { subset == .allImages || set.masks[$0].isAnomalous.contains(true) }
            let maps = chosen.map { set.maps[$0] }, masks = chosen.map { set.masks[$0] }
            let scores = maps.flatMap(\.scores).map(Double.init), labels = masks.flatMap(\.isAnomalous)
            let auroc = BruteForce.auroc(scores: scores, labels: labels)
            let f1 = BruteForce.f1Max(scores: scores, labels: labels)
            for limit in [0.3, 0.05, 0.71, 1] {
                let aupro = BruteForce.aupro(maps: maps, masks: masks, limit: limit)
                for detail in details {
                    let options = PixelEvaluationOptions(proIntegrationLimit: limit, curveDetail: detail)
                    let metrics = try #require(try PixelEvaluation(maps: set.maps, masks: set.masks, options: options)[subset])
                    let label = "seed \(seed), \(subset), limit \(limit), \(detail)"
                    expectNear(metrics.aupro.value, aupro, 1e-12, "AUPRO, \(label)")
                    expectNear(metrics.auroc, auroc, 1e-12, "AUROC, \(label)")
                    expectNear(metrics.f1Max.value, f1.value, 1e-12, "F1, \(label)")
                    #expect(metrics.f1Max.threshold == f1.threshold, "F1 threshold, \(label)")
                    #expect(metrics.imageCount == chosen.count)
                }
            }
        }
    }

    /// Anomalous-only pools only the images with defects: normal images change the full variant only.
    @Test func anomalousImagesOnlyIgnoresNormalImages() throws {
        let set = try SyntheticTestSet(seed: 31, images: 6, normalImages: 2, sizes: 5...9, levels: 8)
        let withNormals = try PixelEvaluation(maps: set.maps, masks: set.masks)
        let withoutNormals = try PixelEvaluation(maps: Array(set.maps.dropFirst(2)), masks: Array(set.masks.dropFirst(2)))
        #expect(withNormals.anomalousImagesOnly == withoutNormals.anomalousImagesOnly)
        #expect(withoutNormals.allImages.auroc == withoutNormals.anomalousImagesOnly?.auroc)
        #expect(withNormals.allImages.auroc != withNormals.anomalousImagesOnly?.auroc)
        #expect(withNormals.allImages.anomalousImageCount == 4 && withNormals.allImages.imageCount == 6)
    }

    /// The result does not depend on the worker count (radix chunks, parallel labelling).
    @Test func threadCountDoesNotChangeResults() throws {
        let set = try SyntheticTestSet(seed: 41, images: 12, normalImages: 3, sizes: 20...40, levels: 50)
        let results = try [1, 2, 5].map {
            try PixelEvaluation(maps: set.maps, masks: set.masks, options: PixelEvaluationOptions(curveDetail: .full, threads: $0))
        }
        #expect(results[0] == results[1] && results[1] == results[2])
    }

    /// Thinned curves keep the end points and stay within the step; the metrics are those of the full curve.
    @Test func thinnedCurvesKeepTheMetrics() throws {
        let set = try SyntheticTestSet(seed: 51, images: 8, normalImages: 2, sizes: 20...30, levels: 5000)
        let full = try PixelEvaluation(maps: set.maps, masks: set.masks, options: PixelEvaluationOptions(curveDetail: .full)).allImages
        let thin = try PixelEvaluation(maps: set.maps, masks: set.masks,
                                       options: PixelEvaluationOptions(curveDetail: .thinned(step: 0.05))).allImages
        #expect(thin.auroc == full.auroc && thin.f1Max == full.f1Max)
        expectNear(thin.aupro.value, full.aupro.value, 1e-15, "AUPRO")
        #expect(thin.roc.points.count < full.roc.points.count / 10)
        #expect(thin.roc.points.count <= 42)
        #expect(thin.roc.points.first == full.roc.points.first && thin.roc.points.last == full.roc.points.last)
        #expect(thin.aupro.proAtLimit == full.aupro.proAtLimit)
        for (a, b) in zip(thin.roc.points, thin.roc.points.dropFirst()) {
            #expect(b.falsePositiveRate >= a.falsePositiveRate && b.truePositiveRate >= a.truePositiveRate)
        }
    }

    /// The full ROC has one point per distinct score plus (0, 0), and ends at (1, 1).
    @Test func fullCurveHasOnePointPerDistinctScore() throws {
        let set = try SyntheticTestSet(seed: 61, images: 5, normalImages: 1, sizes: 4...8, levels: 12)
        let metrics = try PixelEvaluation(maps: set.maps, masks: set.masks, options: PixelEvaluationOptions(curveDetail: .full)).allImages
        #expect(metrics.roc.points.count == Set(set.maps.flatMap(\.scores)).count + 1)
        #expect(metrics.roc.points.last?.falsePositiveRate == 1 && metrics.roc.points.last?.truePositiveRate == 1)
    }
}
