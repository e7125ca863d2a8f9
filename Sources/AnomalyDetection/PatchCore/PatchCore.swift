import Compute
import Foundation
import Imaging

/// A frozen backbone that returns the features of named stages.
public protocol FeatureExtractor: Sendable {
    var device: any Device { get }
    /// What identifies these weights in a model file.
    var reference: BackboneReference { get }
    /// Stage names the extractor knows (`layer1` … `layer4` for ResNets).
    var stageNames: [String] { get }
    /// Features of `stages` for a batch `[N, 3, H, W]`: one `[N, C, h, w]` tensor per stage, in the given order.
    func stageFeatures(_ batch: Tensor, stages: [String]) throws -> [Tensor]
}

/// Which backbone weights a model was built with.
public struct BackboneReference: Sendable, Codable, Equatable {
    public var architecture: String
    /// The checkpoint file as given on the command line, or nil for seeded random initialisation.
    public var checkpoint: String?
    /// FNV-1a 64 of the checkpoint's bytes, so a changed file is noticed.
    public var checkpointHash: String?
    /// Seed of the random initialisation when there is no checkpoint.
    public var seed: UInt64

    public init(architecture: String, checkpoint: String?, checkpointHash: String?, seed: UInt64) {
        self.architecture = architecture
        self.checkpoint = checkpoint
        self.checkpointHash = checkpointHash
        self.seed = seed
    }
}

/// The scores of one test image.
public struct AnomalyScore: Sendable {
    /// Image-level anomaly score.
    public var score: Double
    /// Pixel-level anomaly map at the network input size.
    public var map: FloatMap
    /// Patch scores on the feature grid, row-major.
    public var patchScores: [Float]
}

/// PatchCore (Roth et al., "Towards Total Recall in Industrial Anomaly Detection", CVPR 2022): a memory bank of
/// locally aware patch features from defect-free images, reduced by a greedy coreset; a test patch's anomaly score is
/// its distance to the bank.
public struct PatchCore: AnomalyDetector {
    public let settings: PatchCoreSettings
    public let extractor: any FeatureExtractor
    /// Images per backbone batch.
    public var batchSize: Int
    /// Checked between batches and coreset steps: once set, fitting and scoring throw `CancellationError`.
    public var cancellation = CancellationFlag()

    public init(settings: PatchCoreSettings, extractor: any FeatureExtractor, batchSize: Int = 8) throws {
        try settings.validate()
        for stage in settings.stages where !extractor.stageNames.contains(stage) {
            throw PatchCoreError.invalidSettings(
                "unknown stage '\(stage)'; the backbone has \(extractor.stageNames.joined(separator: ", "))")
        }
        self.settings = settings
        self.extractor = extractor
        self.batchSize = max(1, batchSize)
    }

    // MARK: Features

    /// Embeddings of prepared images: `[N·L, D]` rows (image-major, raster order within an image).
    public func embed(_ images: [PreparedImage]) throws -> (rows: [Float], grid: (height: Int, width: Int), dimension: Int) {
        let side = settings.preprocessing.outputSide
        var planes = [Float]()
        planes.reserveCapacity(images.count * 3 * side * side)
        for image in images { planes += image.planes }
        let batch = try Tensor(planes, shape: [images.count, 3, side, side], on: extractor.device)
        let stages = try extractor.stageFeatures(batch, stages: settings.stages)
        let hostStages = try stages.map { try $0.floats() }
        let grid = (height: stages[0].shape[2], width: stages[0].shape[3])
        let dimension = settings.embedding.dimension(channels: stages.map { $0.shape[1] },
                                                     targetDimension: settings.targetDimension)
        let perImage = grid.height * grid.width * dimension
        let rows = [Float](unsafeUninitializedCapacity: images.count * perImage) { buffer, initialized in
            let output = SendablePointer(buffer.baseAddress!)
            let settings = self.settings
            DispatchQueue.concurrentPerform(iterations: images.count) { n in
                let features = zip(stages, hostStages).map { tensor, values in
                    let (c, h, w) = (tensor.shape[1], tensor.shape[2], tensor.shape[3])
                    return StageFeatures(channels: c, height: h, width: w,
                                         values: Array(values[(n * c * h * w)..<((n + 1) * c * h * w)]))
                }
                let embedding = settings.embedding.embed(features, pretrainDimension: settings.pretrainDimension,
                                                         targetDimension: settings.targetDimension)
                embedding.withUnsafeBufferPointer {
                    (output.base + n * perImage).update(from: $0.baseAddress!, count: perImage)
                }
            }
            initialized = images.count * perImage
        }
        return (rows, grid, dimension)
    }

