/// The best F1 score over all thresholds, and where it is reached.
///
/// Every distinct score `t` is a threshold (score `≥ t` → anomalous), as on scikit-learn's
/// `precision_recall_curve`; F1 = 2PR / (P + R) = 2·tp / (tp + fp + positives). When several thresholds reach the
/// same F1 exactly, the lowest one is reported, which is what `np.argmax` picks on scikit-learn's
/// increasing-threshold arrays (the official PatchCore code does this). anomalib adds 1e-10 to the denominator;
/// the difference is below 1e-10.
public struct F1Max: Sendable, Equatable {
    public let value: Double
    /// Scores `≥ threshold` are called anomalous at the optimum.
    public let threshold: Double
    public let precision: Double
    public let recall: Double
}

/// Finds ``F1Max`` from score groups given in decreasing score order, comparing F1 values as exact fractions.
struct F1Accumulator {
    let positives: Int
    private var truePositives = 0
    private var falsePositives = 0
    private var best: (truePositives: Int, falsePositives: Int, threshold: Double)?

    /// `positives` must be at least 1 (evaluations reject single-class inputs before accumulating).
    init(positives: Int) { self.positives = positives }

    mutating func add(threshold: Double, positives groupPositives: Int, negatives groupNegatives: Int) {
        truePositives += groupPositives
        falsePositives += groupNegatives
        // Without new positives a group only adds false positives, which cannot raise F1.
        guard groupPositives > 0 else { return }
        if let best {
            // tp / (tp + fp + P) ≥ best.tp / (best.tp + best.fp + P), cross-multiplied in 128 bits.
            let candidate = UInt64(truePositives).multipliedFullWidth(by: UInt64(best.truePositives + best.falsePositives + positives))
            let current = UInt64(best.truePositives).multipliedFullWidth(by: UInt64(truePositives + falsePositives + positives))
            guard candidate.high > current.high || (candidate.high == current.high && candidate.low >= current.low) else { return }
        }
        best = (truePositives, falsePositives, threshold)
    }

    func finish() -> F1Max {
        guard let best else { preconditionFailure("F1Accumulator needs at least one positive sample") }
        let tp = Double(best.truePositives)
        return F1Max(value: 2 * tp / (tp + Double(best.falsePositives) + Double(positives)), threshold: best.threshold,
                     precision: tp / (tp + Double(best.falsePositives)), recall: tp / Double(positives))
    }
}
