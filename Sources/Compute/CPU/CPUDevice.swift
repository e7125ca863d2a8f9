import Foundation
import Synchronization

/// The host CPU as a fast device (`cpu`): ops spread over threads, with SIMD, packed GEMM panels and chunked
/// reductions. It is checked against ``ReferenceDevice`` like every other device and shares no op code with it.
/// Its GEMM micro-kernel runs at the instruction-set level `isa` (see ``HostISA``).
public final class CPUDevice: Device, @unchecked Sendable {
    public let info: DeviceInfo
    /// The instruction-set level of the GEMM micro-kernel.
    public let isa: HostISA
    private let pool = Locked<[Int: [UnsafeMutableRawPointer]]>([:])
    private let pooledBytes = Atomic<Int>(0)
    private static let poolLimit = 2 << 30

    /// The shared fast host device (`cpu`), at the level ``HostISA/fromEnvironment()`` gives (the detected one
    /// when `FRACTALAD_HOST_ISA` is unset or unknown; device selection reports an unknown value).
    public static let fastShared = CPUDevice(isa: (try? HostISA.fromEnvironment()) ?? .detected)

    public init(isa: HostISA = .detected) {
        let level = min(isa, .detected)
        self.isa = level
        let cores = ProcessInfo.processInfo.activeProcessorCount
        info = DeviceInfo(
            identifier: level == .detected ? "cpu" : "cpu/\(level.name)",
            name: "host CPU (\(cores) threads, \(level))", type: .cpu, platform: "", computeUnits: cores,
            globalMemoryBytes: Int(ProcessInfo.processInfo.physicalMemory),
            maxAllocationBytes: Int(ProcessInfo.processInfo.physicalMemory),
            driverVersion: "FractalAD \(FractalADVersion.string)")
    }

    deinit {
        for pointer in pool.withLock({ $0.values.flatMap { $0 } }) { pointer.deallocate() }
    }

    public func allocate(byteCount: Int) throws -> DeviceBuffer {
        let bytes = max(byteCount, 1)
        let pointer = pool.withLock { $0[bytes]?.popLast() }
        if let pointer {
            pooledBytes.subtract(bytes, ordering: .relaxed)
            return DeviceBuffer(device: self, handle: OpaquePointer(pointer), byteCount: bytes)
        }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        return DeviceBuffer(device: self, handle: OpaquePointer(fresh), byteCount: bytes)
    }

    public func recycle(handle: OpaquePointer, byteCount: Int) {
        let pointer = UnsafeMutableRawPointer(handle)
        if pooledBytes.load(ordering: .relaxed) + byteCount > CPUDevice.poolLimit {
            pointer.deallocate()
            return
        }
        pooledBytes.add(byteCount, ordering: .relaxed)
        pool.withLock { $0[byteCount, default: []].append(pointer) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to buffer: DeviceBuffer, offset: Int) throws {
        try checkRange(buffer, offset: offset, count: bytes.count, "write")
        guard let source = bytes.baseAddress else { return }
        (UnsafeMutableRawPointer(buffer.handle) + offset).copyMemory(from: source, byteCount: bytes.count)
    }

    public func read(_ buffer: DeviceBuffer, offset: Int, into bytes: UnsafeMutableRawBufferPointer) throws {
        try checkRange(buffer, offset: offset, count: bytes.count, "read")
        guard let destination = bytes.baseAddress else { return }
        destination.copyMemory(from: UnsafeRawPointer(buffer.handle) + offset, byteCount: bytes.count)
    }

    public func copy(from source: DeviceBuffer, sourceOffset: Int, to destination: DeviceBuffer,
                     destinationOffset: Int, byteCount: Int) throws {
        try checkRange(source, offset: sourceOffset, count: byteCount, "copy")
        try checkRange(destination, offset: destinationOffset, count: byteCount, "copy")
        (UnsafeMutableRawPointer(destination.handle) + destinationOffset)
            .copyMemory(from: UnsafeRawPointer(source.handle) + sourceOffset, byteCount: byteCount)
    }

    public func synchronize() throws {}

    private func checkRange(_ buffer: DeviceBuffer, offset: Int, count: Int, _ op: String) throws {
        guard buffer.device === self else { throw ComputeError.deviceMismatch(op: op) }
        guard offset >= 0, offset + count <= buffer.byteCount else {
            throw ComputeError.invalidArgument(
                op: op, detail: "bytes \(offset)..<\(offset + count) outside a buffer of \(buffer.byteCount)")
        }
    }
}
