import Compute
import Foundation

/// `fractalad tune`: times every variant of every tuned kernel on an OpenCL device for every shape class and caches
/// the winners, so that later runs never pause to tune on first use.
enum TuneCommand: Command {
    static let name = "tune"
    static let summary = "time the kernel variants of an OpenCL device and cache the fastest (see $FRACTALAD_TUNING)"
    static let synopsis = "[--device D]"
    static let options: [OptionSpec] = [
        .value("device", "D", "opencl or opencl:N (default: every OpenCL device)"),
    ]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let devices: [OpenCLDevice]
        if let request = arguments.string("device") {
            guard let device = try Devices.select(request) as? OpenCLDevice else {
                throw UsageError("--device \(request): only OpenCL devices have tuned kernels")
            }
            devices = [device]
        } else {
            devices = try OpenCLPlatform.devices().map { try Devices.openCL($0.index) }
            if devices.isEmpty {
                throw ComputeError.deviceNotFound("no OpenCL device found (install an ICD such as pocl-opencl-icd)")
            }
        }
        console.note("cache: \(TuningCache.standard.url.path)")
        for device in devices {
            guard device.tuningMode == .automatic else {
                throw UsageError("\(KernelTuningMode.environmentVariable)=off: unset it to tune")
            }
            console.print("\(device.info)")
            console.print("| kernel | shape class | variants | fastest | best ms | default | default ms |")
            console.print("|---|---|---:|---|---:|---|---:|")
            _ = try device.tuneAll { result in
                let best = result.seconds.first { $0.0 == result.winner }?.1 ?? .nan
                let fallback = result.kernel.fallback(for: device.descriptor.properties)
                let fallbackSeconds = result.seconds.first { $0.0 == fallback }?.1 ?? .nan
                console.print("| \(result.kernel.rawValue) | \(result.shapeClass) | \(result.seconds.count) | "
                    + "\(result.winner) | \(String(format: "%.2f", best * 1e3)) | \(fallback) | "
                    + "\(String(format: "%.2f", fallbackSeconds * 1e3)) |")
            }
        }
        return 0
    }
}
