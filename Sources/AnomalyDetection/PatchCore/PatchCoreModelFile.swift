import Backbones
import Compute
import Foundation

/// PatchCore model files (``ModelFile``, method `patchcore`): the memory bank as tensor `memory_bank` (`[M, D]`
/// float32) and the settings, backbone reference and training statistics as JSON metadata.
extension PatchCoreModel: AnomalyModel {
    private struct Statistics: Codable {
        var dimension: Int
        var gridHeight: Int
        var gridWidth: Int
        var trainingImages: Int
        var trainingPatches: Int
        var ivfRecall: Double?
    }

    public var summary: String {
        "\(bankSize) of \(trainingPatches) patches from \(trainingImages) images, \(dimension) dimensions, bank "
            + ByteCount.text(bank.count * 4) + (ivfRecall.map { recall in
                let index = settings.ivf!.index(bankSize: bankSize, seed: settings.seed)
                return String(format: "; IVF %d lists, %d probes, recall@%d %.3f against exact search on %d training "
                    + "patches", index.lists, index.probes, settings.neighbors, recall,
                    min(trainingPatches, PatchCore.recallSample))
            } ?? "")
    }

    /// Writes the model atomically.
    public func write(to url: URL) throws {
        let statistics = Statistics(dimension: dimension, gridHeight: grid.height, gridWidth: grid.width,
                                    trainingImages: trainingImages, trainingPatches: trainingPatches,
                                    ivfRecall: ivfRecall)
        try ModelFile.write(to: url, settings: settings, backbone: backbone, statistics: statistics,
                            tensors: ["memory_bank": SafeTensor(bank, shape: [bankSize, dimension])])
    }

    /// The statistics must describe the bank they come with.
    private static func check(_ statistics: Statistics, bankSize: Int, settings: PatchCoreSettings,
                              _ bad: (String) -> DetectorError) throws {
        if settings.embedding == .official, statistics.dimension != settings.targetDimension {
            throw bad("statistics.dimension is \(statistics.dimension), but settings.targetDimension is "
                + "\(settings.targetDimension)")
        }
        guard (1...4096).contains(statistics.gridHeight), (1...4096).contains(statistics.gridWidth) else {
            throw bad("statistics grid \(statistics.gridHeight)×\(statistics.gridWidth) is outside 1...4096")
        }
        guard statistics.trainingImages >= 1, statistics.trainingPatches >= bankSize else {
            throw bad("statistics count \(statistics.trainingImages) images and \(statistics.trainingPatches) "
                + "patches for a bank of \(bankSize)")
        }
        guard settings.neighbors <= bankSize else {
            throw bad("settings ask for \(settings.neighbors) nearest neighbours, but memory_bank holds "
                + "\(bankSize) patches")
        }
    }

    /// Decodes and checks a PatchCore model file.
    /// - Throws: ``DetectorError/badModelFile(path:problem:)`` for anything that is not a complete PatchCore model.
    public init(file: SafeTensorsFile, path: String) throws {
        func bad(_ problem: String) -> DetectorError { .badModelFile(path: path, problem: problem) }
        let settings = try ModelFile.decode(PatchCoreSettings.self, "settings", in: file, path: path)
        do { try settings.validate() } catch { throw bad("\(error)") }
        let backbone = try ModelFile.decode(BackboneReference.self, "backbone", in: file, path: path)
        let statistics = try ModelFile.decode(Statistics.self, "statistics", in: file, path: path)
        guard (1...PatchCoreSettings.maximumDimension).contains(statistics.dimension) else {
            throw bad("statistics.dimension is \(statistics.dimension), outside "
                + "1...\(PatchCoreSettings.maximumDimension)")
        }
        guard let tensor = file.tensors["memory_bank"] else { throw bad("tensor 'memory_bank' is missing") }
        guard tensor.shape.count == 2, tensor.shape[1] == statistics.dimension, tensor.shape[0] >= 1 else {
            throw bad("memory_bank has shape \(tensor.shape), expected [M, \(statistics.dimension)]")
        }
        try Self.check(statistics, bankSize: tensor.shape[0], settings: settings, bad)
        let bank = try ModelFile.floats("memory_bank", shape: [nil, statistics.dimension], in: file, path: path).values
        self.init(settings: settings, backbone: backbone, bank: bank, dimension: statistics.dimension,
                  grid: (statistics.gridHeight, statistics.gridWidth), trainingImages: statistics.trainingImages,
                  trainingPatches: statistics.trainingPatches)
        guard (statistics.ivfRecall != nil) == (settings.ivf != nil),
              statistics.ivfRecall.map({ (0...1).contains($0) }) ?? true else {
            throw bad("statistics.ivfRecall must be in [0, 1] exactly when settings.ivf is set")
        }
        ivfRecall = statistics.ivfRecall
    }
}
