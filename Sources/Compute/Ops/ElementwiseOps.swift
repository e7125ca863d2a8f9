/// `x.shape` factored around one axis: the product of the sizes before it, its own size, the product after it.
public typealias SumFactors = (outer: Int, length: Int, inner: Int)

/// Element-by-element ops and the small helpers a training step needs around them. Kernels:
/// `Kernels/elementwise.cl`.
///
/// Unless stated otherwise the tensors are float32 of any shape, inputs of one op have equal shapes, and results
/// are new tensors of that shape. Ops marked *in place* overwrite their last tensor argument.
///
/// The ops are the entry points in the extension below: they check the arguments, allocate the results and call
/// the device's hook of the same name, which only computes (see ``Device``).
public protocol ElementwiseOps {
    /// Hook of ``fill(_:value:)``.
    func fill(into x: Tensor, value: Float) throws
    /// Hook of ``relu(_:)``: fills `y`.
    func relu(_ x: Tensor, into y: Tensor) throws
    /// Hook of ``reluBackward(outputGradient:output:)``: fills `inputGradient`.
    func reluBackward(outputGradient: Tensor, output: Tensor, into inputGradient: Tensor) throws
    /// Hook of ``add(_:_:)``: fills `y`.
    func add(_ a: Tensor, _ b: Tensor, into y: Tensor) throws
    /// Hook of ``addRelu(_:_:)``: fills `y`.
    func addRelu(_ a: Tensor, _ b: Tensor, into y: Tensor) throws
    /// Hook of ``axpy(_:_:_:)``: updates `y`.
    func axpy(_ alpha: Float, _ x: Tensor, into y: Tensor) throws
    /// Hook of ``scale(_:by:)``: updates `x`.
    func scale(into x: Tensor, by alpha: Float) throws
    /// Hook of ``sum(_:axis:)``: fills `y`, with `x` seen as `[outer, length, inner]` around the axis.
    func sum(_ x: Tensor, factors: SumFactors, into y: Tensor) throws
}

extension ElementwiseOps where Self: Device {
    /// Sets every element of `x` to `value` (converted to `x.dtype`; `uint8` takes the low 8 bits of the integer).
    public func fill(_ x: Tensor, value: Float) throws {
        try OpValidation.sameDevice("fill", self, x)
        try fill(into: x, value: value)
    }

    /// Rectified linear unit `y = max(x, 0)` (Nair & Hinton, ICML 2010); NaN passes through, as in PyTorch.
    public func relu(_ x: Tensor) throws -> Tensor {
        try validateElementwise("relu", device: self, x)
        let y = try Tensor(uninitialized: x.shape, on: self)
        try relu(x, into: y)
        return y
    }

    /// Gradient of ``relu(_:)`` given its output: `dx = y > 0 ? dy : 0`.
    /// - Parameters:
    ///   - outputGradient: `dy`, the shape of `output`.
    ///   - output: `y`, the forward result (of ``relu(_:)`` or ``addRelu(_:_:)``).
    public func reluBackward(outputGradient: Tensor, output: Tensor) throws -> Tensor {
        try validateElementwise("reluBackward", device: self, outputGradient, output)
        let inputGradient = try Tensor(uninitialized: output.shape, on: self)
        try reluBackward(outputGradient: outputGradient, output: output, into: inputGradient)
        return inputGradient
    }

    /// `a + b`: the residual sum of a ResNet block.
    public func add(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try validateElementwise("add", device: self, a, b)
        let y = try Tensor(uninitialized: a.shape, on: self)
        try add(a, b, into: y)
        return y
    }

    /// `max(a + b, 0)` in one pass: the end of a ResNet basic or bottleneck block (He et al., CVPR 2016). Its
    /// gradient is ``reluBackward(outputGradient:output:)`` of the result, shared by both inputs.
    public func addRelu(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try validateElementwise("addRelu", device: self, a, b)
        let y = try Tensor(uninitialized: a.shape, on: self)
        try addRelu(a, b, into: y)
        return y
    }

    /// `y ← y + α·x`, in place (gradient accumulation).
    public func axpy(_ alpha: Float, _ x: Tensor, _ y: Tensor) throws {
        try validateElementwise("axpy", device: self, x, y)
        try axpy(alpha, x, into: y)
    }

    /// `x ← α·x`, in place.
    public func scale(_ x: Tensor, by alpha: Float) throws {
        try validateElementwise("scale", device: self, x)
        try scale(into: x, by: alpha)
    }

    /// Sums over one axis: `[d₀, …, d_axis, …]` → the shape without `d_axis` (the bias gradient of a fully
    /// connected layer is the sum over axis 0 of `[N, K]`). Each output is a sequential float sum of `d_axis`
    /// terms; an axis of length 0 gives zeros.
    public func sum(_ x: Tensor, axis: Int) throws -> Tensor {
        let factors = try validateSum(x, axis: axis, device: self)
        var shape = x.shape
        shape.remove(at: axis)
        let y = try Tensor(uninitialized: shape, on: self)
        try sum(x, factors: factors, into: y)
        return y
    }
}

extension ElementwiseOps {
    /// Bit pattern of `value` in `dtype`, shared by the devices' `fill`.
    static func fillPattern(_ value: Float, dtype: DType) -> UInt32 {
        switch dtype {
        case .float32: value.bitPattern
        case .int32: UInt32(bitPattern: Int32(value))
        case .uint8: UInt32(UInt8(truncatingIfNeeded: Int(value)))
        }
    }

    /// Checks a unary or binary elementwise op: float32 tensors of one shape on `device`.
    func validateElementwise(_ op: String, device: AnyObject, _ first: Tensor, _ others: Tensor...) throws {
        for tensor in [first] + others { try OpValidation.sameDevice(op, device, tensor) }
        for tensor in others { try OpValidation.sameFloatShape(op, first, tensor) }
        try OpValidation.require(first, op, dtype: .float32)
    }

    /// Checks ``sum(_:axis:)``; returns the `(outer, length, inner)` factorisation of `x.shape` around `axis`.
    func validateSum(_ x: Tensor, axis: Int, device: AnyObject) throws -> SumFactors {
        let op = "sum"
        try OpValidation.sameDevice(op, device, x)
        try OpValidation.require(x, op, dtype: .float32)
        guard x.shape.indices.contains(axis) else {
            throw ComputeError.invalidArgument(op: op, detail: "axis \(axis) outside a tensor of shape \(x.shape)")
        }
        return (x.shape[..<axis].reduce(1, *), x.shape[axis], x.shape[(axis + 1)...].reduce(1, *))
    }
}
