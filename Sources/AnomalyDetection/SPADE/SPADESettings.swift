import Backbones
import Foundation

/// Every setting of a SPADE model (Cohen & Hoshen, "Sub-Image Anomaly Detection with Deep Pyramid
/// Correspondences", arXiv 2005.02357, 2020; the kNN image score of Bergman, Cohen & Hoshen, "Deep Nearest Neighbor
/// Anomaly Detection", arXiv 2002.10445, 2020); stored in the model file.
///
/// Defaults follow byungjae89/SPADE-pytorch and seed 002 §3.1.1: k = 5 nearest training images by the squared L2
/// distance of global-average-pooled features (here of every stage, concatenated); per stage (layer1–layer3) each
/// test location's distance to the nearest location of those k images' feature maps (κ = 1), maps upsampled
/// bilinearly, averaged over the stages and smoothed with σ = 4; Resize(256) → CenterCrop(224).
public struct SPADESettings: DetectorSettings {
    public static let method = DetectionMethod.spade
    public var stages: [String]
    /// Nearest training images (`1...16`, the top-k kernel's range).
    public var neighbors: Int
    public var preprocessing: Preprocessing
    public var mapSigma: Double

    public static let official = SPADESettings(stages: ["layer1", "layer2", "layer3"], neighbors: 5,
                                               preprocessing: .official, mapSigma: 4)

    public var notes: [String: String] { ["stages": stages.joined(separator: "+"), "neighbors": "\(neighbors)"] }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw DetectorError.invalidSettings(method: .spade, problem: message) }
        }
        let known = ResNet.Stage.allCases.map(\.description)
        try check(!stages.isEmpty && stages.allSatisfy(known.contains) && Set(stages).count == stages.count,
                  "stages must be distinct names among \(known.joined(separator: ", ")), got \(stages)")
        try check((1...16).contains(neighbors), "neighbours must be in 1...16, got \(neighbors)")
        if let problem = preprocessing.problem { try check(false, problem) }
        try check((0...PatchCoreSettings.maximumMapSigma).contains(mapSigma),
                  "the map σ must be in [0, \(PatchCoreSettings.maximumMapSigma)], got \(mapSigma)")
    }
}