    // MARK: Fitting

    /// Features of prepared images: each image's embedding rows on the first stage's grid.
    public func features(_ images: [PreparedImage]) throws -> [FeatureGrid] {
        let embedded = try embed(images)
        let perImage = embedded.grid.height * embedded.grid.width * embedded.dimension
        return (0..<images.count).map { n in
            FeatureGrid(rows: Array(embedded.rows[(n * perImage)..<((n + 1) * perImage)]), grid: embedded.grid,
                        dimension: embedded.dimension)
        }
    }

    /// Builds the memory bank from the features of defect-free images: every patch, or the greedy coreset of them.
    public func fit(_ features: [FeatureGrid], trainingImages: Int) throws -> PatchCoreModel {
        guard let first = features.first else { throw DatasetError("no training images") }
        let (grid, dimension) = (first.grid, first.dimension)
        let rows = features.flatMap(\.rows)
        let patches = rows.count / dimension
        var bank = rows
        if settings.coresetRatio < 1 {
            let features = try Tensor(rows, shape: [patches, dimension], on: extractor.device)
            let sampler = GreedyCoresetSampler(ratio: settings.coresetRatio, seed: settings.seed)
            let selected = try sampler.select(features: features, cancellation: cancellation)
            bank = [Float](unsafeUninitializedCapacity: selected.count * dimension) { buffer, initialized in
                rows.withUnsafeBufferPointer { source in
                    for (i, row) in selected.enumerated() {
                        (buffer.baseAddress! + i * dimension).update(from: source.baseAddress! + row * dimension,
                                                                     count: dimension)
                    }
                }
                initialized = selected.count * dimension
            }
        }
        let bankSize = bank.count / dimension
        guard settings.neighbors <= bankSize else {
            throw PatchCoreError.invalidSettings("\(settings.neighbors) nearest neighbours need a memory bank "
                + "of at least \(settings.neighbors) patches, but it holds \(bankSize) (of \(patches) training "
                + "patches); use fewer neighbours, a larger coreset ratio or more training images")
        }
        var model = PatchCoreModel(settings: settings, backbone: extractor.reference, bank: bank,
                                   dimension: dimension, grid: grid, trainingImages: trainingImages,
                                   trainingPatches: patches)
        if settings.ivf != nil { model.ivfRecall = try ivfRecall(model, rows: rows) }
        return model
    }

    /// Training patches the IVF recall is measured on.
    static let recallSample = 1000

    /// Recall@k of the IVF search against exact search, on up to ``recallSample`` training patches spread evenly
    /// over the training set.
    private func ivfRecall(_ model: PatchCoreModel, rows: [Float]) throws -> Double {
        let device = extractor.device, d = model.dimension, patches = rows.count / d
        let step = max(1, patches / Self.recallSample)
        var sample = [Float]()
        for row in stride(from: 0, to: patches, by: step).prefix(Self.recallSample) {
            sample += rows[(row * d)..<((row + 1) * d)]
        }
        let queries = try Tensor(sample, shape: [sample.count / d, d], on: device)
        let search = try resident(model)
        let k = settings.neighbors
        let exact = try device.nearestNeighbors(queries: queries, bank: search.bank, k: k, chunkRows: nil).indices
        let approximate = try search.index!.search(queries: queries, k: k).indices
        return InvertedFileIndex.recall(approximate: approximate, exact: try exact.int32s(), k: k)
    }

    // MARK: Scoring

    /// The memory bank on the device, and its inverted file when the settings ask for approximate search (trained
    /// again from the bank and the seed, so every load gives the same index).
    public struct Search {
        public var bank: Tensor
        public var index: InvertedFileIndex?
    }

    /// The memory bank as a device tensor for nearest-neighbour search, with its IVF index if the settings ask.
    public func resident(_ model: PatchCoreModel) throws -> Search {
        let bank = try model.bankTensor(on: extractor.device)
        return Search(bank: bank, index: try settings.ivf.map {
            try InvertedFileIndex(bank: bank, settings: $0.index(bankSize: model.bankSize, seed: settings.seed))
        })
    }

