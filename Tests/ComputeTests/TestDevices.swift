import Compute
import Foundation
import Testing

/// The devices every op is checked on, against `CPUDevice.reference`.
///
/// OpenCL must be present: CI runs on PoCL, and a machine without any OpenCL device fails the suite rather than
/// skipping it silently, unless `FRACTALAD_ALLOW_NO_OPENCL=1` is set.
enum TestDevices {
    static let reference = CPUDevice.reference

    static var openCL: [OpenCLDevice] {
        get throws {
            try OpenCLPlatform.devices().map { try Devices.openCL($0.index) }
        }
    }

    /// Each OpenCL device once more, forced to the kernel shape its type would not choose, so both the CPU-shaped
    /// and the GPU-shaped kernels are checked on whatever device the machine has.
    static let otherVariants: [OpenCLDevice] = {
        guard let descriptors = try? OpenCLPlatform.devices() else { return [] }
        return descriptors.compactMap { descriptor in
            try? OpenCLDevice(descriptor, variant: descriptor.info.type == .gpu ? .cpu : .gpu)
        }
    }()

    /// Every device except the reference: the OpenCL devices in both kernel shapes and the fast CPU device.
    static var underTest: [any Device] {
        get throws { try openCL + otherVariants + [CPUDevice.fastShared] }
    }

    static var openCLRequired: Bool {
        ProcessInfo.processInfo.environment["FRACTALAD_ALLOW_NO_OPENCL"] != "1"
    }
}

@Suite struct DeviceDiscoveryTests {
    @Test func anOpenCLDeviceIsAvailable() throws {
        let devices = try OpenCLPlatform.devices()
        if TestDevices.openCLRequired {
            #expect(!devices.isEmpty, "no OpenCL device: install pocl-opencl-icd or set FRACTALAD_ALLOW_NO_OPENCL=1")
        }
        for device in devices {
            #expect(device.info.computeUnits > 0)
            #expect(device.info.globalMemoryBytes > 0)
            #expect(!device.info.driverVersion.isEmpty)
        }
    }

    @Test func selectionUnderstandsEveryForm() throws {
        #expect(try Devices.select("cpu") === CPUDevice.fastShared)
        #expect(try Devices.select("cpu-reference") === CPUDevice.reference)
        #expect(throws: ComputeError.self) { try Devices.select("gpu") }
        #expect(throws: ComputeError.self) { try Devices.select("opencl:999") }
        #expect(throws: ComputeError.self) { try Devices.select("opencl:-1") }
        if let first = try OpenCLPlatform.devices().first {
            #expect(try Devices.select("opencl:\(first.index)").info.identifier == "opencl:\(first.index)")
            #expect(try Devices.select("opencl").info.identifier.hasPrefix("opencl:"))
        }
    }

    @Test func everyKernelTheHostLaunchesExists() throws {
        for device in try TestDevices.openCL {
            for program in Set(KernelReference.all.map(\.program)) {
                let names = Set(try device.kernelNames(inProgram: program))
                for reference in KernelReference.all where reference.program == program {
                    #expect(names.contains(reference.name), "\(reference) missing on \(device.info.name)")
                }
            }
        }
    }

    @Test func everyEmbeddedKernelFileBuilds() throws {
        for device in try TestDevices.openCL {
            for name in KernelSources.embeddedNames {
                _ = try device.kernelNames(inProgram: name)
            }
        }
    }
}
