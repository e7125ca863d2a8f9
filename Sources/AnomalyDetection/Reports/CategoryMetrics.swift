/// One row of a ``MetricsTable``: the metrics of one dataset category (e.g. MVTec AD `bottle`).
///
/// Metrics are fractions in [0, 1]; nil when not computed (a method without localisation has no pixel metrics).
public struct CategoryMetrics: Sendable, Equatable, Codable {
    public var category: String
    public var imageAUROC: Double?
    public var pixelAUROC: Double?
    public var aupro: Double?
    /// AU-IoU to the AUPRO's FPR limit (``AUIoU``).
    public var auIoU: Double?
    public var imageF1Max: Double?
    public var pixelF1Max: Double?
    public var normalImageCount: Int
    public var anomalousImageCount: Int

    public init(category: String, imageAUROC: Double?, pixelAUROC: Double?, aupro: Double?, imageF1Max: Double?,
                pixelF1Max: Double?, normalImageCount: Int, anomalousImageCount: Int, auIoU: Double? = nil) {
        self.category = category
        self.imageAUROC = imageAUROC
        self.pixelAUROC = pixelAUROC
        self.aupro = aupro
        self.auIoU = auIoU
        self.imageF1Max = imageF1Max
        self.pixelF1Max = pixelF1Max
        self.normalImageCount = normalImageCount
        self.anomalousImageCount = anomalousImageCount
    }

    /// A row from evaluation results. Image counts come from the image-level evaluation; `pixel` is the pixel
    /// metrics of the subset named in the table's ``EvaluationSettings``.
    public init(category: String, image: ImageEvaluation, pixel: PixelMetrics?) {
        self.init(category: category, imageAUROC: image.auroc, pixelAUROC: pixel?.auroc, aupro: pixel?.aupro.value,
                  imageF1Max: image.f1Max.value, pixelF1Max: pixel?.f1Max.value,
                  normalImageCount: image.roc.negativeCount, anomalousImageCount: image.roc.positiveCount,
                  auIoU: pixel?.auIoU.value)
    }

    private enum CodingKeys: String, CodingKey {
        case category, imageAUROC, pixelAUROC, aupro, auIoU, imageF1Max, pixelF1Max, normalImageCount, anomalousImageCount
    }

    /// Writes every key, with `null` for a missing metric, so that JSON readers see the same keys in every row.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(category, forKey: .category)
        try container.encode(imageAUROC, forKey: .imageAUROC)
        try container.encode(pixelAUROC, forKey: .pixelAUROC)
        try container.encode(aupro, forKey: .aupro)
        try container.encode(auIoU, forKey: .auIoU)
        try container.encode(imageF1Max, forKey: .imageF1Max)
        try container.encode(pixelF1Max, forKey: .pixelF1Max)
        try container.encode(normalImageCount, forKey: .normalImageCount)
        try container.encode(anomalousImageCount, forKey: .anomalousImageCount)
    }

    /// The metric columns in table order, with their display names.
    static let metricColumns: [(title: String, csvName: String, value: WritableKeyPath<CategoryMetrics, Double?> & Sendable)] = [
        ("Image AUROC", "image_auroc", \.imageAUROC),
        ("Pixel AUROC", "pixel_auroc", \.pixelAUROC),
        ("AUPRO", "aupro", \.aupro),
        ("AU-IoU", "au_iou", \.auIoU),
        ("Image F1-max", "image_f1_max", \.imageF1Max),
        ("Pixel F1-max", "pixel_f1_max", \.pixelF1Max),
    ]
}
