/// Element-by-element ops and the small helpers a training step needs around them. Kernels:
/// `Kernels/elementwise.cl`.
///
/// Unless stated otherwise the tensors are float32 of any shape, inputs of one op have equal shapes, and results
/// are new tensors of that shape. Ops marked *in place* overwrite their last tensor argument.
public protocol ElementwiseOps {
    /// Sets every element of `x` to `value` (converted to `x.dtype`; `uint8` takes the low 8 bits of the integer).
    func fill(_ x: Tensor, value: Float) throws

    /// Rectified linear unit `y = max(x, 0)` (Nair & Hinton, ICML 2010); NaN passes through, as in PyTorch.
    func relu(_ x: Tensor) throws -> Tensor

    /// Gradient of ``relu(_:)`` given its output: `dx = y > 0 ? dy : 0`.
    /// - Parameters:
    ///   - outputGradient: `dy`, the shape of `output`.
    ///   - output: `y`, the forward result (of ``relu(_:)`` or ``addRelu(_:_:)``).
    func reluBackward(outputGradient: Tensor, output: Tensor) throws -> Tensor

    /// `a + b`: the residual sum of a ResNet block.
    func add(_ a: Tensor, _ b: Tensor) throws -> Tensor

    /// `max(a + b, 0)` in one pass: the end of a ResNet basic or bottleneck block (He et al., CVPR 2016). Its
    /// gradient is ``reluBackward(outputGradient:output:)`` of the result, shared by both inputs.
    func addRelu(_ a: Tensor, _ b: Tensor) throws -> Tensor

    /// `y ← y + α·x`, in place (gradient accumulation).
    func axpy(_ alpha: Float, _ x: Tensor, _ y: Tensor) throws

    /// `x ← α·x`, in place.
    func scale(_ x: Tensor, by alpha: Float) throws

    /// Sums over one axis: `[d₀, …, d_axis, …]` → the shape without `d_axis` (the bias gradient of a fully
    /// connected layer is the sum over axis 0 of `[N, K]`). Each output is a sequential float sum of `d_axis`
    /// terms; an axis of length 0 gives zeros.
    func sum(_ x: Tensor, axis: Int) throws -> Tensor
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
    func validateSum(_ x: Tensor, axis: Int, device: AnyObject) throws -> (outer: Int, length: Int, inner: Int) {
        let op = "sum"
        try OpValidation.sameDevice(op, device, x)
        try OpValidation.require(x, op, dtype: .float32)
        guard x.shape.indices.contains(axis) else {
            throw ComputeError.invalidArgument(op: op, detail: "axis \(axis) outside a tensor of shape \(x.shape)")
        }
        return (x.shape[..<axis].reduce(1, *), x.shape[axis], x.shape[(axis + 1)...].reduce(1, *))
    }
}
