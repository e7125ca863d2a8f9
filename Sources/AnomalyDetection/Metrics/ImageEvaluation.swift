/// Image-level detection metrics: one score and one label per test image (anomalous = true).
///
/// AUROC has scikit-learn's `roc_auc_score` semantics (used by patchcore-inspection and PaDiM's reference code);
/// see ``ROCCurve``. Both classes must be present.
public struct ImageEvaluation: Sendable, Equatable {
    /// One point per distinct score.
    public let roc: ROCCurve
    public let f1Max: F1Max

    public var auroc: Double { roc.area }
    public var imageCount: Int { roc.positiveCount + roc.negativeCount }

    /// - Parameters:
    ///   - scores: `[N]` image scores, higher = more anomalous; must be finite (float scores convert exactly).
    ///   - labels: `[N]`, true for anomalous images.
    /// - Throws: ``MetricsError`` for empty or mismatched inputs, a non-finite score (naming the image), or a
    ///   single class.
    public init(scores: [Double], labels: [Bool]) throws {
        guard !scores.isEmpty else { throw MetricsError.emptyInput("no image scores") }
        guard labels.count == scores.count else {
            throw MetricsError.countMismatch("image labels for \(scores.count) scores", expected: scores.count, got: labels.count)
        }
        if let image = scores.firstIndex(where: { !$0.isFinite }) {
            throw MetricsError.nonFiniteScore(image: image, pixel: nil, value: scores[image])
        }
        let positives = labels.count { $0 }, negatives = labels.count - positives
        guard positives > 0, negatives > 0 else {
            throw MetricsError.singleClass("image metrics: all \(labels.count) images are \(positives > 0 ? "anomalous" : "normal")")
        }
        var rocAccumulator = try ROCAccumulator(positives: positives, negatives: negatives, detail: .full)
        var f1Accumulator = F1Accumulator(positives: positives)
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var start = 0
        while start < order.count {
            // −0 and +0 compare equal and form one group; `+ 0` reports it as +0.
            let threshold = scores[order[start]] + 0
            var end = start, groupPositives = 0
            while end < order.count, scores[order[end]] == threshold {
                if labels[order[end]] { groupPositives += 1 }
                end += 1
            }
            let groupNegatives = end - start - groupPositives
            rocAccumulator.add(threshold: threshold, positives: groupPositives, negatives: groupNegatives)
            f1Accumulator.add(threshold: threshold, positives: groupPositives, negatives: groupNegatives)
            start = end
        }
        roc = rocAccumulator.finish()
        f1Max = f1Accumulator.finish()
    }
}
