import Backbones
import Foundation

/// A fitted SPADE model: every training image's pooled vector and feature maps. Model file (``ModelFile``, method
/// `spade`): tensor `pooled` `[N, D]` and per stage `s` (0-based) `patches.<s>` `[N, h_s·w_s, C_s]` float32.
public struct SPADEModel: AnomalyModel {
    public struct Stage: Sendable {
        public var grid: (height: Int, width: Int)
        public var channels: Int
        /// `[N·h·w, C]`: image-major, raster order within an image.
        public var rows: [Float]
    }

    public var settings: SPADESettings
    public var backbone: BackboneReference
    /// `[N, D]`.
    public var pooled: [Float]
    public var stages: [Stage]
    public var trainingImages: Int

    public var pooledDimension: Int { pooled.count / max(trainingImages, 1) }

    public init(settings: SPADESettings, backbone: BackboneReference, pooled: [Float], stages: [Stage],
                trainingImages: Int) {
        self.settings = settings
        self.backbone = backbone
        self.pooled = pooled
        self.stages = stages
        self.trainingImages = trainingImages
    }

    public var summary: String {
        let bytes = 4 * (pooled.count + stages.reduce(0) { $0 + $1.rows.count })
        return "\(trainingImages) images × (\(pooledDimension) pooled + "
            + stages.map { "\($0.grid.height)×\($0.grid.width)×\($0.channels)" }.joined(separator: " + ")
            + "), \(ByteCount.text(bytes))"
    }

    private struct Statistics: Codable {
        var gridHeights: [Int]
        var gridWidths: [Int]
        var channels: [Int]
        var pooledDimension: Int
        var trainingImages: Int
    }

    public func write(to url: URL) throws {
        var tensors = ["pooled": SafeTensor(pooled, shape: [trainingImages, pooledDimension])]
        for (s, stage) in stages.enumerated() {
            tensors["patches.\(s)"] = SafeTensor(stage.rows, shape: [trainingImages, stage.grid.height * stage.grid.width,
                                                                     stage.channels])
        }
        let statistics = Statistics(gridHeights: stages.map(\.grid.height), gridWidths: stages.map(\.grid.width),
                                    channels: stages.map(\.channels), pooledDimension: pooledDimension,
                                    trainingImages: trainingImages)
        try ModelFile.write(to: url, settings: settings, backbone: backbone, statistics: statistics, tensors: tensors)
    }

    public init(file: SafeTensorsFile, path: String) throws {
        func bad(_ problem: String) -> DetectorError { .badModelFile(path: path, problem: problem) }
        let settings = try ModelFile.decode(SPADESettings.self, "settings", in: file, path: path)
        do { try settings.validate() } catch { throw bad("\(error)") }
        let backbone = try ModelFile.decode(BackboneReference.self, "backbone", in: file, path: path)
        let s = try ModelFile.decode(Statistics.self, "statistics", in: file, path: path)
        let count = settings.stages.count
        guard s.gridHeights.count == count, s.gridWidths.count == count, s.channels.count == count else {
            throw bad("statistics describe \(s.channels.count) stages for \(count)")
        }
        guard (s.gridHeights + s.gridWidths).allSatisfy({ (1...4096).contains($0) }),
              (s.channels + [s.pooledDimension]).allSatisfy({ (1...PatchCoreSettings.maximumDimension).contains($0) })
        else { throw bad("statistics grids or channels are out of range") }
        guard s.trainingImages >= settings.neighbors else {
            throw bad("statistics count \(s.trainingImages) training images for \(settings.neighbors) neighbours")
        }
        let pooled = try ModelFile.floats("pooled", shape: [s.trainingImages, s.pooledDimension], in: file,
                                          path: path).values
        let stages = try (0..<count).map { i in
            Stage(grid: (s.gridHeights[i], s.gridWidths[i]), channels: s.channels[i],
                  rows: try ModelFile.floats("patches.\(i)", shape: [s.trainingImages, s.gridHeights[i] * s.gridWidths[i],
                                                                     s.channels[i]], in: file, path: path).values)
        }
        self.init(settings: settings, backbone: backbone, pooled: pooled, stages: stages,
                  trainingImages: s.trainingImages)
    }
}
