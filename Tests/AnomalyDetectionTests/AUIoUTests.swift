@testable import AnomalyDetection
import Foundation
import Testing

/// Issue 9 item 5: AU-IoU to 30 % FPR (``AUIoU``), by hand and against a count-from-scratch reference.
@Suite struct AUIoUTests {
    /// PixelEvaluationTests' hand image: P = 6 anomalous, N = 10 normal pixels.
    ///
    /// threshold  TP  FP  FPR  IoU = TP/(P+FP)
    ///   0.9       1   0   0    1/6
    ///   0.8       2   0   0    2/6
    ///   0.7       2   1   0.1  2/7    only a normal pixel joins: ∫ 2/(6 + 10f) df = 0.2·ln(7/6)
    ///   0.6       4   2   0.2  1/2    straight line: 0.1·(2/7 + 1/2)/2 = 11/280
    ///   0.5       5   4   0.4  1/2    cut at 0.3 halfway along the line: 0.1·(1/2 + 1/2)/2 = 1/20
    ///
    /// AU-IoU = (0.2·ln(7/6) + 11/280 + 1/20) / 0.3.
    @Test func byHand() throws {
        let map = try ScoreMap(width: 4, height: 4, scores: PixelEvaluationTests.handScores)
        let mask = try GroundTruthMask(width: 4, height: 4, values: PixelEvaluationTests.handMask, rule: .strict)
        for detail in [CurveDetail.full, .thinned(step: 0.001)] {
            let metrics = try PixelEvaluation(maps: [map], masks: [mask],
                                              options: PixelEvaluationOptions(curveDetail: detail)).allImages
            expectNear(metrics.auIoU.value, (0.2 * log(7.0 / 6) + 11.0 / 280 + 1.0 / 20) / 0.3, 1e-15, "AU-IoU")
            expectNear(metrics.auIoU.iouAtLimit, 0.5, 1e-15, "IoU at 0.3")
        }
    }

    /// The definition counted from scratch at every distinct score (O(thresholds · pixels)).
    static func reference(maps: [ScoreMap], masks: [GroundTruthMask], limit: Double) -> Double {
        var positives: [Float] = [], negatives: [Float] = []
        for (map, mask) in zip(maps, masks) {
            for (score, anomalous) in zip(map.scores, mask.isAnomalous) {
                if anomalous { positives.append(score) } else { negatives.append(score) }
            }
        }
        let p = Double(positives.count), n = Double(negatives.count)
        var area = 0.0
        var previous = (tp: 0.0, fp: 0.0)
        for t in Set(maps.flatMap(\.scores).map { $0 + 0 }).sorted(by: >) {
            let tp = Double(positives.filter { $0 >= t }.count), fp = Double(negatives.filter { $0 >= t }.count)
            let f0 = previous.fp / n
            guard f0 < limit else { break }
            let fpEnd = min(fp, limit * n)
            if tp == previous.tp {
                if tp > 0, fpEnd > previous.fp { area += tp / n * log((p + fpEnd) / (p + previous.fp)) }
            } else {
                let start = previous.tp / (p + previous.fp), end = tp / (p + fp)
                let reach = fp == previous.fp ? 1 : (fpEnd - previous.fp) / (fp - previous.fp)
                area += (fpEnd - previous.fp) / n * (start + (start + reach * (end - start))) / 2
            }
            previous = (tp, fp)
        }
        return area / limit
    }

    @Test(arguments: [1, 2, 3])
    func matchesTheReferenceOnTiesAndMergedNormalRuns(_ seed: UInt64) throws {
        let set = try SyntheticTestSet(seed: seed, images: 6, normalImages: 2, sizes: 3...9, levels: 12)
        for limit in [0.3, 0.05, 1] {
            let expected = Self.reference(maps: set.maps, masks: set.masks, limit: limit)
            for detail in [CurveDetail.full, .thinned(step: 0.01)] {
                let metrics = try PixelEvaluation(maps: set.maps, masks: set.masks,
                                                  options: PixelEvaluationOptions(proIntegrationLimit: limit,
                                                                                  curveDetail: detail)).allImages
                expectNear(metrics.auIoU.value, expected, 1e-12, "seed \(seed), limit \(limit), \(detail)")
                #expect(metrics.auIoU.value > 0 && metrics.auIoU.value < 1)
            }
        }
    }
}
