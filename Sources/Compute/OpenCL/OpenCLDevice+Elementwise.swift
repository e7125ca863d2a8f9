import COpenCL

extension OpenCLDevice: ElementwiseOps {
    public func fill(into x: Tensor, value: Float) throws {
        guard x.count > 0 else { return }
        var pattern = Self.fillPattern(value, dtype: x.dtype)
        var byte = UInt8(truncatingIfNeeded: pattern)
        try clCall("clEnqueueFillBuffer", "filling \(x)") {
            if x.dtype == .uint8 {
                clEnqueueFillBuffer(queue, x.buffer.handle, &byte, 1, 0, x.byteCount, 0, nil, nil)
            } else {
                clEnqueueFillBuffer(queue, x.buffer.handle, &pattern, 4, 0, x.byteCount, 0, nil, nil)
            }
        }
    }

    public func relu(_ x: Tensor, into y: Tensor) throws {
        try launchElementwise(Self.kernels.reluForward, count: x.count,
                              [.tensor(x), .int64(Int64(x.count)), .tensor(y)])
    }

    public func reluBackward(outputGradient: Tensor, output: Tensor, into inputGradient: Tensor) throws {
        try launchElementwise(Self.kernels.reluBackward, count: output.count,
                              [.tensor(outputGradient), .tensor(output), .int64(Int64(output.count)),
                               .tensor(inputGradient)])
    }

    public func add(_ a: Tensor, _ b: Tensor, into y: Tensor) throws {
        try launchElementwise(Self.kernels.add, count: a.count,
                              [.tensor(a), .tensor(b), .int64(Int64(a.count)), .tensor(y)])
    }

    public func addRelu(_ a: Tensor, _ b: Tensor, into y: Tensor) throws {
        try launchElementwise(Self.kernels.addRelu, count: a.count,
                              [.tensor(a), .tensor(b), .int64(Int64(a.count)), .tensor(y)])
    }

    public func axpy(_ alpha: Float, _ x: Tensor, into y: Tensor) throws {
        try launchElementwise(Self.kernels.axpy, count: x.count,
                              [.float(alpha), .tensor(x), .int64(Int64(x.count)), .tensor(y)])
    }

    public func scale(into x: Tensor, by alpha: Float) throws {
        try launchElementwise(Self.kernels.scale, count: x.count, [.float(alpha), .int64(Int64(x.count)), .tensor(x)])
    }

    public func sum(_ x: Tensor, factors: SumFactors, into y: Tensor) throws {
        let (outer, length, inner) = factors
        try launchElementwise(Self.kernels.sumAxis, count: outer * inner,
                              [.tensor(x), .int64(Int64(outer)), .int(length), .int64(Int64(inner)), .tensor(y)])
    }

    /// Launches a one-work-item-per-element kernel over `count` items.
    func launchElementwise(_ kernel: KernelReference, count: Int, _ arguments: [KernelArgument]) throws {
        try launch(kernel, global: [count], local: [preferredGroupSize], arguments)
    }
}
