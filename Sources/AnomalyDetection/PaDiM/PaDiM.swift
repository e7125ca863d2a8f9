import Compute
import Foundation
import Imaging

/// PaDiM (Defard et al., ICPR 2021): a multivariate Gaussian of the backbone's feature vector at every location of
/// the feature grid, fitted on defect-free images; a test location's anomaly score is its Mahalanobis distance.
///
/// Features: the stages' `[N, C_s, h_s, w_s]` maps copied onto the first stage's grid by nearest-neighbour
/// resampling (as the reference's unfold/fold and anomalib's `interpolate(mode="nearest")`), concatenated along
/// channels, and a seeded random subset of `d` channels kept.
public struct PaDiM: AnomalyDetector {
    public let settings: PaDiMSettings
    public let extractor: any FeatureExtractor
    public var batchSize: Int
    public var cancellation = CancellationFlag()

    public init(settings: PaDiMSettings, extractor: any FeatureExtractor, batchSize: Int = 8) throws {
        try settings.validate()
        for stage in settings.stages where !extractor.stageNames.contains(stage) {
            throw DetectorError.invalidSettings(method: .padim, problem:
                "unknown stage '\(stage)'; the backbone has \(extractor.stageNames.joined(separator: ", "))")
        }
        self.settings = settings
        self.extractor = extractor
        self.batchSize = max(1, batchSize)
    }

    /// The `count` channels of `total` kept for `seed`: a partial Fisher–Yates shuffle of a Philox stream, in
    /// ascending order.
    public static func channelSubset(total: Int, count: Int, seed: UInt64) -> [Int] {
        var stream = PhiloxStream(seed: seed, stream: (0x9AD1, 0, 0))
        var order = Array(0..<total)
        for i in 0..<min(count, total) { order.swapAt(i, stream.integer(in: i...(total - 1))) }
        return order.prefix(count).sorted()
    }

    // MARK: Features

    /// Each image's kept channels on the first stage's grid: `[H·W, d]` rows.
    public func features(_ images: [PreparedImage]) throws -> [FeatureGrid] {
        let side = settings.preprocessing.outputSide
        let batch = try Tensor(images.flatMap(\.planes), shape: [images.count, 3, side, side], on: extractor.device)
        let stages = try extractor.stageFeatures(batch, stages: settings.stages)
        let values = try stages.map { try $0.floats() }
        let (height, width) = (stages[0].shape[2], stages[0].shape[3])
        let total = stages.reduce(0) { $0 + $1.shape[1] }
        let channels = Self.channelSubset(total: total, count: settings.features(ofTotal: total), seed: settings.seed)
        // (stage, channel within the stage) of every kept channel.
        var sources: [(stage: Int, channel: Int)] = []
        var offset = 0
        var next = channels.makeIterator(), wanted = next.next()
        for (s, stage) in stages.enumerated() {
            while let channel = wanted, channel < offset + stage.shape[1] {
                sources.append((s, channel - offset))
                wanted = next.next()
            }
            offset += stage.shape[1]
        }
        let d = channels.count
        return images.indices.map { n in
            var rows = [Float](repeating: 0, count: height * width * d)
            for (j, source) in sources.enumerated() {
                let shape = stages[source.stage].shape
                let (c, h, w) = (shape[1], shape[2], shape[3])
                let plane = (n * c + source.channel) * h * w
                let stageValues = values[source.stage]
                for y in 0..<height {
                    let sy = min(y * h / height, h - 1)
                    for x in 0..<width {
                        rows[(y * width + x) * d + j] = stageValues[plane + sy * w + min(x * w / width, w - 1)]
                    }
                }
            }
            return FeatureGrid(rows: rows, grid: (height, width), dimension: d)
        }
    }

    // MARK: Fitting

    /// Locations whose Gaussians are estimated together (one GEMM each on the device, then the inverses in
    /// parallel on the host).
    static let locationChunk = 64

