import Compute
import Foundation

/// The devices every test target checks its ops on, against ``reference``.
///
/// OpenCL must be present: CI runs on PoCL, and a machine without any OpenCL device fails every test that asks for
/// the list, rather than skipping OpenCL silently, unless `FRACTALAD_ALLOW_NO_OPENCL=1` is set. A device that fails
/// to open, or a kernel shape that fails to build, is an error too: nothing is dropped with `try?`.
public enum TestDevices {
    /// The plain loops that define every op.
    public static let reference: ReferenceDevice = CPUDevice.reference

    /// False when `FRACTALAD_ALLOW_NO_OPENCL=1` lets the suite run without an OpenCL device.
    public static var openCLRequired: Bool {
        ProcessInfo.processInfo.environment["FRACTALAD_ALLOW_NO_OPENCL"] != "1"
    }

    /// Every OpenCL device on the machine; throws when there is none and OpenCL is required.
    public static var descriptors: [OpenCLDeviceDescriptor] {
        get throws { try checked(OpenCLPlatform.devices(), required: openCLRequired) }
    }

    /// `descriptors`, or ``TestSupportError/noOpenCLDevice`` when it is empty and OpenCL is `required`.
    public static func checked(_ descriptors: [OpenCLDeviceDescriptor], required: Bool) throws
        -> [OpenCLDeviceDescriptor] {
        if descriptors.isEmpty && required { throw TestSupportError.noOpenCLDevice }
        return descriptors
    }

    /// Each OpenCL device in the kernel shape its type chooses (the shared devices `--device opencl:N` gives).
    public static var openCL: [OpenCLDevice] {
        get throws { try descriptors.map { try Devices.openCL($0.index) } }
    }

    /// Each OpenCL device once more, forced to the kernel shape its type would not choose, so both the CPU-shaped
    /// and the GPU-shaped kernels are checked on whatever device the machine has. Built once per process.
    public static var otherShapes: [OpenCLDevice] {
        get throws { try otherShapesOnce.get() }
    }

    private static let otherShapesOnce = Result {
        try descriptors.map { try OpenCLDevice($0, variant: otherShape(of: $0)) }
    }

    /// The kernel shape `descriptor`'s type would not choose.
    public static func otherShape(of descriptor: OpenCLDeviceDescriptor) -> OpenCLDevice.KernelVariant {
        descriptor.info.type == .gpu ? .cpu : .gpu
    }

    /// The fast CPU device once more at each other instruction-set level this CPU supports, so every GEMM
    /// micro-kernel of `Sources/CHostGemm` is checked, not only the one the machine picks.
    public static let otherHostLevels: [CPUDevice] = HostISA.supported.filter { $0 != CPUDevice.fastShared.isa }
        .map { CPUDevice(isa: $0) }

    /// Every device except the reference: the OpenCL devices in both kernel shapes and the fast CPU device at every
    /// instruction-set level.
    public static var underTest: [any Device] {
        get throws { try openCL + otherShapes + [CPUDevice.fastShared] + otherHostLevels }
    }

    /// The reference first, then every device under test.
    public static var all: [any Device] {
        get throws { [reference as any Device] + (try underTest) }
    }
}

/// Why the shared device list cannot be made.
public enum TestSupportError: Error, Equatable, CustomStringConvertible {
    case noOpenCLDevice

    public var description: String {
        switch self {
        case .noOpenCLDevice: "no OpenCL device: install pocl-opencl-icd or set FRACTALAD_ALLOW_NO_OPENCL=1"
        }
    }
}
