import EmbeddedKernels
import Foundation

/// Where kernel sources come from: the copies embedded at build time, or `FRACTALAD_KERNEL_DIR/<name>.cl` when
/// that variable is set (for editing kernels without rebuilding).
public enum KernelSources {
    /// The environment variable naming a folder of `.cl` files that replace the embedded ones.
    public static let overrideVariable = "FRACTALAD_KERNEL_DIR"

    /// The source of `Kernels/<name>.cl`.
    public static func source(named name: String) throws -> String {
        if let directory = ProcessInfo.processInfo.environment[overrideVariable], !directory.isEmpty {
            let url = URL(fileURLWithPath: directory).appending(path: "\(name).cl")
            do {
                return try String(contentsOf: url, encoding: .utf8)
            } catch {
                throw ComputeError.invalidArgument(
                    op: "kernel sources", detail: "\(overrideVariable) is set but \(url.path) cannot be read: \(error)")
            }
        }
        guard let embedded = EmbeddedKernels.sources[name] else {
            throw ComputeError.invalidArgument(op: "kernel sources", detail: "no embedded kernel file \(name).cl")
        }
        return embedded
    }

    /// Names of all embedded kernel files (without `.cl`).
    public static var embeddedNames: [String] { EmbeddedKernels.sources.keys.sorted() }
}

/// A kernel function inside one `Kernels/<program>.cl` file. Every kernel the Swift code launches is a property of
/// the one `KernelTable`, listed by ``all``, and a test builds each program and checks that each name exists.
public struct KernelReference: Hashable, Sendable, CustomStringConvertible {
    public let program: String
    public let name: String
    /// Build options of a tuned variant (``KernelParameters/defines``); empty for the plain kernel.
    public let defines: String

    public init(_ program: String, _ name: String, defines: String = "") {
        self.program = program
        self.name = name
        self.defines = defines
    }

    /// The same kernel built as `variant`.
    public func variant(_ parameters: KernelParameters) -> KernelReference {
        KernelReference(program, name, defines: parameters.defines)
    }

    public var description: String { "\(program).cl:\(name)" + (defines.isEmpty ? "" : " [\(defines)]") }

    /// Every kernel launched by ``OpenCLDevice``.
    public static var all: [KernelReference] { OpenCLDevice.kernels.all }
}
