import Compute
import Foundation

/// A category's images run through one detector's frozen backbone once, so that every pollution draw, refinement
/// and seed of an experiment reuses the features (seed 002 embeds each image once, then fits the shallow detectors
/// many times). The polluted training sets of ``PollutionProtocol`` are drawn from the category's own training and
/// test images, so their features are all here.
public struct EmbeddedCategory<Detector: AnomalyDetector> {
    public let detector: Detector
    public let category: InspectionCategory
    private let features: [URL: Detector.Features]
    /// Each test image's ground-truth mask at the prepared image's size (nil for defect-free images).
    private let masks: [URL: [Bool]]

    /// Extracts the features of every training and test image of `category`.
    /// - Parameter progress: called with `(images done, total)`.
    public init(detector: Detector, category: InspectionCategory, progress: (Int, Int) -> Void = { _, _ in }) throws {
        self.detector = detector
        self.category = category
        var seen = Set<URL>()
        let samples = (category.train + category.test).filter { seen.insert($0.image).inserted }
        var features: [URL: Detector.Features] = [:], masks: [URL: [Bool]] = [:]
        for start in stride(from: 0, to: samples.count, by: detector.batchSize) {
            try detector.cancellation.check()
            let chunk = Array(samples[start..<min(start + detector.batchSize, samples.count)])
            let prepared = try detector.prepare(chunk.map(\.image))
            for (sample, (image, feature)) in zip(chunk, zip(prepared, try detector.features(prepared))) {
                features[sample.image] = feature
                if let mask = sample.mask {
                    masks[sample.image] = try detector.settings.preprocessing.prepareMask(mask, for: image, at: sample.image)
                }
            }
            progress(start + chunk.count, samples.count)
        }
        self.features = features
        self.masks = masks
    }

    /// The features of `samples`, which must be images of the category.
    public func features(of samples: [InspectionSample]) -> [Detector.Features] {
        samples.map { features[$0.image]! }
    }

    /// Fits a model on `train`, with an optional refinement first (ranked by `refiner`, the same detector when
    /// nil), and returns it with what the refinement removed.
    public func fit(_ train: [InspectionSample], refinement: Refinement?, refiner: (any RefinementScorer)? = nil)
        throws -> (model: Detector.Model, refinement: RefinementResult?) {
        var kept = train
        var result: RefinementResult?
        if let refinement {
            let scorer = refiner ?? DetectorScorer(embedded: self, samples: train)
            let refined = try refinement.refine(count: train.count, scorer: scorer)
            kept = refined.kept.map { train[$0] }
            result = refined
        }
        try detector.cancellation.check()
        return (try detector.fit(features(of: kept), trainingImages: kept.count), result)
    }

    /// Scores `test` (images of the category) with `model` and computes the metrics, in batches.
    public func evaluate(_ model: Detector.Model, on test: [InspectionSample]) throws -> CategoryMetrics {
        let resident = try detector.resident(model)
        var scores: [Double] = [], maps: [ScoreMap] = [], masks: [GroundTruthMask] = []
        for start in stride(from: 0, to: test.count, by: detector.batchSize) {
            try detector.cancellation.check()
            let chunk = Array(test[start..<min(start + detector.batchSize, test.count)])
            for (sample, result) in zip(chunk, try detector.score(features(of: chunk), model: model, resident: resident)) {
                let side = result.map.width
                scores.append(result.score)
                maps.append(try ScoreMap(width: side, height: side, scores: result.map.values))
                masks.append(try self.masks[sample.image].map { try GroundTruthMask(width: side, height: side, isAnomalous: $0) }
                    ?? GroundTruthMask.normal(width: side, height: side))
            }
        }
        let image = try ImageEvaluation(scores: scores, labels: test.map(\.isAnomalous))
        return CategoryMetrics(category: category.name, image: image,
                               pixel: try PixelEvaluation(maps: maps, masks: masks).allImages)
    }
}

/// Refinement scores from a detector on embedded images: fit on some training images, the image scores of others.
public struct DetectorScorer<Detector: AnomalyDetector>: RefinementScorer {
    public let embedded: EmbeddedCategory<Detector>
    /// The training set the refinement's indices refer to.
    public let samples: [InspectionSample]

    public init(embedded: EmbeddedCategory<Detector>, samples: [InspectionSample]) {
        self.embedded = embedded
        self.samples = samples
    }

    public func scores(fittingOn fitting: [Int], scoring: [Int]) throws -> [Float] {
        let detector = embedded.detector
        let model = try detector.fit(embedded.features(of: fitting.map { samples[$0] }), trainingImages: fitting.count)
        let resident = try detector.resident(model)
        var scores: [Float] = []
        for start in stride(from: 0, to: scoring.count, by: detector.batchSize) {
            try detector.cancellation.check()
            let chunk = scoring[start..<min(start + detector.batchSize, scoring.count)].map { samples[$0] }
            scores += try detector.score(embedded.features(of: chunk), model: model, resident: resident).map { Float($0.score) }
        }
        return scores
    }
}
