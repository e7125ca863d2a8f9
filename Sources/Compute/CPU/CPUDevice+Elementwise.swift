extension CPUDevice: ElementwiseOps {
    public func fill(_ x: Tensor, value: Float) throws {
        switch x.dtype {
        case .float32: x.host(Float.self).update(repeating: value, count: x.count)
        case .int32: x.host(Int32.self).update(repeating: Int32(value), count: x.count)
        case .uint8: x.host(UInt8.self).update(repeating: UInt8(truncatingIfNeeded: Int(value)), count: x.count)
        }
    }

    public func relu(_ x: Tensor) throws -> Tensor {
        try validateElementwise("relu", device: self, x)
        return try map(x) { $0 < 0 ? 0 : $0 }
    }

    public func reluBackward(outputGradient: Tensor, output: Tensor) throws -> Tensor {
        try validateElementwise("reluBackward", device: self, outputGradient, output)
        return try map(outputGradient, output) { dy, y in y > 0 ? dy : 0 }
    }

    public func add(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try validateElementwise("add", device: self, a, b)
        return try map(a, b) { $0 + $1 }
    }

    public func addRelu(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try validateElementwise("addRelu", device: self, a, b)
        return try map(a, b) { a, b in
            let sum = a + b
            return sum < 0 ? 0 : sum
        }
    }

    public func axpy(_ alpha: Float, _ x: Tensor, _ y: Tensor) throws {
        try validateElementwise("axpy", device: self, x, y)
        let source = SendablePointer(x.host(Float.self)), target = SendablePointer(y.host(Float.self))
        forEachChunk(x.count) { range in
            for i in range { target[i] += alpha * source[i] }
        }
    }

    public func scale(_ x: Tensor, by alpha: Float) throws {
        try validateElementwise("scale", device: self, x)
        let target = SendablePointer(x.host(Float.self))
        forEachChunk(x.count) { range in
            for i in range { target[i] *= alpha }
        }
    }

    public func sum(_ x: Tensor, axis: Int) throws -> Tensor {
        let (outer, length, inner) = try validateSum(x, axis: axis, device: self)
        var shape = x.shape
        shape.remove(at: axis)
        let result = try Tensor(uninitialized: shape, on: self)
        let source = SendablePointer(x.host(Float.self)), out = SendablePointer(result.host(Float.self))
        forEach(outer) { o in
            for i in 0..<inner {
                var total: Float = 0
                for j in 0..<length { total += source[(o * length + j) * inner + i] }
                out[o * inner + i] = total
            }
        }
        return result
    }

    /// A new tensor with `transform` applied to each element of `x`.
    private func map(_ x: Tensor, _ transform: @Sendable (Float) -> Float) throws -> Tensor {
        let result = try Tensor(uninitialized: x.shape, on: self)
        let source = SendablePointer(x.host(Float.self)), out = SendablePointer(result.host(Float.self))
        forEachChunk(x.count) { range in
            for i in range { out[i] = transform(source[i]) }
        }
        return result
    }

    /// A new tensor with `transform` applied to each pair of elements of `a` and `b`.
    private func map(_ a: Tensor, _ b: Tensor, _ transform: @Sendable (Float, Float) -> Float) throws
        -> Tensor {
        let result = try Tensor(uninitialized: a.shape, on: self)
        let left = SendablePointer(a.host(Float.self)), right = SendablePointer(b.host(Float.self))
        let out = SendablePointer(result.host(Float.self))
        forEachChunk(a.count) { range in
            for i in range { out[i] = transform(left[i], right[i]) }
        }
        return result
    }
}
