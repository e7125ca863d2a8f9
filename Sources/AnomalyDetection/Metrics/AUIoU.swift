import Foundation

/// The normalised area under the pooled-pixel IoU curve up to a false-positive-rate limit (AU-IoU, 30 % FPR in
/// seed 002: Cordier et al., "Data refinement for fully unsupervised visual inspection using pre-trained networks",
/// 2022), beside ``AUPRO``.
///
/// At threshold `t`, with `TP(t)` anomalous and `FP(t)` normal pixels scoring `≥ t` among `P` anomalous and `N`
/// normal pixels, `IoU(t) = TP / (P + FP)` (prediction `≥ t` against the union of all masks) and `FPR(t) = FP / N`.
/// Thresholds are every distinct score, in decreasing order, from (0, 0). Between two thresholds the curve is
/// the straight line when anomalous pixels join, and `TP / (P + N·f)` (integrated exactly,
/// `(TP/N)·ln((P + N·f₁)/(P + N·f₀))`) when only normal pixels join — so merging runs of normal-only thresholds
/// changes nothing. The area up to `integrationLimit` (the curve cut at the limit) is divided by the limit.
public struct AUIoU: Sendable, Equatable {
    /// The area divided by ``integrationLimit``, in [0, 1].
    public let value: Double
    public let integrationLimit: Double
    /// IoU at FPR = ``integrationLimit``.
    public let iouAtLimit: Double
}

/// Builds an ``AUIoU`` from score groups given in decreasing score order.
struct IoUAccumulator {
    let positives: Int
    let negatives: Int
    let limit: Double
    private var truePositives = 0
    private var falsePositives = 0
    private var area = CompensatedSum()
    private var atLimit: Double?

    init(positives: Int, negatives: Int, limit: Double) {
        self.positives = positives
        self.negatives = negatives
        self.limit = limit
    }

    private func iou(_ tp: Double, _ fp: Double) -> Double { tp / (Double(positives) + fp) }

    /// Adds the group of pixels whose score is exactly one threshold.
    mutating func add(positives groupPositives: Int, negatives groupNegatives: Int) {
        guard atLimit == nil else { return }
        let n = Double(negatives)
        let (tp0, fp0) = (Double(truePositives), Double(falsePositives))
        truePositives += groupPositives
        falsePositives += groupNegatives
        let (tp1, fp1) = (Double(truePositives), Double(falsePositives))
        let (f0, f1) = (fp0 / n, fp1 / n)
        // The part of the segment left of the limit, as a fraction of its normal pixels.
        let reach = f1 <= limit ? 1 : (limit - f0) / (f1 - f0)
        let fpEnd = fp0 + reach * (fp1 - fp0)
        let iouEnd: Double
        if groupPositives == 0 {
            iouEnd = iou(tp0, fpEnd)
            if tp0 > 0, fpEnd > fp0 {
                area.add(tp0 / n * log((Double(positives) + fpEnd) / (Double(positives) + fp0)))
            }
        } else {
            let start = iou(tp0, fp0)
            iouEnd = start + reach * (iou(tp1, fp1) - start)
            area.add((fpEnd - fp0) / n * (start + iouEnd) / 2)
        }
        if f1 > limit { atLimit = iouEnd }
    }

    /// The result once every group was added (the last group reaches FPR 1).
    func finish() -> AUIoU {
        AUIoU(value: area.value / limit, integrationLimit: limit,
              iouAtLimit: atLimit ?? iou(Double(truePositives), Double(falsePositives)))
    }
}
