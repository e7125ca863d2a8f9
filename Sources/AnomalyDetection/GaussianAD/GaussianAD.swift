import Compute
import Foundation
import Imaging

/// Gaussian AD (Rippel et al., ICPR 2020): per level, a multivariate Gaussian of the globally average-pooled
/// features of defect-free images with Ledoit–Wolf shrinkage; an image's score is the sum over levels of its
/// Mahalanobis distances (the official code averages them, which ranks the same).
///
/// Anomaly maps are Grad-CAM (Selvaraju et al., ICCV 2017) of the score at the deepest level `A` (`[C, h, w]`): the
/// score reads `A` only through its average, so `∂S/∂A_c = (P·δ)_c / (h·w·d)` at every location (`δ` the pooled
/// vector minus the mean, `P` the precision, `d` the level's distance), and the map is `ReLU(Σ_c ∂S/∂A_c · A_c)`
/// without a backward pass through the network. Earlier levels' Grad-CAM would need one; it is not computed.
public struct GaussianAD: AnomalyDetector {
    public let settings: GaussianADSettings
    public let extractor: any FeatureExtractor
    public var batchSize: Int
    public var cancellation = CancellationFlag()

    /// One image's pooled vector per level, and the deepest level's feature map for Grad-CAM.
    public struct Features: Sendable {
        /// Per level, `[C_s]`.
        public var pooled: [[Float]]
        /// The deepest level, `[C, h, w]`.
        public var deepest: StageFeatures
    }

    public init(settings: GaussianADSettings, extractor: any FeatureExtractor, batchSize: Int = 8) throws {
        try settings.validate()
        for stage in settings.stages where !extractor.stageNames.contains(stage) {
            throw DetectorError.invalidSettings(method: .gaussian, problem:
                "unknown stage '\(stage)'; the backbone has \(extractor.stageNames.joined(separator: ", "))")
        }
        self.settings = settings
        self.extractor = extractor
        self.batchSize = max(1, batchSize)
    }

    public func features(_ images: [PreparedImage]) throws -> [Features] {
        let side = settings.preprocessing.outputSide
        let batch = try Tensor(images.flatMap(\.planes), shape: [images.count, 3, side, side], on: extractor.device)
        let stages = try extractor.stageFeatures(batch, stages: settings.stages)
        let pooled = try stages.map { stage in
            try extractor.device.adaptiveAvgPool2d(stage, outputHeight: 1, outputWidth: 1).floats()
        }
        let last = stages[stages.count - 1]
        let (c, h, w) = (last.shape[1], last.shape[2], last.shape[3])
        let lastValues = try last.floats()
        return images.indices.map { n in
            Features(pooled: zip(stages, pooled).map { stage, values in
                         Array(values[(n * stage.shape[1])..<((n + 1) * stage.shape[1])])
                     },
                     deepest: StageFeatures(channels: c, height: h, width: w,
                                            values: Array(lastValues[(n * c * h * w)..<((n + 1) * c * h * w)])))
        }
    }

    /// Per level, the mean and the Ledoit–Wolf precision matrix of the pooled vectors.
    public func fit(_ features: [Features], trainingImages: Int) throws -> GaussianADModel {
        guard let first = features.first else { throw DatasetError("no training images") }
        guard first.pooled.count == settings.stages.count else {
            throw PatchCoreError.backboneMismatch("features have \(first.pooled.count) levels for "
                + "\(settings.stages.count) stages")
        }
        var levels: [GaussianADModel.Level] = []
        for (s, vector) in first.pooled.enumerated() {
            try cancellation.check()
            let c = vector.count
            guard c <= GaussianADSettings.maximumChannels else {
                throw DetectorError.invalidSettings(method: .gaussian, problem: "\(settings.stages[s]) has \(c) "
                    + "channels; at most \(GaussianADSettings.maximumChannels)")
            }
            let moments = try Covariance.moments([features.flatMap { $0.pooled[s] }], count: features.count,
                                                 dimension: c, device: extractor.device)[0]
            let (covariance, shrinkage) = Covariance.ledoitWolf(moments)
            let precision: [Double]
            do {
                precision = try Cholesky.inverse(covariance, dimension: c)
            } catch {
                throw DetectorError.invalidSettings(method: .gaussian, problem: "the covariance of "
                    + "\(settings.stages[s]) is not positive definite (constant features?)")
            }
            levels.append(GaussianADModel.Level(mean: moments.mean.map(Float.init), precision: precision.map(Float.init),
                                                shrinkage: shrinkage))
        }
        return GaussianADModel(settings: settings, backbone: extractor.reference, levels: levels,
                               trainingImages: trainingImages)
    }

    public func resident(_ model: GaussianADModel) throws {}

    public func score(_ features: [Features], model: GaussianADModel, resident: Void) throws -> [AnomalyScore] {
        let side = settings.preprocessing.outputSide
        return try features.map { image in
            guard image.pooled.map(\.count) == model.levels.map(\.mean.count) else {
                throw PatchCoreError.backboneMismatch("levels have \(image.pooled.map(\.count)) channels, the "
                    + "model's \(model.levels.map(\.mean.count))")
            }
            var score = 0.0
            var gradient: [Float] = []
            for (level, vector) in zip(model.levels, image.pooled) {
                let c = vector.count
                var delta = [Float](repeating: 0, count: c)
                let distance = max(Mahalanobis.squared(vector, mean: level.mean, precision: level.precision,
                                                       dimension: c, scratch: &delta), 0).squareRoot()
                score += distance
                // ∂d/∂v = P·δ / d for the deepest level, the only one Grad-CAM reads.
                gradient = (0..<c).map { i in
                    var dot: Float = 0
                    for j in 0..<c { dot += level.precision[i * c + j] * delta[j] }
                    return distance > 0 ? dot / Float(distance) : 0
                }
            }
            let deepest = image.deepest
            let locations = deepest.height * deepest.width
            var cam = [Float](repeating: 0, count: locations)
            for channel in 0..<deepest.channels {
                let weight = gradient[channel] / Float(locations)
                for l in 0..<locations { cam[l] += weight * deepest.values[channel * locations + l] }
            }
            cam = cam.map { max($0, 0) }
            var map = try FloatMap(width: deepest.width, height: deepest.height, values: cam)
            map = try map.resized(width: side, height: side, interpolation: .bilinear)
            if settings.mapSigma > 0 { map = try map.gaussianFiltered(sigma: settings.mapSigma) }
            return AnomalyScore(score: score, map: map, patchScores: cam)
        }
    }
}
