/// One point of a ROC curve: the rates reached when every score `≥ threshold` is called anomalous.
public struct ROCPoint: Sendable, Equatable {
    public let falsePositiveRate: Double
    public let truePositiveRate: Double
    /// The score of this point; `+infinity` for the starting point (0, 0).
    public let threshold: Double
}

/// A receiver operating characteristic and the area under it.
///
/// Semantics of scikit-learn's `roc_curve`/`roc_auc_score`: one point per distinct score, starting at (0, 0) and
/// ending at (1, 1); equal scores form one point, so the segment through a group of ties is a straight line and a
/// tied (anomalous, normal) pair counts one half. The area is the trapezoid rule, which equals the Mann–Whitney
/// probability `P(s⁺ > s⁻) + ½ P(s⁺ = s⁻)` (Hanley & McNeil 1982).
public struct ROCCurve: Sendable, Equatable {
    /// From (0, 0) at threshold `+infinity` to (1, 1) at the lowest score, in decreasing threshold order.
    public let points: [ROCPoint]
    /// Area under the curve.
    public let area: Double
    public let positiveCount: Int
    public let negativeCount: Int
}

/// Builds a ``ROCCurve`` from score groups given in decreasing score order.
///
/// The area is kept exactly as the integer `Σ Δfp · (tp_before + tp_after)` (twice the area in count units) and
/// divided by `2 · positives · negatives` once at the end, so no rounding accumulates however many pixels there are.
struct ROCAccumulator {
    let positives: Int
    let negatives: Int
    private var truePositives = 0
    private var falsePositives = 0
    private var twiceArea: UInt64 = 0
    private var recorder: CurveRecorder<ROCPoint>

    init(positives: Int, negatives: Int, detail: CurveDetail) throws {
        let (product, overflow) = UInt64(positives).multipliedReportingOverflow(by: UInt64(2 * negatives))
        guard !overflow, product > 0 else { throw MetricsError.tooManyPixels(positives + negatives) }
        self.positives = positives
        self.negatives = negatives
        recorder = CurveRecorder(detail)
        recorder.offer(ROCPoint(falsePositiveRate: 0, truePositiveRate: 0, threshold: .infinity), x: 0, y: 0)
    }

    /// Adds the group of samples whose score is exactly `threshold`.
    mutating func add(threshold: Double, positives groupPositives: Int, negatives groupNegatives: Int) {
        let truePositivesAfter = truePositives + groupPositives
        twiceArea += UInt64(groupNegatives) * UInt64(truePositives + truePositivesAfter)
        truePositives = truePositivesAfter
        falsePositives += groupNegatives
        let fpr = Double(falsePositives) / Double(negatives), tpr = Double(truePositives) / Double(positives)
        recorder.offer(ROCPoint(falsePositiveRate: fpr, truePositiveRate: tpr, threshold: threshold), x: fpr, y: tpr)
    }

    mutating func finish() -> ROCCurve {
        ROCCurve(points: recorder.finish(), area: Double(twiceArea) / (2 * Double(positives) * Double(negatives)),
                 positiveCount: positives, negativeCount: negatives)
    }
}
