import Compute
import Foundation

/// A subcommand of `fractalad`.
protocol Command: Sendable {
    static var name: String { get }
    static var summary: String { get }
    /// Synopsis after `fractalad <name>`.
    static var synopsis: String { get }
    static var options: [OptionSpec] { get }
    static var allowsPositionals: Bool { get }
    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32
}

extension Command {
    static var allowsPositionals: Bool { false }

    static var usage: String {
        var text = "usage: fractalad \(name) \(synopsis)\n\n\(summary)\n"
        if !options.isEmpty {
            text += "\noptions:\n"
            for option in options {
                let head = "--\(option.name)" + (option.value.map { " \($0)" } ?? "")
                text += "  " + head.padding(toLength: max(26, head.count + 2), withPad: " ", startingAt: 0)
                    + option.help + "\n"
            }
        }
        return text
    }
}

/// Options every device-using command accepts.
enum CommonOptions {
    static let device = OptionSpec.value("device", "D",
        "cpu, cpu-reference, opencl or opencl:N (default: $FRACTALAD_DEVICE, else the first OpenCL GPU, else any OpenCL device, else cpu)")

    static let verbose = OptionSpec.flag("verbose", "also print the OpenCL compiler's build logs and warnings")

    /// Resolves `--device` and says on stderr which device was picked; `--verbose` passes build logs to stderr.
    static func device(_ arguments: Arguments, _ console: Console) throws -> any Device {
        if arguments.flag("verbose") {
            OpenCLDevice.buildLogHandler.withLock { $0 = { console.note($0) } }
        }
        let device = try Devices.select(arguments.string("device"))
        console.note("device: \(device.info)")
        return device
    }
}
