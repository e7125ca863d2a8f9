/// What kind of processor runs a device's kernels; kernel variants are chosen by it.
public enum DeviceType: String, Sendable {
    case cpu
    case gpu
    case accelerator
    case other
}

/// A description of a device, for listings and logs.
public struct DeviceInfo: Sendable, CustomStringConvertible {
    /// Stable identifier as accepted by `--device`: `cpu`, `cpu-reference` or `opencl:N`.
    public var identifier: String
    public var name: String
    public var type: DeviceType
    /// OpenCL platform name, empty for the built-in CPU devices.
    public var platform: String
    public var computeUnits: Int
    public var globalMemoryBytes: Int
    public var maxAllocationBytes: Int
    public var driverVersion: String

    public init(identifier: String, name: String, type: DeviceType, platform: String, computeUnits: Int,
                globalMemoryBytes: Int, maxAllocationBytes: Int, driverVersion: String) {
        self.identifier = identifier
        self.name = name
        self.type = type
        self.platform = platform
        self.computeUnits = computeUnits
        self.globalMemoryBytes = globalMemoryBytes
        self.maxAllocationBytes = maxAllocationBytes
        self.driverVersion = driverVersion
    }

    public var description: String {
        let memory = String(format: "%.1f GiB", Double(globalMemoryBytes) / 1_073_741_824)
        let where_ = platform.isEmpty ? "" : " [\(platform)]"
        return "\(identifier): \(name)\(where_), \(type.rawValue), \(computeUnits) compute units, \(memory), driver \(driverVersion)"
    }
}

/// Memory management every device provides. Ops are declared by family in `Ops/*.swift`.
public protocol DeviceMemory: AnyObject, Sendable {
    var info: DeviceInfo { get }
    /// Allocates `byteCount` bytes (contents undefined).
    func allocate(byteCount: Int) throws -> DeviceBuffer
    /// Returns memory to the device; called by ``DeviceBuffer`` only.
    func recycle(handle: OpaquePointer, byteCount: Int)
    /// Copies host bytes into `buffer` starting at `offset` bytes.
    func write(_ bytes: UnsafeRawBufferPointer, to buffer: DeviceBuffer, offset: Int) throws
    /// Copies `bytes.count` bytes of `buffer`, starting at `offset`, to the host.
    func read(_ buffer: DeviceBuffer, offset: Int, into bytes: UnsafeMutableRawBufferPointer) throws
    /// Copies `byteCount` bytes between buffers of this device.
    func copy(from source: DeviceBuffer, sourceOffset: Int, to destination: DeviceBuffer, destinationOffset: Int,
              byteCount: Int) throws
    /// Waits until all queued work has finished.
    func synchronize() throws
}

/// A compute device: memory plus every op family. ``ReferenceDevice`` is the reference every other device is checked
/// against; ``CPUDevice`` is the fast host path; ``OpenCLDevice`` runs the kernels of `Kernels/*.cl`.
///
/// Every op has one prologue: its public entry point lives in its family's protocol extension, checks the
/// arguments, allocates the results (and handles empty batches), then calls the device's hook of the same name,
/// whose labels end with the results (`into:`) and the checked sizes. A device implements only the hooks, so no
/// device can skip a check or answer bad input differently.
public protocol Device: DeviceMemory, ElementwiseOps, ChaosGameOps, GemmOps, ConvOps, DistanceOps, BatchNormOps,
    PoolOps, LossOps, OptimizerOps, ImageBatchOps {}
