import Compute
import Testing
import TestSupport

/// OpenCL discovery, `--device` selection, and the kernels the host launches.
@Suite struct DeviceDiscoveryTests {
    @Test func anOpenCLDeviceIsAvailable() throws {
        for device in try TestDevices.descriptors {
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
        if let first = try TestDevices.descriptors.first {
            #expect(try Devices.select("opencl:\(first.index)").info.identifier == "opencl:\(first.index)")
            #expect(try Devices.select("opencl").info.identifier.hasPrefix("opencl:"))
        }
    }

    /// The reference is a device of its own (plain loops sharing no code with the fast CPU path), and every device
    /// under test, the fast CPU device included, is checked against it.
    @Test func theReferenceIsItsOwnDeviceAndChecksTheFastCPUDevice() throws {
        #expect(TestDevices.reference.info.identifier == "cpu-reference")
        #expect(try Devices.select("cpu-reference") === TestDevices.reference)
        let underTest = try TestDevices.underTest
        #expect(!underTest.contains { $0 is ReferenceDevice })
        #expect(underTest.contains { $0 === CPUDevice.fastShared })
    }

    @Test func aMissingOpenCLDeviceFailsTheDeviceList() throws {
        #expect(throws: TestSupportError.noOpenCLDevice) { try TestDevices.checked([], required: true) }
        #expect(try TestDevices.checked([], required: false).isEmpty)
    }

    @Test func hostLevelsAreDetectedAndCapped() throws {
        #expect(HostISA.supported.first == .baseline && HostISA.supported.last == HostISA.detected)
        #expect(try HostISA.capped(by: nil) == HostISA.detected)
        #expect(try HostISA.capped(by: "baseline") == .baseline)
        #expect(try HostISA.capped(by: "AVX512") == HostISA.detected, "a cap above the CPU's level changes nothing")
        #expect(CPUDevice(isa: .avx512).isa == HostISA.detected)
        #expect(throws: ComputeError.self) { try HostISA.capped(by: "sse9") }
        #expect(Set(([CPUDevice.fastShared] + TestDevices.otherHostLevels).map(\.isa)) == Set(HostISA.supported))
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

    /// The kernel table is the whole of every program: no kernel is launched without being listed, and no listed
    /// program holds a kernel nothing launches.
    @Test func theKernelTableListsExactlyTheKernelsOfEveryProgram() throws {
        let table = KernelReference.all
        #expect(Set(table).count == table.count, "a kernel is listed twice")
        guard let device = try TestDevices.openCL.first else { return }
        for program in KernelSources.embeddedNames {
            let listed = Set(table.filter { $0.program == program }.map(\.name))
            #expect(Set(try device.kernelNames(inProgram: program)) == listed, "\(program).cl")
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
