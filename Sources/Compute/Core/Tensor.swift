/// A dense row-major array on one device. Image batches are NCHW (`[N, C, H, W]`).
///
/// `Tensor` is a value: its shape and element type never change, and ops return new tensors. The storage is a
/// reference-counted ``DeviceBuffer``; ``reshaped(_:)`` shares it.
public struct Tensor: Sendable {
    public let shape: [Int]
    public let dtype: DType
    public let buffer: DeviceBuffer

    /// The device holding the data.
    public var device: any Device { buffer.device }
    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }
    public var byteCount: Int { count * dtype.byteSize }

    /// Wraps an existing buffer; it must hold at least `shape`'s elements (the callers, inside this module, have
    /// checked both).
    init(shape: [Int], dtype: DType, buffer: DeviceBuffer) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) * dtype.byteSize <= buffer.byteCount, "buffer too small for \(shape)")
        self.shape = shape
        self.dtype = dtype
        self.buffer = buffer
    }

    /// An uninitialised tensor.
    public init(uninitialized shape: [Int], dtype: DType = .float32, on device: any Device) throws {
        try Tensor.checkShape(shape)
        let bytes = max(1, shape.reduce(1, *) * dtype.byteSize)
        self.init(shape: shape, dtype: dtype, buffer: try device.allocate(byteCount: bytes))
    }

    /// A tensor filled with zeros.
    public init(zeros shape: [Int], dtype: DType = .float32, on device: any Device) throws {
        try self.init(uninitialized: shape, dtype: dtype, on: device)
        try device.fill(self, value: 0)
    }

    /// A float32 tensor holding `values`.
    public init(_ values: [Float], shape: [Int], on device: any Device) throws {
        try self.init(values, shape: shape, dtype: .float32, on: device)
    }

    /// An int32 tensor holding `values`.
    public init(_ values: [Int32], shape: [Int], on device: any Device) throws {
        try self.init(values, shape: shape, dtype: .int32, on: device)
    }

    /// A uint8 tensor holding `values`.
    public init(_ values: [UInt8], shape: [Int], on device: any Device) throws {
        try self.init(values, shape: shape, dtype: .uint8, on: device)
    }

    private init<T>(_ values: [T], shape: [Int], dtype: DType, on device: any Device) throws {
        try Tensor.checkShape(shape)
        guard values.count == shape.reduce(1, *) else {
            throw ComputeError.shapeMismatch(op: "Tensor.init",
                                             detail: "\(values.count) values for shape \(shape)")
        }
        try self.init(uninitialized: shape, dtype: dtype, on: device)
        try values.withUnsafeBytes { try device.write($0, to: buffer, offset: 0) }
    }

    private static func checkShape(_ shape: [Int]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ComputeError.invalidArgument(op: "Tensor", detail: "negative dimension in \(shape)")
        }
    }

    /// The same data seen with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard newShape.reduce(1, *) == count, newShape.allSatisfy({ $0 >= 0 }) else {
            throw ComputeError.shapeMismatch(op: "reshaped", detail: "\(shape) cannot become \(newShape)")
        }
        return Tensor(shape: newShape, dtype: dtype, buffer: buffer)
    }

    /// Copies the elements to the host.
    public func floats() throws -> [Float] { try elements(as: Float.self, expecting: .float32) }
    public func int32s() throws -> [Int32] { try elements(as: Int32.self, expecting: .int32) }
    public func bytes() throws -> [UInt8] { try elements(as: UInt8.self, expecting: .uint8) }

    private func elements<T>(as: T.Type, expecting: DType) throws -> [T] {
        guard dtype == expecting else {
            throw ComputeError.dtypeMismatch(op: "read", expected: expecting, got: dtype)
        }
        return try [T](unsafeUninitializedCapacity: count) { storage, initialized in
            try device.read(buffer, offset: 0, into: UnsafeMutableRawBufferPointer(storage))
            initialized = count
        }
    }

    /// A copy of this tensor on `target` (the same buffer when `target` already holds it).
    public func moved(to target: any Device) throws -> Tensor {
        if target === buffer.device { return self }
        let copy = try Tensor(uninitialized: shape, dtype: dtype, on: target)
        var staging = [UInt8](repeating: 0, count: byteCount)
        try staging.withUnsafeMutableBytes { try device.read(buffer, offset: 0, into: $0) }
        try staging.withUnsafeBytes { try target.write($0, to: copy.buffer, offset: 0) }
        return copy
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor(\(shape), \(dtype), \(buffer.device.info.identifier))" }
}
