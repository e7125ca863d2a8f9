/// The per-pixel anomaly scores of one test image, row-major (`scores[y * width + x]`), higher = more anomalous.
///
/// Scores must be finite; the check runs at evaluation time so the error can name the image's index.
public struct ScoreMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let scores: [Float]

    /// - Throws: ``MetricsError/invalidSize(_:width:height:valueCount:)`` unless `scores.count == width × height > 0`.
    public init(width: Int, height: Int, scores: [Float]) throws {
        guard width > 0, height > 0, scores.count == width * height else {
            throw MetricsError.invalidSize("score map", width: width, height: height, valueCount: scores.count)
        }
        self.width = width
        self.height = height
        self.scores = scores
    }
}

/// How raw mask values become anomalous (true) or normal (false) pixels.
///
/// Evaluation code in the wild disagrees here (reference-anomaly-detection.md §1, §4): MVTec PNG masks hold 0/255,
/// anomalib keeps only 255 after `÷255 → uint8`, VisA's preparation keeps every non-zero value, and the official
/// PatchCore code truncates bilinearly resized soft masks with `astype(int)`, so only values of exactly 1.0 count.
/// The rule is therefore always explicit.
public enum MaskBinarization: Sendable, Equatable, CustomStringConvertible {
    /// Only 0 (normal) and 1 (anomalous) are accepted; any other value throws ``MetricsError/nonBinaryMask(pixel:value:)``.
    case strict
    /// 0 is normal, every other value anomalous (0/255 PNG masks; VisA's `≠ 0 → 255`).
    case nonZero
    /// Values `≥ threshold` are anomalous. `.atLeast(1)` on soft masks in [0, 1] is PatchCore's `astype(int)`;
    /// `.atLeast(255)` on 8-bit masks is anomalib's `÷255 → uint8`.
    case atLeast(Double)

    public var description: String {
        switch self {
        case .strict: "strict 0/1"
        case .nonZero: "non-zero is anomalous"
        case let .atLeast(threshold): "≥ \(threshold) is anomalous"
        }
    }

    func isAnomalous(_ value: Double, pixel: Int) throws -> Bool {
        guard !value.isNaN else { throw MetricsError.nonBinaryMask(pixel: pixel, value: value) }
        switch self {
        case .strict:
            guard value == 0 || value == 1 else { throw MetricsError.nonBinaryMask(pixel: pixel, value: value) }
            return value == 1
        case .nonZero:
            return value != 0
        case let .atLeast(threshold):
            return value >= threshold
        }
    }
}

/// The ground truth of one test image: which pixels are anomalous, row-major. Normal test images have an
/// all-false mask; an image counts as anomalous when its mask has at least one anomalous pixel.
public struct GroundTruthMask: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let isAnomalous: [Bool]

    /// - Throws: ``MetricsError/invalidSize(_:width:height:valueCount:)`` unless the count is `width × height > 0`.
    public init(width: Int, height: Int, isAnomalous: [Bool]) throws {
        guard width > 0, height > 0, isAnomalous.count == width * height else {
            throw MetricsError.invalidSize("mask", width: width, height: height, valueCount: isAnomalous.count)
        }
        self.width = width
        self.height = height
        self.isAnomalous = isAnomalous
    }

    /// A mask from 8-bit values (PNG masks), binarised by `rule`.
    public init(width: Int, height: Int, values: [UInt8], rule: MaskBinarization) throws {
        let flags = try values.indices.map { try rule.isAnomalous(Double(values[$0]), pixel: $0) }
        try self.init(width: width, height: height, isAnomalous: flags)
    }

    /// A mask from real values (resized soft masks), binarised by `rule`. NaN is always rejected.
    public init(width: Int, height: Int, values: [Float], rule: MaskBinarization) throws {
        let flags = try values.indices.map { try rule.isAnomalous(Double(values[$0]), pixel: $0) }
        try self.init(width: width, height: height, isAnomalous: flags)
    }

    /// An all-normal mask, for a defect-free test image.
    public static func normal(width: Int, height: Int) throws -> GroundTruthMask {
        try GroundTruthMask(width: width, height: height, isAnomalous: Array(repeating: false, count: max(0, width * height)))
    }
}
