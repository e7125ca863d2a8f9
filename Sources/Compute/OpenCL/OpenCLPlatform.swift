import COpenCL
import Synchronization

/// One OpenCL device found on the machine, before a context is created for it.
public struct OpenCLDeviceDescriptor: @unchecked Sendable {
    /// Position in the machine-wide enumeration (platforms in ICD order, then devices): `opencl:N`.
    public let index: Int
    let platformID: cl_platform_id
    let deviceID: cl_device_id
    public let info: DeviceInfo
    /// OpenCL C version string, such as `OpenCL C 1.2 pocl`.
    public let openCLCVersion: String
    public let maxWorkGroupSize: Int
    /// What the kernel variants are chosen from.
    public let properties: OpenCLDeviceProperties
}

/// Enumerates every OpenCL platform and device.
public enum OpenCLPlatform {
    /// PoCL's discovery is not thread-safe (concurrent `clGetDeviceIDs` calls return `CL_DEVICE_NOT_FOUND` or
    /// crash), so discovery is serialised and its result kept for the life of the process.
    private static let discovery = Locked<[OpenCLDeviceDescriptor]?>(nil)

    /// All devices of all platforms. A machine without an ICD loader or platform yields an empty list; other
    /// failures throw.
    public static func devices() throws -> [OpenCLDeviceDescriptor] {
        try discovery.withLock { cached in
            if let cached { return cached }
            let found = try enumerate()
            cached = found
            return found
        }
    }

    private static func enumerate() throws -> [OpenCLDeviceDescriptor] {
        var platformCount: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &platformCount)
        if status == -1001 || platformCount == 0 { return [] }  // CL_PLATFORM_NOT_FOUND_KHR: no ICD installed
        try clCheck(status, "clGetPlatformIDs")
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        try clCheck(clGetPlatformIDs(platformCount, &platforms, nil), "clGetPlatformIDs")

        var result: [OpenCLDeviceDescriptor] = []
        for case let platform? in platforms {
            let platformName = try clInfoString("clGetPlatformInfo") {
                clGetPlatformInfo(platform, cl_platform_info(CL_PLATFORM_NAME), $0, $1, $2)
            }
            var deviceCount: cl_uint = 0
            let deviceStatus = clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount)
            if deviceStatus == CL_DEVICE_NOT_FOUND || deviceCount == 0 { continue }
            try clCheck(deviceStatus, "clGetDeviceIDs", "listing devices of \(platformName)")
            var devices = [cl_device_id?](repeating: nil, count: Int(deviceCount))
            try clCheck(clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &devices, nil),
                        "clGetDeviceIDs")
            for case let device? in devices {
                result.append(try describe(device, platform: platform, platformName: platformName,
                                           index: result.count))
            }
        }
        return result
    }

    private static func describe(_ device: cl_device_id, platform: cl_platform_id, platformName: String,
                                 index: Int) throws -> OpenCLDeviceDescriptor {
        func string(_ parameter: Int32) throws -> String {
            try clInfoString("clGetDeviceInfo") { clGetDeviceInfo(device, cl_device_info(parameter), $0, $1, $2) }
        }
        func value<T: FixedWidthInteger>(_ parameter: Int32, _ type: T.Type) throws -> T {
            try clInfoValue("clGetDeviceInfo", as: type) {
                clGetDeviceInfo(device, cl_device_info(parameter), $0, $1, $2)
            }
        }
        let rawType = try value(CL_DEVICE_TYPE, cl_device_type.self)
        let type: DeviceType =
            if rawType & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { .gpu }
            else if rawType & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { .cpu }
            else if rawType & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { .accelerator }
            else { .other }
        let info = DeviceInfo(
            identifier: "opencl:\(index)",
            name: try string(CL_DEVICE_NAME),
            type: type,
            platform: platformName,
            computeUnits: Int(try value(CL_DEVICE_MAX_COMPUTE_UNITS, cl_uint.self)),
            globalMemoryBytes: Int(try value(CL_DEVICE_GLOBAL_MEM_SIZE, cl_ulong.self)),
            maxAllocationBytes: Int(try value(CL_DEVICE_MAX_MEM_ALLOC_SIZE, cl_ulong.self)),
            driverVersion: try string(CL_DRIVER_VERSION))
        return OpenCLDeviceDescriptor(
            index: index, platformID: platform, deviceID: device, info: info,
            openCLCVersion: try string(CL_DEVICE_OPENCL_C_VERSION),
            maxWorkGroupSize: Int(try value(CL_DEVICE_MAX_WORK_GROUP_SIZE, Int.self)),
            properties: OpenCLDeviceProperties(
                vendor: try string(CL_DEVICE_VENDOR),
                nativeFloatVectorWidth: Int(try value(CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, cl_uint.self)),
                preferredFloatVectorWidth: Int(try value(CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, cl_uint.self)),
                localMemoryBytes: Int(try value(CL_DEVICE_LOCAL_MEM_SIZE, cl_ulong.self)),
                dedicatedLocalMemory: try value(CL_DEVICE_LOCAL_MEM_TYPE, cl_uint.self) == CL_LOCAL,
                maxWorkGroupSize: Int(try value(CL_DEVICE_MAX_WORK_GROUP_SIZE, Int.self))))
    }
}
