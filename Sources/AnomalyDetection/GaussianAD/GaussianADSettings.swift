import Backbones
import Foundation
import Imaging

/// Every setting of a Gaussian AD model (Rippel, Mertens, Merhof, "Modeling the Distribution of Normal Data in
/// Pre-Trained Deep Features for Anomaly Detection", ICPR 2020); stored in the model file.
///
/// Defaults follow the official code (ORippler/gaussian-ad-mvtec) for ResNets: levels 0–4 (after the max pool, then
/// layer1–layer4), Resize((224, 224)) without a crop, ImageNet normalisation, Ledoit–Wolf shrinkage per level. The
/// code holds out one of five folds of the training images; here every training image is used. Localisation (not in
/// the official code) is the Grad-CAM of the score at the deepest level, upsampled bilinearly and smoothed with
/// `mapSigma`.
public struct GaussianADSettings: DetectorSettings {
    public static let method = DetectionMethod.gaussian
    public var stages: [String]
    public var preprocessing: Preprocessing
    public var mapSigma: Double

    public static let official = GaussianADSettings(
        stages: ["stem", "layer1", "layer2", "layer3", "layer4"],
        preprocessing: Preprocessing(resize: 224, crop: nil, keepAspect: false, mean: ByteImage.imageNetMean,
                                     std: ByteImage.imageNetStd),
        mapSigma: 4)

    /// The most channels one level may have (its precision matrix is `C²` floats).
    public static let maximumChannels = 8192

    public var notes: [String: String] { ["stages": stages.joined(separator: "+"), "covariance": "ledoit-wolf"] }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw DetectorError.invalidSettings(method: .gaussian, problem: message) }
        }
        let known = ResNet.Stage.allCases.map(\.description)
        try check(!stages.isEmpty && stages.allSatisfy(known.contains) && Set(stages).count == stages.count,
                  "stages must be distinct names among \(known.joined(separator: ", ")), got \(stages)")
        if let problem = preprocessing.problem { try check(false, problem) }
        try check((0...PatchCoreSettings.maximumMapSigma).contains(mapSigma),
                  "the map σ must be in [0, \(PatchCoreSettings.maximumMapSigma)], got \(mapSigma)")
    }
}
