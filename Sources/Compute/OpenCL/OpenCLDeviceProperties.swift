/// The properties of an OpenCL device that kernel variants are chosen from (`clGetDeviceInfo`), so that a choice
/// never assumes one CPU or GPU.
public struct OpenCLDeviceProperties: Sendable, Equatable {
    /// `CL_DEVICE_VENDOR`.
    public var vendor: String
    /// `CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT`: floats per hardware vector register (PoCL: 16 for AVX-512, 8 for AVX2).
    public var nativeFloatVectorWidth: Int
    /// `CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT`.
    public var preferredFloatVectorWidth: Int
    /// `CL_DEVICE_LOCAL_MEM_SIZE`.
    public var localMemoryBytes: Int
    /// Whether `__local` memory is a dedicated on-chip store (`CL_LOCAL`) rather than global memory (`CL_GLOBAL`).
    public var dedicatedLocalMemory: Bool
    /// `CL_DEVICE_MAX_WORK_GROUP_SIZE`.
    public var maxWorkGroupSize: Int

    public init(vendor: String, nativeFloatVectorWidth: Int, preferredFloatVectorWidth: Int, localMemoryBytes: Int,
                dedicatedLocalMemory: Bool, maxWorkGroupSize: Int) {
        self.vendor = vendor
        self.nativeFloatVectorWidth = nativeFloatVectorWidth
        self.preferredFloatVectorWidth = preferredFloatVectorWidth
        self.localMemoryBytes = localMemoryBytes
        self.dedicatedLocalMemory = dedicatedLocalMemory
        self.maxWorkGroupSize = maxWorkGroupSize
    }
}
