import Backbones
import Foundation

/// A fitted PaDiM model: per location of the feature grid, the mean and the precision matrix (inverse covariance)
/// of the training images' feature vectors. Model file (``ModelFile``, method `padim`): tensors `mean` `[L, d]` and
/// `precision` `[L, d, d]` float32, `L = H·W` locations in raster order.
public struct PaDiMModel: AnomalyModel {
    public var settings: PaDiMSettings
    public var backbone: BackboneReference
    public var grid: (height: Int, width: Int)
    /// Channels kept per location.
    public var dimension: Int
    /// `[L, d]`.
    public var mean: [Float]
    /// `[L, d, d]`.
    public var precision: [Float]
    public var trainingImages: Int

    public init(settings: PaDiMSettings, backbone: BackboneReference, grid: (height: Int, width: Int), dimension: Int,
                mean: [Float], precision: [Float], trainingImages: Int) {
        self.settings = settings
        self.backbone = backbone
        self.grid = grid
        self.dimension = dimension
        self.mean = mean
        self.precision = precision
        self.trainingImages = trainingImages
    }

    /// Bytes of the means and precision matrices: `4·L·(d + d²)`, O(locations·d²).
    public var bytes: Int { 4 * (mean.count + precision.count) }

    public var summary: String {
        "\(grid.height)×\(grid.width) locations × \(dimension) channels from \(trainingImages) images, "
            + "\(settings.covariance.rawValue) covariance; means + precision matrices \(ByteCount.text(bytes))"
    }

    private struct Statistics: Codable {
        var gridHeight: Int
        var gridWidth: Int
        var dimension: Int
        var trainingImages: Int
    }

    public func write(to url: URL) throws {
        let locations = grid.height * grid.width
        try ModelFile.write(to: url, settings: settings, backbone: backbone,
                            statistics: Statistics(gridHeight: grid.height, gridWidth: grid.width,
                                                   dimension: dimension, trainingImages: trainingImages),
                            tensors: ["mean": SafeTensor(mean, shape: [locations, dimension]),
                                      "precision": SafeTensor(precision, shape: [locations, dimension, dimension])])
    }

    /// Decodes and checks a PaDiM model file.
    public init(file: SafeTensorsFile, path: String) throws {
        func bad(_ problem: String) -> DetectorError { .badModelFile(path: path, problem: problem) }
        let settings = try ModelFile.decode(PaDiMSettings.self, "settings", in: file, path: path)
        do { try settings.validate() } catch { throw bad("\(error)") }
        let backbone = try ModelFile.decode(BackboneReference.self, "backbone", in: file, path: path)
        let statistics = try ModelFile.decode(Statistics.self, "statistics", in: file, path: path)
        guard (1...4096).contains(statistics.gridHeight), (1...4096).contains(statistics.gridWidth) else {
            throw bad("statistics grid \(statistics.gridHeight)×\(statistics.gridWidth) is outside 1...4096")
        }
        guard (1...PaDiMSettings.maximumFeatureCount).contains(statistics.dimension) else {
            throw bad("statistics.dimension \(statistics.dimension) is outside 1...\(PaDiMSettings.maximumFeatureCount)")
        }
        guard statistics.trainingImages >= 1 else { throw bad("statistics count no training images") }
        let (l, d) = (statistics.gridHeight * statistics.gridWidth, statistics.dimension)
        let mean = try ModelFile.floats("mean", shape: [l, d], in: file, path: path).values
        let precision = try ModelFile.floats("precision", shape: [l, d, d], in: file, path: path).values
        self.init(settings: settings, backbone: backbone, grid: (statistics.gridHeight, statistics.gridWidth),
                  dimension: d, mean: mean, precision: precision, trainingImages: statistics.trainingImages)
    }
}
