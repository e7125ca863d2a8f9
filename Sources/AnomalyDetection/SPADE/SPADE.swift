import Compute
import Foundation
import Imaging

/// SPADE (Cohen & Hoshen 2020): the k training images nearest to a test image (by pooled features) give its score,
/// and their feature pyramids the gallery its locations are compared with. Both searches run on the device's top-k
/// kernel (``DistanceOps/nearestNeighbors(queries:bank:k:chunkRows:)``).
public struct SPADE: AnomalyDetector {
    public let settings: SPADESettings
    public let extractor: any FeatureExtractor
    public var batchSize: Int
    public var cancellation = CancellationFlag()

    /// One image's pooled vector and per-stage feature maps.
    public struct Features: Sendable {
        /// `[Σ_s C_s]`: each stage's global average, concatenated.
        public var pooled: [Float]
        /// Per stage, `[h_s·w_s, C_s]` rows.
        public var stages: [FeatureGrid]
    }

    public init(settings: SPADESettings, extractor: any FeatureExtractor, batchSize: Int = 8) throws {
        try settings.validate()
        for stage in settings.stages where !extractor.stageNames.contains(stage) {
            throw DetectorError.invalidSettings(method: .spade, problem:
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
        let values = try stages.map { try $0.floats() }
        return images.indices.map { n in
            var pooled: [Float] = []
            let grids = zip(stages, values).map { stage, values -> FeatureGrid in
                let (c, h, w) = (stage.shape[1], stage.shape[2], stage.shape[3])
                var rows = [Float](repeating: 0, count: h * w * c)
                for channel in 0..<c {
                    var sum = 0.0
                    for l in 0..<(h * w) {
                        let value = values[(n * c + channel) * h * w + l]
                        rows[l * c + channel] = value
                        sum += Double(value)
                    }
                    pooled.append(Float(sum / Double(h * w)))
                }
                return FeatureGrid(rows: rows, grid: (h, w), dimension: c)
            }
            return Features(pooled: pooled, stages: grids)
        }
    }

    /// Keeps every training image's pooled vector and feature maps.
    public func fit(_ features: [Features], trainingImages: Int) throws -> SPADEModel {
        guard let first = features.first else { throw DatasetError("no training images") }
        guard settings.neighbors <= features.count else {
            throw DetectorError.invalidSettings(method: .spade, problem: "\(settings.neighbors) nearest images need "
                + "at least \(settings.neighbors) training images, got \(features.count)")
        }
        return SPADEModel(settings: settings, backbone: extractor.reference, pooled: features.flatMap(\.pooled),
                          stages: first.stages.indices.map { s in
                              SPADEModel.Stage(grid: first.stages[s].grid, channels: first.stages[s].dimension,
                                               rows: features.flatMap { $0.stages[s].rows })
                          },
                          trainingImages: features.count)
    }

    /// The pooled training vectors `[N, D]` on the device.
    public func resident(_ model: SPADEModel) throws -> Tensor {
        try Tensor(model.pooled, shape: [model.trainingImages, model.pooledDimension], on: extractor.device)
    }

    public func score(_ features: [Features], model: SPADEModel, resident pooled: Tensor) throws -> [AnomalyScore] {
        guard !features.isEmpty else { return [] }
        let device = extractor.device
        let d = model.pooledDimension, k = settings.neighbors
        guard features.allSatisfy({ $0.pooled.count == d && $0.stages.map(\.dimension) == model.stages.map(\.channels) })
        else {
            throw PatchCoreError.backboneMismatch("features do not match the model's \(d) pooled dimensions and "
                + "stages of \(model.stages.map(\.channels)) channels")
        }
        let queries = try Tensor(features.flatMap(\.pooled), shape: [features.count, d], on: device)
        let (distanceTensor, indexTensor) = try device.nearestNeighbors(queries: queries, bank: pooled, k: k,
                                                                         chunkRows: nil)
        let distances = try distanceTensor.floats(), indices = try indexTensor.int32s()
        let side = settings.preprocessing.outputSide
        return try features.enumerated().map { n, image in
            try cancellation.check()
            let nearest = (0..<k).map { Int(indices[n * k + $0]) }
            let score = (0..<k).reduce(0.0) { $0 + Double(distances[n * k + $1]) } / Double(k)
            var sum = [Float](repeating: 0, count: side * side)
            var finest: [Float] = []
            for (stage, grid) in zip(model.stages, image.stages) {
                let locations = stage.grid.height * stage.grid.width, c = stage.channels
                var gallery = [Float]()
                gallery.reserveCapacity(k * locations * c)
                for i in nearest { gallery += stage.rows[(i * locations * c)..<((i + 1) * locations * c)] }
                let nearestPatch = try device.nearestNeighbors(
                    queries: try Tensor(grid.rows, shape: [grid.locations, c], on: device),
                    bank: try Tensor(gallery, shape: [k * locations, c], on: device), k: 1, chunkRows: nil)
                let patchScores = try nearestPatch.distances.floats().map { max($0, 0).squareRoot() }
                if finest.isEmpty { finest = patchScores }
                let map = try FloatMap(width: grid.grid.width, height: grid.grid.height, values: patchScores)
                    .resized(width: side, height: side, interpolation: .bilinear)
                for i in sum.indices { sum[i] += map.values[i] }
            }
            var map = try FloatMap(width: side, height: side, values: sum.map { $0 / Float(model.stages.count) })
            if settings.mapSigma > 0 { map = try map.gaussianFiltered(sigma: settings.mapSigma) }
            return AnomalyScore(score: score, map: map, patchScores: finest)
        }
    }
}
