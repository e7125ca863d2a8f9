import Backbones
import Foundation

/// A fitted Gaussian AD model: per level, the mean and Ledoit–Wolf precision matrix of the pooled features. Model
/// file (``ModelFile``, method `gaussian`): tensors `mean.<s>` `[C_s]` and `precision.<s>` `[C_s, C_s]` float32 per
/// level `s` (0-based, in the order of `settings.stages`).
public struct GaussianADModel: AnomalyModel {
    public struct Level: Sendable {
        public var mean: [Float]
        public var precision: [Float]
        /// The Ledoit–Wolf shrinkage `ρ` of the level's covariance.
        public var shrinkage: Double
    }

    public var settings: GaussianADSettings
    public var backbone: BackboneReference
    public var levels: [Level]
    public var trainingImages: Int

    public init(settings: GaussianADSettings, backbone: BackboneReference, levels: [Level], trainingImages: Int) {
        self.settings = settings
        self.backbone = backbone
        self.levels = levels
        self.trainingImages = trainingImages
    }

    public var summary: String {
        let bytes = levels.reduce(0) { $0 + 4 * ($1.mean.count + $1.precision.count) }
        let shrinkage = levels.map { String(format: "%.3f", $0.shrinkage) }.joined(separator: ", ")
        return "\(levels.count) levels (\(levels.map { "\($0.mean.count)" }.joined(separator: "+")) channels) from "
            + "\(trainingImages) images, Ledoit–Wolf shrinkage \(shrinkage); means + precision matrices "
            + ByteCount.text(bytes)
    }

    private struct Statistics: Codable {
        var channels: [Int]
        var shrinkage: [Double]
        var trainingImages: Int
    }

    public func write(to url: URL) throws {
        var tensors: [String: SafeTensor] = [:]
        for (s, level) in levels.enumerated() {
            let c = level.mean.count
            tensors["mean.\(s)"] = SafeTensor(level.mean, shape: [c])
            tensors["precision.\(s)"] = SafeTensor(level.precision, shape: [c, c])
        }
        try ModelFile.write(to: url, settings: settings, backbone: backbone,
                            statistics: Statistics(channels: levels.map(\.mean.count),
                                                   shrinkage: levels.map(\.shrinkage), trainingImages: trainingImages),
                            tensors: tensors)
    }

    public init(file: SafeTensorsFile, path: String) throws {
        func bad(_ problem: String) -> DetectorError { .badModelFile(path: path, problem: problem) }
        let settings = try ModelFile.decode(GaussianADSettings.self, "settings", in: file, path: path)
        do { try settings.validate() } catch { throw bad("\(error)") }
        let backbone = try ModelFile.decode(BackboneReference.self, "backbone", in: file, path: path)
        let statistics = try ModelFile.decode(Statistics.self, "statistics", in: file, path: path)
        guard statistics.channels.count == settings.stages.count,
              statistics.shrinkage.count == settings.stages.count else {
            throw bad("statistics describe \(statistics.channels.count) levels for \(settings.stages.count) stages")
        }
        guard statistics.channels.allSatisfy({ (1...GaussianADSettings.maximumChannels).contains($0) }) else {
            throw bad("statistics.channels \(statistics.channels) are outside 1...\(GaussianADSettings.maximumChannels)")
        }
        guard statistics.trainingImages >= 1 else { throw bad("statistics count no training images") }
        let levels = try statistics.channels.enumerated().map { s, c in
            Level(mean: try ModelFile.floats("mean.\(s)", shape: [c], in: file, path: path).values,
                  precision: try ModelFile.floats("precision.\(s)", shape: [c, c], in: file, path: path).values,
                  shrinkage: statistics.shrinkage[s])
        }
        self.init(settings: settings, backbone: backbone, levels: levels, trainingImages: statistics.trainingImages)
    }
}
