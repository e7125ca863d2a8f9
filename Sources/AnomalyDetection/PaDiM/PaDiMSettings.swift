import Backbones
import Foundation

/// Every setting of a PaDiM model (Defard, Setkov, Loesch, Audigier, "PaDiM: a Patch Distribution Modeling
/// Framework for Anomaly Detection and Localization", ICPR 2021); stored in the model file.
///
/// Defaults follow the reference code (xiahaifeng1995/PaDiM-Anomaly-Detection-Localization-master) and anomalib:
/// layer1–layer3, deeper stages copied onto layer1's grid (nearest), a seeded random subset of 100 channels for
/// resnet18/34 (448 channels) and 550 for the 1792-channel ResNets (wide_resnet50_2), the unbiased covariance per
/// location + 0.01·I, Resize(256) → CenterCrop(224), bilinear maps smoothed with σ = 4, image score = the map's
/// maximum.
public struct PaDiMSettings: DetectorSettings {
    public static let method = DetectionMethod.padim
    public var stages: [String]
    /// Channels kept of the concatenated stages, or nil for 100 when they hold at most 448 and 550 otherwise.
    public var featureCount: Int?
    public var covariance: CovarianceEstimator
    /// Added to the diagonal by the regularized estimator.
    public var epsilon: Double
    public var preprocessing: Preprocessing
    public var mapSigma: Double
    /// Seed of the channel subset.
    public var seed: UInt64

    public static let official = PaDiMSettings(
        stages: ["layer1", "layer2", "layer3"], featureCount: nil, covariance: .regularized, epsilon: 0.01,
        preprocessing: .official, mapSigma: 4, seed: 0)

    /// The largest channel subset (a location's precision matrix is `d²` floats).
    public static let maximumFeatureCount = 2048

    /// Channels kept of `total`.
    public func features(ofTotal total: Int) -> Int {
        min(total, featureCount ?? (total <= 448 ? 100 : 550))
    }

    public var notes: [String: String] {
        ["stages": stages.joined(separator: "+"), "features": featureCount.map(String.init) ?? "default",
         "covariance": covariance.rawValue]
    }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw DetectorError.invalidSettings(method: .padim, problem: message) }
        }
        let known = ResNet.Stage.allCases.map(\.description)
        try check(!stages.isEmpty && stages.allSatisfy(known.contains) && Set(stages).count == stages.count,
                  "stages must be distinct names among \(known.joined(separator: ", ")), got \(stages)")
        if let featureCount {
            try check((1...Self.maximumFeatureCount).contains(featureCount),
                      "the feature count must be in 1...\(Self.maximumFeatureCount), got \(featureCount)")
        }
        try check(epsilon >= 0 && epsilon.isFinite && epsilon <= 1e6, "ε must be in [0, 1e6], got \(epsilon)")
        if let problem = preprocessing.problem { try check(false, problem) }
        try check((0...PatchCoreSettings.maximumMapSigma).contains(mapSigma),
                  "the map σ must be in [0, \(PatchCoreSettings.maximumMapSigma)], got \(mapSigma)")
    }
}
