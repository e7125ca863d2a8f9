import Imaging

/// Errors of the model, checkpoint and training layer; each message names the tensor, file or option at fault.
public enum BackboneError: Error, CustomStringConvertible, Equatable {
    /// A backward pass was asked for without a training-mode forward pass before it.
    case noForwardPass(layer: String)
    /// A checkpoint's tensors do not fit the architecture.
    case checkpointMismatch(CheckpointMismatch)
    /// A file could not be read at all (missing, a folder, a device, no permission).
    case unreadableFile(FileReadError)
    /// A safetensors file (or data) could not be parsed.
    case invalidSafeTensors(source: String, reason: String)
    /// A training checkpoint lacks state `--resume` needs, or was written for another configuration.
    case cannotResume(source: String, reason: String)
    /// An unknown architecture name or an unusable model or training setting.
    case invalidArgument(String)
    /// A training dataset could not be used.
    case invalidDataset(String)

    public var description: String {
        switch self {
        case let .noForwardPass(layer):
            "\(layer): backward needs a training-mode forward pass first"
        case let .checkpointMismatch(mismatch):
            mismatch.description
        case let .unreadableFile(error):
            "\(error.path): cannot be read: \(error.reason)"
        case let .invalidSafeTensors(source, reason):
            "\(source): not a valid safetensors file: \(reason)"
        case let .cannotResume(source, reason):
            "\(source): cannot resume: \(reason)"
        case let .invalidArgument(detail):
            detail
        case let .invalidDataset(detail):
            detail
        }
    }
}

/// How a checkpoint differs from an architecture: tensors it lacks, tensors it has in excess, and tensors whose
/// shape or type differs.
public struct CheckpointMismatch: Equatable, Sendable, CustomStringConvertible {
    public var source: String
    public var architecture: String
    public var missing: [String]
    public var unexpected: [String]
    /// `(name, checkpoint shape, expected shape)`.
    public var wrongShapes: [WrongShape]
    /// Tensors whose element type cannot hold the value (`name`, what was found, what is expected).
    public var wrongTypes: [WrongType]

    public struct WrongShape: Equatable, Sendable {
        public var name: String, checkpoint: [Int], expected: [Int]
    }

    public struct WrongType: Equatable, Sendable {
        public var name: String, checkpoint: String, expected: String
    }

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && wrongShapes.isEmpty && wrongTypes.isEmpty }

    public var description: String {
        var lines = ["\(source) does not fit \(architecture):"]
        for item in wrongShapes {
            lines.append("  \(item.name): the checkpoint has shape \(item.checkpoint), the architecture expects "
                + "\(item.expected)")
        }
        for item in wrongTypes {
            lines.append("  \(item.name): the checkpoint has dtype \(item.checkpoint), expected \(item.expected)")
        }
        if !missing.isEmpty { lines.append("  missing: " + Self.list(missing)) }
        if !unexpected.isEmpty { lines.append("  unexpected: " + Self.list(unexpected)) }
        return lines.joined(separator: "\n")
    }

    /// The first 12 names and a count of the rest.
    private static func list(_ names: [String]) -> String {
        let shown = names.prefix(12).joined(separator: ", ")
        return names.count > 12 ? "\(shown) and \(names.count - 12) more" : shown
    }
}
