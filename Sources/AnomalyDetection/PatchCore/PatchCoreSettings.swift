import Backbones
import Foundation
import Imaging

/// How test and training images become network input.
public struct Preprocessing: Sendable, Codable, Equatable {
    /// Shorter side after resizing (`keepAspect`), or both sides.
    public var resize: Int
    /// Centre crop side, or nil for none.
    public var crop: Int?
    /// Resize the shorter side to `resize` (torchvision `Resize(256)`) rather than both sides (`Resize((256, 256))`).
    public var keepAspect: Bool
    public var mean: [Float]
    public var std: [Float]

    /// patchcore-inspection: `Resize(256)` → `CenterCrop(224)`, ImageNet normalisation.
    public static let official = Preprocessing(resize: 256, crop: 224, keepAspect: true,
                                               mean: ByteImage.imageNetMean, std: ByteImage.imageNetStd)
    /// anomalib: `Resize((256, 256))`, no crop.
    public static let anomalib = Preprocessing(resize: 256, crop: nil, keepAspect: false,
                                               mean: ByteImage.imageNetMean, std: ByteImage.imageNetStd)

    /// Side of the network input.
    public var outputSide: Int { crop ?? resize }

    /// What makes these settings unusable (sizes, normalisation), or nil.
    var problem: String? {
        if resize < 16 || resize > 4096 { return "resize must be in 16...4096" }
        if let crop, crop < 16 || crop > resize { return "crop must be in 16...resize" }
        if keepAspect && crop == nil {
            return "resizing the shorter side without a centre crop keeps each image's aspect ratio, but the network "
                + "takes square inputs; give a crop, or resize both sides (the anomalib preset)"
        }
        guard mean.count == 3 && std.count == 3 && mean.allSatisfy(\.isFinite)
                && std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            return "normalisation needs 3 finite means and 3 positive finite standard deviations"
        }
        return nil
    }
}

/// Distance used for patch scores.
public enum PatchDistance: String, Sendable, Codable, CaseIterable {
    /// Squared L2, as faiss `IndexFlatL2` returns and patchcore-inspection scores.
    case squared
    /// Euclidean distance, as anomalib scores.
    case euclidean
}

/// How the patch-score grid is brought to the input size.
public enum MapUpsampling: String, Sendable, Codable, CaseIterable {
    case bilinear
    case nearest

    var interpolation: FloatMap.Interpolation { self == .bilinear ? .bilinear : .nearest }
}

/// From patch scores to an image score.
public enum ImageScoring: Sendable, Codable, Equatable {
    /// The largest patch score (patchcore-inspection).
    case max
    /// Roth et al. (CVPR 2022) eq. 7, as anomalib implements it: the largest patch score `s*` times
    /// `1 − softmax(‖m_test* − m_j‖)` at `m*`, over `m*` and its `neighbors − 1` nearest bank entries.
    case reweighted(neighbors: Int)
}

/// Approximate search of PatchCore's bank, as seed 002 runs it: an inverted file of k-means lists
/// (``InvertedFileIndex``, faiss `IndexIVFFlat`).
public struct IVFSettings: Sendable, Codable, Equatable {
    /// k-means lists, or nil for ⌈√M⌉ of an `M`-patch bank.
    public var lists: Int?
    /// Lists searched per query (faiss's `nprobe`), at most the lists.
    public var probes: Int

    public init(lists: Int?, probes: Int) {
        self.lists = lists
        self.probes = probes
    }

    /// The index settings for a bank of `bankSize` rows, seeded with `seed`.
    func index(bankSize: Int, seed: UInt64) -> InvertedFileIndex.Settings {
        let lists = min(bankSize, lists ?? Int(Double(bankSize).squareRoot().rounded(.up)))
        var settings = InvertedFileIndex.Settings(lists: lists, probes: min(probes, lists))
        settings.seed = seed
        return settings
    }
}

/// Every setting of a PatchCore model; stored in the model file.
public struct PatchCoreSettings: DetectorSettings {
    public static let method = DetectionMethod.patchcore
    /// Backbone stages whose features are used, in order (the first fixes the feature grid).
    public var stages: [String]
    public var embedding: PatchEmbedding
    public var pretrainDimension: Int
    public var targetDimension: Int
    public var preprocessing: Preprocessing
    /// Fraction of training patches kept by the greedy coreset (1 keeps all).
    public var coresetRatio: Double
    /// Nearest neighbours averaged into a patch score.
    public var neighbors: Int
    public var distance: PatchDistance
    public var imageScoring: ImageScoring
    /// Anomaly maps are upsampled to the input size bilinearly (patchcore-inspection) or by nearest neighbour
    /// (anomalib), then smoothed with a Gaussian of this σ.
    public var mapUpsampling: MapUpsampling
    public var mapSigma: Double
    public var seed: UInt64
    /// Approximate bank search, or nil for exact search.
    public var ivf: IVFSettings? = nil

