import Backbones
import Compute
import Foundation

/// PatchCore model files: a safetensors file with the memory bank as tensor `memory_bank` (`[M, D]` float32) and
/// the settings, backbone reference and training statistics as JSON strings in its metadata.
extension PatchCoreModel {
    public static let format = "fractalad-patchcore"
    public static let version = "1"

    private struct Statistics: Codable {
        var dimension: Int
        var gridHeight: Int
        var gridWidth: Int
        var trainingImages: Int
        var trainingPatches: Int
    }

    /// Writes the model atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let statistics = Statistics(dimension: dimension, gridHeight: grid.height, gridWidth: grid.width,
                                    trainingImages: trainingImages, trainingPatches: trainingPatches)
        let metadata = [
            "format": Self.format, "version": Self.version, "tool": "fractalad \(FractalADVersion.string)",
            "settings": String(decoding: try encoder.encode(settings), as: UTF8.self),
            "backbone": String(decoding: try encoder.encode(backbone), as: UTF8.self),
            "statistics": String(decoding: try encoder.encode(statistics), as: UTF8.self),
        ]
        try SafeTensorsFile(tensors: ["memory_bank": SafeTensor(bank, shape: [bankSize, dimension])],
                            metadata: metadata).write(to: url)
    }

    /// The statistics must describe the bank they come with.
    private static func check(_ statistics: Statistics, bankSize: Int, settings: PatchCoreSettings,
                              _ bad: (String) -> PatchCoreError) throws {
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

    /// Reads and checks a model file.
    /// - Throws: ``PatchCoreError/badModelFile(path:problem:)`` for anything that is not a complete FractalAD
    ///   PatchCore model.
    public static func read(_ url: URL) throws -> PatchCoreModel {
        func bad(_ problem: String) -> PatchCoreError { .badModelFile(path: url.path, problem: problem) }
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile.read(url)
        } catch {
            throw bad("\(error)")
        }
        guard file.metadata["format"] == format else { throw bad("it is not a \(format) file") }
        guard file.metadata["version"] == version else {
            throw bad("version \(file.metadata["version"] ?? "?") is not supported (expected \(version))")
        }
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
            guard let text = file.metadata[key] else { throw bad("metadata '\(key)' is missing") }
            do { return try decoder.decode(type, from: Data(text.utf8)) } catch { throw bad("metadata '\(key)' is malformed") }
        }
        let settings = try decode(PatchCoreSettings.self, "settings")
        do { try settings.validate() } catch { throw bad("\(error)") }
        let backbone = try decode(BackboneReference.self, "backbone")
        let statistics = try decode(Statistics.self, "statistics")
        guard (1...PatchCoreSettings.maximumDimension).contains(statistics.dimension) else {
            throw bad("statistics.dimension is \(statistics.dimension), outside "
                + "1...\(PatchCoreSettings.maximumDimension)")
        }
        guard let tensor = file.tensors["memory_bank"] else { throw bad("tensor 'memory_bank' is missing") }
        guard tensor.shape.count == 2, tensor.shape[1] == statistics.dimension, tensor.shape[0] >= 1 else {
            throw bad("memory_bank has shape \(tensor.shape), expected [M, \(statistics.dimension)]")
        }
        try check(statistics, bankSize: tensor.shape[0], settings: settings, bad)
        let bank: [Float]
        do { bank = try tensor.floats() } catch { throw bad("memory_bank: \(error)") }
        guard bank.allSatisfy(\.isFinite) else { throw bad("memory_bank holds non-finite values") }
        return PatchCoreModel(settings: settings, backbone: backbone, bank: bank, dimension: statistics.dimension,
                              grid: (statistics.gridHeight, statistics.gridWidth),
                              trainingImages: statistics.trainingImages, trainingPatches: statistics.trainingPatches)
    }
}
