import Compute
import Foundation
import Imaging

/// Fits a detector on a category's training images, scores its test images and computes the metrics.
public struct DetectorEvaluation<Detector: AnomalyDetector>: Sendable {
    public let detector: Detector
    /// Folder for per-image heat-map panels (`<category>/<defect>/<stem>.png`), or nil for none.
    public var heatMaps: URL?

    /// Refinement of each category's training images before the fit, or nil for none.
    public var refinement: RefinementOption?

    public init(detector: Detector, heatMaps: URL?, refinement: RefinementOption? = nil) {
        self.detector = detector
        self.heatMaps = heatMaps
        self.refinement = refinement
    }

    /// Progress of one category: the phase (`fit` or `test`), done and total images.
    public typealias Progress = (_ phase: String, _ done: Int, _ total: Int) -> Void

    /// Metrics of one category, and the model fitted for it.
    /// - Throws: `CancellationError` when `detector.cancellation` is set during the category.
    public func evaluate(_ category: InspectionCategory, progress: Progress = { _, _, _ in }) throws
        -> (metrics: CategoryMetrics, model: Detector.Model) {
        let model = try refinement.map {
            try detector.fit(category.train.map(\.image), refining: $0) { progress("fit", $0, $1) }.model
        } ?? detector.fit(category.train.map(\.image)) { progress("fit", $0, $1) }
        let fitted = try detector.loaded(model)
        var scores: [Double] = [], labels: [Bool] = []
        var maps: [ScoreMap] = [], masks: [GroundTruthMask] = []
        var panels: [(InspectionSample, PreparedImage, FloatMap, [Bool]?)] = []
        let batch = detector.batchSize
        for start in stride(from: 0, to: category.test.count, by: batch) {
            try detector.cancellation.check()
            let samples = Array(category.test[start..<min(start + batch, category.test.count)])
            let prepared = try detector.prepare(samples.map(\.image))
            let results = try fitted.score(prepared)
            for (sample, (image, result)) in zip(samples, zip(prepared, results)) {
                let side = result.map.width
                let mask = try sample.mask.map {
                    try detector.settings.preprocessing.prepareMask($0, for: image, at: sample.image)
                }
                scores.append(result.score)
                labels.append(sample.isAnomalous)
                maps.append(try ScoreMap(width: side, height: side, scores: result.map.values))
                masks.append(try mask.map { try GroundTruthMask(width: side, height: side, isAnomalous: $0) }
                    ?? GroundTruthMask.normal(width: side, height: side))
                if heatMaps != nil { panels.append((sample, image, result.map, mask)) }
            }
            progress("test", start + samples.count, category.test.count)
        }
        let image = try ImageEvaluation(scores: scores, labels: labels)
        let pixel = try PixelEvaluation(maps: maps, masks: masks)
        if let heatMaps {
            try writePanels(panels, to: heatMaps.appending(path: category.name), maps: maps)
        }
        return (CategoryMetrics(category: category.name, image: image, pixel: pixel.allImages), model)
    }

    /// One panel per test image (image | overlay | mask outline), with one colour scale for the whole category so
    /// panels are comparable.
    private func writePanels(_ panels: [(InspectionSample, PreparedImage, FloatMap, [Bool]?)], to folder: URL,
                             maps: [ScoreMap]) throws {
        let values = maps.flatMap(\.scores)
        let low = values.min() ?? 0, high = values.max() ?? 1
        for (sample, image, map, mask) in panels {
            let url = folder.appending(path: "\(sample.name).png")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            let maskImage = try mask.map {
                try ByteImage(width: map.width, height: map.height, channels: 1, pixels: $0.map { $0 ? 255 : 0 })
            }
            let panel = try HeatMap.panel(image: image.picture, map: map, minimum: low, maximum: high, mask: maskImage)
            try PNG.write(panel, to: url)
        }
    }
}
