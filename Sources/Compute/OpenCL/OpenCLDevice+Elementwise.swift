import COpenCL

extension OpenCLDevice: ElementwiseOps {
    private static let reluForward = KernelReference("elementwise", "relu_forward")
    private static let reluBackward = KernelReference("elementwise", "relu_backward")
    private static let add = KernelReference("elementwise", "add")
    private static let addRelu = KernelReference("elementwise", "add_relu")
    private static let axpy = KernelReference("elementwise", "axpy")
    private static let scale = KernelReference("elementwise", "scale")
    private static let sumAxis = KernelReference("elementwise", "sum_axis")

    static let elementwiseKernels = [reluForward, reluBackward, add, addRelu, axpy, scale, sumAxis]

    public func fill(_ x: Tensor, value: Float) throws {
        guard x.count > 0 else { return }
        var pattern = Self.fillPattern(value, dtype: x.dtype)
        var byte = UInt8(truncatingIfNeeded: pattern)
        let status: cl_int =
            if x.dtype == .uint8 {
                clEnqueueFillBuffer(queue, x.buffer.handle, &byte, 1, 0, x.byteCount, 0, nil, nil)
            } else {
                clEnqueueFillBuffer(queue, x.buffer.handle, &pattern, 4, 0, x.byteCount, 0, nil, nil)
            }
        try clCheck(status, "clEnqueueFillBuffer", "filling \(x)")
    }

    public func relu(_ x: Tensor) throws -> Tensor {
        try validateElementwise("relu", device: self, x)
        let y = try Tensor(uninitialized: x.shape, on: self)
        try launchElementwise(Self.reluForward, count: x.count, [.tensor(x), .int64(Int64(x.count)), .tensor(y)])
        return y
    }

    public func reluBackward(outputGradient: Tensor, output: Tensor) throws -> Tensor {
        try validateElementwise("reluBackward", device: self, outputGradient, output)
        let dx = try Tensor(uninitialized: output.shape, on: self)
        try launchElementwise(Self.reluBackward, count: output.count,
                              [.tensor(outputGradient), .tensor(output), .int64(Int64(output.count)), .tensor(dx)])
        return dx
    }

    public func add(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try validateElementwise("add", device: self, a, b)
        let y = try Tensor(uninitialized: a.shape, on: self)
        try launchElementwise(Self.add, count: a.count, [.tensor(a), .tensor(b), .int64(Int64(a.count)), .tensor(y)])
        return y
    }

    public func addRelu(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try validateElementwise("addRelu", device: self, a, b)
        let y = try Tensor(uninitialized: a.shape, on: self)
        try launchElementwise(Self.addRelu, count: a.count,
                              [.tensor(a), .tensor(b), .int64(Int64(a.count)), .tensor(y)])
        return y
    }

    public func axpy(_ alpha: Float, _ x: Tensor, _ y: Tensor) throws {
        try validateElementwise("axpy", device: self, x, y)
        try launchElementwise(Self.axpy, count: x.count, [.float(alpha), .tensor(x), .int64(Int64(x.count)), .tensor(y)])
    }

    public func scale(_ x: Tensor, by alpha: Float) throws {
        try validateElementwise("scale", device: self, x)
        try launchElementwise(Self.scale, count: x.count, [.float(alpha), .int64(Int64(x.count)), .tensor(x)])
    }

    public func sum(_ x: Tensor, axis: Int) throws -> Tensor {
        let (outer, length, inner) = try validateSum(x, axis: axis, device: self)
        var shape = x.shape
        shape.remove(at: axis)
        let y = try Tensor(uninitialized: shape, on: self)
        try launchElementwise(Self.sumAxis, count: outer * inner,
                              [.tensor(x), .int64(Int64(outer)), .int(length), .int64(Int64(inner)), .tensor(y)])
        return y
    }

    /// Launches a one-work-item-per-element kernel over `count` items.
    func launchElementwise(_ kernel: KernelReference, count: Int, _ arguments: [KernelArgument]) throws {
        try launch(kernel, global: [count], local: [preferredGroupSize], arguments)
    }
}