    /// patchcore-inspection's `IM224_WR50_L2-3_P01_D1024-1024_PS-3_AN-1`: layer2 + layer3, 1024/1024 embedding,
    /// 10 % coreset, squared distance to the nearest neighbour, max image score, bilinear map + σ 4, 224 px.
    public static let official = PatchCoreSettings(
        stages: ["layer2", "layer3"], embedding: .official, pretrainDimension: 1024, targetDimension: 1024,
        preprocessing: .official, coresetRatio: 0.1, neighbors: 1, distance: .squared, imageScoring: .max,
        mapUpsampling: .bilinear, mapSigma: 4, seed: 0)

    /// anomalib's PatchCore defaults: 1536-d concatenation, 256×256 input, Euclidean distance, re-weighted image
    /// score with 9 neighbours, nearest-upsampled map + σ 4, 10 % coreset.
    public static let anomalib = PatchCoreSettings(
        stages: ["layer2", "layer3"], embedding: .anomalib, pretrainDimension: 1024, targetDimension: 1024,
        preprocessing: .anomalib, coresetRatio: 0.1, neighbors: 1, distance: .euclidean,
        imageScoring: .reweighted(neighbors: 9), mapUpsampling: .nearest, mapSigma: 4, seed: 0)

    public var notes: [String: String] {
        ["stages": stages.joined(separator: "+"), "embedding": embedding.rawValue, "coreset": "\(coresetRatio)",
         "neighbors": "\(neighbors)",
         "index": ivf.map { "ivf, \($0.lists.map(String.init) ?? "√M") lists, \($0.probes) probes" } ?? "exact"]
    }

    /// The largest embedding dimension a model may have (wide_resnet101_2's stem to layer4 concatenate to 3904).
    public static let maximumDimension = 8192
    /// The largest map σ (its Gaussian reaches 4σ, a quarter of the largest input side).
    public static let maximumMapSigma = 256.0
    /// The most floats one image's official embedding may stack before pooling (4 GiB).
    static let maximumEmbeddingFloats = 1 << 30

    /// Checks every setting against what the code can honour (ranges, finiteness, allocation sizes), so that a
    /// hand-edited model file cannot trap or ask for terabytes; the message names the setting.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw PatchCoreError.invalidSettings(message) }
        }
        let known = ResNet.Stage.allCases.map(\.description)
        try check(!stages.isEmpty, "at least one backbone stage is needed")
        try check(stages.allSatisfy(known.contains) && Set(stages).count == stages.count,
                  "stages must be distinct names among \(known.joined(separator: ", ")), got \(stages)")
        try check(coresetRatio > 0 && coresetRatio <= 1, "the coreset ratio must be in (0, 1], got \(coresetRatio)")
        try check((1...16).contains(neighbors), "neighbours must be in 1...16, got \(neighbors)")
        if case .reweighted(let n) = imageScoring { try check((1...16).contains(n), "re-weighting neighbours must be in 1...16") }
        let dimensions = 1...Self.maximumDimension
        try check(dimensions.contains(pretrainDimension) && dimensions.contains(targetDimension),
                  "embedding dimensions must be in 1...\(Self.maximumDimension), got \(pretrainDimension) and "
                    + "\(targetDimension)")
        if let problem = preprocessing.problem { try check(false, problem) }
        if let ivf {
            try check((1...65_536).contains(ivf.probes), "IVF probes must be in 1...65536, got \(ivf.probes)")
            try check(ivf.lists.map { (1...65_536).contains($0) } ?? true,
                      "IVF lists must be in 1...65536, got \(ivf.lists ?? 0)")
        }
        try check((0...Self.maximumMapSigma).contains(mapSigma),
                  "the map σ must be in [0, \(Self.maximumMapSigma)], got \(mapSigma)")
        if embedding == .official {
            // The first stage fixes the grid: stride 4 for the stem and layer1, doubling per later stage.
            let stride = 4 << max(0, (known.firstIndex(of: stages[0]) ?? 1) - 1)
            let side = (preprocessing.outputSide + stride - 1) / stride
            let floats = side * side * stages.count * pretrainDimension
            try check(floats <= Self.maximumEmbeddingFloats, "the embedding of one image would stack \(floats) "
                + "floats (\(side)² locations × \(stages.count) stages × \(pretrainDimension)); at most "
                + "\(Self.maximumEmbeddingFloats)")
        }
    }
}

/// Problems specific to PatchCore models.
public enum PatchCoreError: Error, CustomStringConvertible, Equatable {
    case invalidSettings(String)
    case badModelFile(path: String, problem: String)
    case backboneMismatch(String)

    public var description: String {
        switch self {
        case .invalidSettings(let problem): "invalid PatchCore settings: \(problem)"
        case let .badModelFile(path, problem): "\(path): not a usable PatchCore model: \(problem)"
        case .backboneMismatch(let problem): "backbone mismatch: \(problem)"
        }
    }
}
