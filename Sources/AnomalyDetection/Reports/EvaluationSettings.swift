/// What a table's numbers were computed on. Published numbers move with the evaluation resolution, the mask
/// resizing, the pixel image subset and the PRO limit (reference-anomaly-detection.md §3, §7), so every report
/// records them.
public struct EvaluationSettings: Sendable, Equatable, Codable {
    /// Size at which score maps and masks were compared, e.g. 224×224 after Resize(256) + CenterCrop(224).
    public var evaluationWidth: Int
    public var evaluationHeight: Int
    /// How images, maps and masks were brought to that size, e.g. "Resize(256) + CenterCrop(224), masks nearest".
    public var resizing: String
    /// The images the pixel metrics pool.
    public var pixelSubset: ImageSubset
    /// FPR limit of the AUPRO integral.
    public var proIntegrationLimit: Double
    /// The rule that turned mask values into anomalous pixels (``MaskBinarization/description``).
    public var maskBinarization: String
    /// Anything else that identifies the run: dataset, method, backbone, seed.
    public var notes: [String: String]

    public init(evaluationWidth: Int, evaluationHeight: Int, resizing: String, pixelSubset: ImageSubset = .allImages,
                proIntegrationLimit: Double = 0.3, maskBinarization: MaskBinarization, notes: [String: String] = [:]) {
        self.evaluationWidth = evaluationWidth
        self.evaluationHeight = evaluationHeight
        self.resizing = resizing
        self.pixelSubset = pixelSubset
        self.proIntegrationLimit = proIntegrationLimit
        self.maskBinarization = maskBinarization.description
        self.notes = notes
    }

    /// One sentence for the top of a Markdown report.
    var summary: String {
        var text = "Evaluated at \(evaluationWidth)×\(evaluationHeight) (\(resizing)); pixel metrics over "
            + (pixelSubset == .allImages ? "all test images" : "the anomalous test images only")
            + "; AUPRO and AU-IoU integrated to FPR \(proIntegrationLimit); masks: \(maskBinarization)."
        for (key, value) in notes.sorted(by: { $0.key < $1.key }) { text += " \(key): \(value)." }
        return text
    }
}