    /// Anomaly scores and maps of prepared images against `model`'s bank by exact search.
    public func score(_ images: [PreparedImage], model: PatchCoreModel, bank: Tensor) throws -> [AnomalyScore] {
        try score(try features(images), model: model, resident: Search(bank: bank, index: nil))
    }

    /// Anomaly scores and maps of images' features against `model`'s bank (on the device: ``resident(_:)``); the
    /// patch scores average the neighbours found (an IVF search may find fewer than k in the lists it probes).
    public func score(_ features: [FeatureGrid], model: PatchCoreModel, resident search: Search) throws
        -> [AnomalyScore] {
        let bank = search.bank
        let device = extractor.device
        guard let first = features.first else { return [] }
        guard first.dimension == model.dimension else {
            throw PatchCoreError.backboneMismatch("features have \(first.dimension) dimensions, the model's bank \(model.dimension)")
        }
        let embedded = (rows: features.flatMap(\.rows), grid: first.grid)
        let images = features
        let locations = embedded.grid.height * embedded.grid.width
        let k = settings.neighbors
        let queries = try Tensor(embedded.rows, shape: [images.count * locations, model.dimension], on: device)
        let distances: [Float], indices: [Int32]
        if let index = search.index {
            (distances, indices) = try index.search(queries: queries, k: k)
        } else {
            let (distanceTensor, indexTensor) = try device.nearestNeighbors(queries: queries, bank: bank, k: k,
                                                                             chunkRows: nil)
            (distances, indices) = (try distanceTensor.floats(), try indexTensor.int32s())
        }
        let side = settings.preprocessing.outputSide
        var results: [AnomalyScore] = []
        for n in 0..<images.count {
            var patchScores = [Float](repeating: 0, count: locations)
            for l in 0..<locations {
                let row = (n * locations + l) * k
                var sum: Float = 0, found = 0
                for j in 0..<k where distances[row + j].isFinite {
                    let d = max(distances[row + j], 0)
                    sum += settings.distance == .squared ? d : d.squareRoot()
                    found += 1
                }
                patchScores[l] = sum / Float(max(found, 1))
            }
            let best = patchScores.indices.max { patchScores[$0] < patchScores[$1] } ?? 0
            var score = Double(patchScores[best])
            if case .reweighted(let neighbors) = settings.imageScoring {
                let query = Array(embedded.rows[((n * locations + best) * model.dimension)..<((n * locations + best + 1) * model.dimension)])
                let nearest = Int(indices[(n * locations + best) * k])
                score *= try reweighting(query: query, nearest: nearest, neighbors: neighbors, model: model, bank: bank)
            }
            var map = try FloatMap(width: embedded.grid.width, height: embedded.grid.height, values: patchScores)
            map = try map.resized(width: side, height: side, interpolation: settings.mapUpsampling.interpolation)
            if settings.mapSigma > 0 { map = try map.gaussianFiltered(sigma: settings.mapSigma) }
            results.append(AnomalyScore(score: score, map: map, patchScores: patchScores))
        }
        return results
    }

    /// `1 − softmax(‖q − m_j‖)[m*]` over `m*` (the bank row nearest to the most anomalous patch `q`) and its nearest
    /// bank rows (eq. 7 of the paper, as anomalib computes it).
    private func reweighting(query: [Float], nearest: Int, neighbors: Int, model: PatchCoreModel, bank: Tensor) throws
        -> Double {
        let device = extractor.device
        let dimension = model.dimension
        let anchor = try Tensor(Array(model.bank[(nearest * dimension)..<((nearest + 1) * dimension)]),
                                shape: [1, dimension], on: device)
        let support = try device.nearestNeighbors(queries: anchor, bank: bank, k: min(neighbors, model.bankSize),
                                                  chunkRows: nil).indices.int32s()
        let distances = support.filter { $0 >= 0 }.map { index -> Double in
            var sum = 0.0
            for d in 0..<dimension {
                let difference = Double(query[d]) - Double(model.bank[Int(index) * dimension + d])
                sum += difference * difference
            }
            return sum.squareRoot()
        }
        guard let largest = distances.max() else { return 1 }
        let exponentials = distances.map { exp($0 - largest) }
        return 1 - exponentials[0] / exponentials.reduce(0, +)
    }
}
