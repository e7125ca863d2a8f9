import Foundation

/// The executable specification (`cpu-reference`): every op as plain, single-threaded loops in
/// `ReferenceDevice+<Family>.swift`, accumulating in float64 where the op's definition needs it. Every other device,
/// the fast ``CPUDevice`` included, is tested against it, so it shares no code with them: no threads, no SIMD, no
/// buffer pool, only the op definitions of `Ops/` (window arithmetic, fixed-point maths, record layouts).
public final class ReferenceDevice: Device, @unchecked Sendable {
    public let info = DeviceInfo(
        identifier: "cpu-reference", name: "host CPU reference loops", type: .cpu, platform: "", computeUnits: 1,
        globalMemoryBytes: Int(ProcessInfo.processInfo.physicalMemory),
        maxAllocationBytes: Int(ProcessInfo.processInfo.physicalMemory),
        driverVersion: "FractalAD \(FractalADVersion.string)")

    fileprivate init() {}

    public func allocate(byteCount: Int) throws -> DeviceBuffer {
        let bytes = max(byteCount, 1)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        return DeviceBuffer(device: self, handle: OpaquePointer(memory), byteCount: bytes)
    }

    public func recycle(handle: OpaquePointer, byteCount: Int) {
        UnsafeMutableRawPointer(handle).deallocate()
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
        guard offset >= 0, count >= 0, offset + count <= buffer.byteCount else {
            throw ComputeError.invalidArgument(
                op: op, detail: "bytes \(offset)..<\(offset + count) outside a buffer of \(buffer.byteCount)")
        }
    }

    /// Runs `body(i)` for `i` in `0..<count`, in order.
    func forEach(_ count: Int, _ body: (Int) -> Void) {
        for index in 0..<count { body(index) }
    }

    /// Runs `body` once over `0..<count` (the fast device splits the range over threads).
    func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        if count > 0 { body(0..<count) }
    }
}

extension CPUDevice {
    /// The shared ``ReferenceDevice`` (`cpu-reference`) that this device, like every other, is checked against.
    public static let reference = ReferenceDevice.shared
}

extension ReferenceDevice {
    fileprivate static let shared = ReferenceDevice()
}
