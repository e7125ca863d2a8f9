/// Memory owned by one ``Device``: host memory for the CPU devices, a `cl_mem` for OpenCL.
///
/// The buffer gives its memory back to the device when the last reference goes away, so devices can pool
/// allocations and a training loop that repeats the same shapes allocates nothing after its first step.
public final class DeviceBuffer: @unchecked Sendable {
    /// The device that owns the memory.
    public let device: any Device
    /// The device's handle: a host pointer on the CPU devices, a `cl_mem` on OpenCL.
    public let handle: OpaquePointer
    /// Size in bytes.
    public let byteCount: Int

    public init(device: any Device, handle: OpaquePointer, byteCount: Int) {
        self.device = device
        self.handle = handle
        self.byteCount = byteCount
    }

    deinit { device.recycle(handle: handle, byteCount: byteCount) }
}
