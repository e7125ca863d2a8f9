import COpenCL

extension OpenCLDevice: ElementwiseOps {
    static let elementwiseKernels: [KernelReference] = []

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
}
