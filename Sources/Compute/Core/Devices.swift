import Foundation
import Synchronization

/// Finding and choosing devices: `cpu`, `cpu-reference`, `opencl` and `opencl:N`.
public enum Devices {
    /// Environment variable consulted when no `--device` is given.
    public static let environmentVariable = "FRACTALAD_DEVICE"

    private static let openCLDevices = Locked<[Int: OpenCLDevice]>([:])

    /// The shared device for OpenCL device `index` of ``OpenCLPlatform/devices()``.
    public static func openCL(_ index: Int) throws -> OpenCLDevice {
        let descriptors = try OpenCLPlatform.devices()
        guard descriptors.indices.contains(index) else {
            throw ComputeError.deviceNotFound(
                "opencl:\(index) (\(descriptors.count) OpenCL device(s) found; see `fractalad devices`)")
        }
        return try openCLDevices.withLock { cache in
            if let device = cache[index] { return device }
            let device = try OpenCLDevice(descriptors[index])
            cache[index] = device
            return device
        }
    }

    /// Every usable device: the OpenCL devices first, then `cpu` and `cpu-reference`.
    public static func all() throws -> [any Device] {
        var devices: [any Device] = []
        for descriptor in try OpenCLPlatform.devices() { devices.append(try openCL(descriptor.index)) }
        devices.append(CPUDevice.fastShared)
        devices.append(CPUDevice.reference)
        return devices
    }

    /// Resolves a device request.
    ///
    /// - Parameter request: `cpu`, `cpu-reference`, `opencl` (the default OpenCL choice), `opencl:N`, or nil to use
    ///   `FRACTALAD_DEVICE`, and failing that the default: the first OpenCL GPU, else the first OpenCL device of any
    ///   type, else the CPU.
    /// - Throws: ``ComputeError/deviceNotFound(_:)`` for an unknown or missing device, ``OpenCLError`` when the
    ///   OpenCL runtime fails.
    ///   An empty or unknown value is an error whether it comes from `request` or from the variable (whose name
    ///   the message then gives).
    public static func select(_ request: String?) throws -> any Device {
        guard request == nil, let variable = ProcessInfo.processInfo.environment[environmentVariable] else {
            return try resolve(request)
        }
        do {
            return try resolve(variable)
        } catch let ComputeError.deviceNotFound(what) {
            throw ComputeError.deviceNotFound("\(what), from \(environmentVariable)")
        }
    }

    private static func resolve(_ spec: String?) throws -> any Device {
        switch spec?.lowercased() {
        case nil:
            if let device = try defaultOpenCL() { return device }
            _ = try HostISA.fromEnvironment()
            return CPUDevice.fastShared
        case "cpu":
            _ = try HostISA.fromEnvironment()
            return CPUDevice.fastShared
        case "cpu-reference":
            return CPUDevice.reference
        case "opencl":
            guard let device = try defaultOpenCL() else {
                throw ComputeError.deviceNotFound("opencl (no OpenCL platform or device is installed)")
            }
            return device
        case let text?:
            guard text.hasPrefix("opencl:"), let index = Int(text.dropFirst("opencl:".count)), index >= 0 else {
                throw ComputeError.deviceNotFound("'\(text)' (expected cpu, cpu-reference, opencl or opencl:N)")
            }
            return try openCL(index)
        }
    }

    private static func defaultOpenCL() throws -> OpenCLDevice? {
        let descriptors = try OpenCLPlatform.devices()
        guard let chosen = descriptors.first(where: { $0.info.type == .gpu }) ?? descriptors.first else { return nil }
        return try openCL(chosen.index)
    }
}