    /// Per-location means and precision matrices of defect-free images' features.
    public func fit(_ features: [FeatureGrid], trainingImages: Int) throws -> PaDiMModel {
        guard let first = features.first else { throw DatasetError("no training images") }
        let (n, locations, d) = (features.count, first.locations, first.dimension)
        var mean = [Float](repeating: 0, count: locations * d)
        var precision = [Float](repeating: 0, count: locations * d * d)
        let failure = Locked<Int?>(nil)
        for start in stride(from: 0, to: locations, by: Self.locationChunk) {
            try cancellation.check()
            let chunk = start..<min(start + Self.locationChunk, locations)
            let groups = chunk.map { l in features.flatMap { $0.rows[(l * d)..<((l + 1) * d)] } }
            let moments = try Covariance.moments(groups, count: n, dimension: d, device: extractor.device)
            let settings = self.settings
            mean.withUnsafeMutableBufferPointer { meanBuffer in
                precision.withUnsafeMutableBufferPointer { precisionBuffer in
                    let (means, precisions) = (SendablePointer(meanBuffer.baseAddress!),
                                               SendablePointer(precisionBuffer.baseAddress!))
                    DispatchQueue.concurrentPerform(iterations: chunk.count) { i in
                        let l = chunk.lowerBound + i
                        let covariance = settings.covariance == .regularized
                            ? Covariance.regularized(moments[i], epsilon: settings.epsilon)
                            : Covariance.ledoitWolf(moments[i]).covariance
                        guard let inverse = try? Cholesky.inverse(covariance, dimension: d) else {
                            failure.withLock { $0 = $0 ?? l }
                            return
                        }
                        for j in 0..<d { means.base[l * d + j] = Float(moments[i].mean[j]) }
                        for j in 0..<(d * d) { precisions.base[l * d * d + j] = Float(inverse[j]) }
                    }
                }
            }
            if let l = failure.withLock({ $0 }) {
                throw DetectorError.invalidSettings(method: .padim, problem: "the covariance at location "
                    + "(\(l / first.grid.width), \(l % first.grid.width)) is not positive definite; use ε > 0 or "
                    + "--covariance ledoit-wolf")
            }
        }
        return PaDiMModel(settings: settings, backbone: extractor.reference, grid: first.grid, dimension: d,
                          mean: mean, precision: precision, trainingImages: trainingImages)
    }

    // MARK: Scoring

    public func resident(_ model: PaDiMModel) throws {}

    /// Mahalanobis distance of every location to its Gaussian; maps upsampled bilinearly to the input size and
    /// smoothed with σ = `mapSigma`; image score = the map's maximum.
    public func score(_ features: [FeatureGrid], model: PaDiMModel, resident: Void) throws -> [AnomalyScore] {
        let d = model.dimension, locations = model.grid.height * model.grid.width
        let side = settings.preprocessing.outputSide
        return try features.map { image in
            guard image.dimension == d, image.grid == model.grid else {
                throw PatchCoreError.backboneMismatch("features are \(image.grid.height)×\(image.grid.width)×"
                    + "\(image.dimension), the model's \(model.grid.height)×\(model.grid.width)×\(d)")
            }
            let patchScores = [Float](unsafeUninitializedCapacity: locations) { buffer, initialized in
                let output = SendablePointer(buffer.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: locations) { l in
                    var scratch = [Float](repeating: 0, count: d)
                    let squared = image.rows.withUnsafeBufferPointer { x in
                        model.mean.withUnsafeBufferPointer { mean in
                            model.precision.withUnsafeBufferPointer { precision in
                                Mahalanobis.squared(x.baseAddress! + l * d, mean: mean.baseAddress! + l * d,
                                                    precision: precision.baseAddress! + l * d * d, dimension: d,
                                                    scratch: &scratch)
                            }
                        }
                    }
                    output.base[l] = Float(max(squared, 0).squareRoot())
                }
                initialized = locations
            }
            var map = try FloatMap(width: model.grid.width, height: model.grid.height, values: patchScores)
            map = try map.resized(width: side, height: side, interpolation: .bilinear)
            if settings.mapSigma > 0 { map = try map.gaussianFiltered(sigma: settings.mapSigma) }
            return AnomalyScore(score: Double(map.values.max() ?? 0), map: map, patchScores: patchScores)
        }
    }
}
