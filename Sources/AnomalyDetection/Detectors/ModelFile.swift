import Backbones
import Compute
import Foundation

/// Model files of every method: a safetensors file with the method's tensors and JSON metadata `format`
/// (`fractalad-model`), `version`, `method` (a ``DetectionMethod``), `tool`, `settings`, `backbone` (a
/// ``BackboneReference``) and `statistics` (the method's counts and sizes).
public enum ModelFile {
    public static let format = "fractalad-model"
    public static let version = "1"
    /// PatchCore files written before the other methods existed: format `fractalad-patchcore`, version 1, no method.
    static let patchCoreFormat = "fractalad-patchcore"

    /// Writes a model file atomically.
    static func write<Settings: DetectorSettings>(to url: URL, settings: Settings, backbone: BackboneReference,
                                                  statistics: some Encodable, tensors: [String: SafeTensor]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let metadata = [
            "format": format, "version": version, "method": Settings.method.rawValue,
            "tool": "fractalad \(FractalADVersion.string)",
            "settings": String(decoding: try encoder.encode(settings), as: UTF8.self),
            "backbone": String(decoding: try encoder.encode(backbone), as: UTF8.self),
            "statistics": String(decoding: try encoder.encode(statistics), as: UTF8.self),
        ]
        try SafeTensorsFile(tensors: tensors, metadata: metadata).write(to: url)
    }

    /// Reads a model file of any method.
    /// - Throws: ``DetectorError/badModelFile(path:problem:)`` for a file that is not a FractalAD model, of an
    ///   unsupported version or of an unknown method.
    public static func read(_ url: URL) throws -> (method: DetectionMethod, file: SafeTensorsFile) {
        func bad(_ problem: String) -> DetectorError { .badModelFile(path: url.path, problem: problem) }
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile.read(url)
        } catch {
            throw bad("\(error)")
        }
        let version = file.metadata["version"]
        switch file.metadata["format"] {
        case patchCoreFormat? where version == "1":
            return (.patchcore, file)
        case format?:
            guard version == Self.version else {
                throw bad("version \(version ?? "?") is not supported (expected \(Self.version))")
            }
            guard let name = file.metadata["method"] else { throw bad("metadata 'method' is missing") }
            guard let method = DetectionMethod(rawValue: name) else {
                throw bad("unknown method '\(name)' (known: "
                    + DetectionMethod.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            return (method, file)
        default:
            throw bad("it is not a \(format) file")
        }
    }

    /// Reads a model file that must hold a model of `method`.
    /// - Throws: ``DetectorError/badModelFile(path:problem:)``, also naming both methods for a model of another.
    public static func read(_ url: URL, method: DetectionMethod) throws -> SafeTensorsFile {
        let (found, file) = try read(url)
        guard found == method else {
            throw DetectorError.badModelFile(path: url.path, problem: "it holds a \(found.rawValue) model, not a "
                + "\(method.rawValue) model")
        }
        return file
    }

    /// Decodes the JSON metadata entry `key`.
    static func decode<T: Decodable>(_ type: T.Type, _ key: String, in file: SafeTensorsFile, path: String) throws -> T {
        guard let text = file.metadata[key] else {
            throw DetectorError.badModelFile(path: path, problem: "metadata '\(key)' is missing")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw DetectorError.badModelFile(path: path, problem: "metadata '\(key)' is malformed")
        }
    }

    /// The float32 tensor `name` with `shape` (nil entries match any size), all values finite.
    static func floats(_ name: String, shape: [Int?], in file: SafeTensorsFile, path: String) throws
        -> (values: [Float], shape: [Int]) {
        func bad(_ problem: String) -> DetectorError { .badModelFile(path: path, problem: problem) }
        guard let tensor = file.tensors[name] else { throw bad("tensor '\(name)' is missing") }
        let expected = "[" + shape.map { $0.map(String.init) ?? "_" }.joined(separator: ", ") + "]"
        guard tensor.shape.count == shape.count, tensor.shape.allSatisfy({ $0 >= 1 }),
              zip(tensor.shape, shape).allSatisfy({ $1 == nil || $0 == $1 }) else {
            throw bad("\(name) has shape \(tensor.shape), expected \(expected)")
        }
        let values: [Float]
        do { values = try tensor.floats() } catch { throw bad("\(name): \(error)") }
        guard values.allSatisfy(\.isFinite) else { throw bad("\(name) holds non-finite values") }
        return (values, tensor.shape)
    }
}
