@testable import AnomalyDetection
import Testing

@Suite struct ImageEvaluationTests {
    /// Six images, three tied at 0.8 (two anomalous, one normal). By hand: thresholds 0.9, 0.8, 0.5, 0.3 give
    /// (fpr, tpr) = (0, 1/3), (1/3, 1), (2/3, 1), (1, 1); area = 1/3·(1/3 + 1)/2 + 1/3 + 1/3 = 8/9, which is also
    /// the pair count: 0.9 beats 3 normals, each 0.8 beats 2 and ties 1 → (3 + 2.5 + 2.5) / 9.
    @Test func tinyROCWithTiesByHand() throws {
        let evaluation = try ImageEvaluation(scores: [0.9, 0.8, 0.8, 0.8, 0.5, 0.3],
                                             labels: [true, true, false, true, false, false])
        expectNear(evaluation.auroc, 8.0 / 9.0, 1e-15, "AUROC")
        let points = evaluation.roc.points
        #expect(points.map(\.threshold) == [.infinity, 0.9, 0.8, 0.5, 0.3])
        let expected: [(Double, Double)] = [(0, 0), (0, 1.0 / 3), (1.0 / 3, 1), (2.0 / 3, 1), (1, 1)]
        #expect(points.count == expected.count)
        for (point, (fpr, tpr)) in zip(points, expected) {
            expectNear(point.falsePositiveRate, fpr, 1e-15, "fpr at \(point.threshold)")
            expectNear(point.truePositiveRate, tpr, 1e-15, "tpr at \(point.threshold)")
        }
        #expect(evaluation.roc.positiveCount == 3 && evaluation.roc.negativeCount == 3)
    }

    /// Same data: F1 = 2·tp / (tp + fp + 3) is 2/4, 6/7, 6/8, 6/9 at thresholds 0.9, 0.8, 0.5, 0.3.
    @Test func f1ByHand() throws {
        let f1 = try ImageEvaluation(scores: [0.9, 0.8, 0.8, 0.8, 0.5, 0.3],
                                     labels: [true, true, false, true, false, false]).f1Max
        expectNear(f1.value, 6.0 / 7.0, 1e-15, "F1")
        #expect(f1.threshold == 0.8)
        expectNear(f1.precision, 0.75, 1e-15, "precision")
        expectNear(f1.recall, 1, 1e-15, "recall")
    }

    /// Scores 4, 3, 2, 1 with labels T, F, F, T: F1 is 2/3 at threshold 4 and again at threshold 1 (tp 2, fp 2,
    /// 4/6); the lowest threshold is reported, like `np.argmax` on scikit-learn's increasing thresholds.
    @Test func f1TieTakesTheLowestThreshold() throws {
        let f1 = try ImageEvaluation(scores: [4, 3, 2, 1], labels: [true, false, false, true]).f1Max
        expectNear(f1.value, 2.0 / 3.0, 1e-15, "F1")
        #expect(f1.threshold == 1)
    }

    @Test func perfectAndInvertedAndAllTied() throws {
        #expect(try ImageEvaluation(scores: [3, 4, 1, 2], labels: [true, true, false, false]).auroc == 1)
        #expect(try ImageEvaluation(scores: [1, 2, 3, 4], labels: [true, true, false, false]).auroc == 0)
        let tied = try ImageEvaluation(scores: [5, 5, 5, 5, 5], labels: [true, false, false, true, false])
        #expect(tied.auroc == 0.5)
        #expect(tied.roc.points.count == 2)
    }

    /// −0 and +0 are one score (one ROC point), as in scikit-learn.
    @Test func signedZerosTie() throws {
        let evaluation = try ImageEvaluation(scores: [0.0, -0.0, 1], labels: [true, false, true])
        #expect(evaluation.auroc == 0.75)
        #expect(evaluation.roc.points.count == 3)
        #expect(evaluation.roc.points.last?.threshold.sign == .plus)
    }

    /// Random scores on few levels (many ties) against pair counting and direct F1 thresholding.
    @Test(arguments: [(UInt64(1), 7, 2), (2, 60, 4), (3, 250, 9), (4, 400, 1000)])
    func matchesBruteForce(seed: UInt64, count: Int, levels: Int) throws {
        var random = TestRandom(seed: seed)
        var labels = (0..<count).map { _ in random.unit() < 0.35 }
        labels[0] = true
        labels[1] = false
        let scores = labels.map { Double(random.quantised(levels: levels, scale: 2, offset: -1)) + ($0 ? 0.4 : 0) }
        let evaluation = try ImageEvaluation(scores: scores, labels: labels)
        expectNear(evaluation.auroc, BruteForce.auroc(scores: scores, labels: labels), 1e-12, "AUROC")
        let f1 = BruteForce.f1Max(scores: scores, labels: labels)
        expectNear(evaluation.f1Max.value, f1.value, 1e-12, "F1")
        #expect(evaluation.f1Max.threshold == f1.threshold)
        #expect(evaluation.roc.points.count == Set(scores).count + 1)
    }
}
