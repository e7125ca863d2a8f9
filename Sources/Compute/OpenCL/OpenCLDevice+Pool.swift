extension OpenCLDevice: PoolOps {
    private static let maxForward = KernelReference("pool", "max_pool2d_forward")
    private static let maxBackward = KernelReference("pool", "max_pool2d_backward")
    private static let averageForward = KernelReference("pool", "avg_pool2d_forward")
    private static let averageBackward = KernelReference("pool", "avg_pool2d_backward")
    private static let adaptiveForward = KernelReference("pool", "adaptive_avg_pool2d_forward")
    private static let adaptiveBackward = KernelReference("pool", "adaptive_avg_pool2d_backward")
    private static let maxForwardCPU = KernelReference("pool", "max_pool2d_forward_cpu")
    private static let maxBackwardCPU = KernelReference("pool", "max_pool2d_backward_cpu")
    private static let averageForwardCPU = KernelReference("pool", "avg_pool2d_forward_cpu")
    private static let averageBackwardCPU = KernelReference("pool", "avg_pool2d_backward_cpu")
    private static let adaptiveForwardCPU = KernelReference("pool", "adaptive_avg_pool2d_forward_cpu")
    private static let adaptiveBackwardCPU = KernelReference("pool", "adaptive_avg_pool2d_backward_cpu")

    static let poolKernels = [maxForward, maxBackward, averageForward, averageBackward, adaptiveForward,
                              adaptiveBackward, maxForwardCPU, maxBackwardCPU, averageForwardCPU, averageBackwardCPU,
                              adaptiveForwardCPU, adaptiveBackwardCPU]

    public func maxPool2d(_ x: Tensor, window: PoolWindow) throws -> (output: Tensor, indices: Tensor) {
        let d = try validatePool("maxPool2d", x: x, window: window, device: self)
        let output = try Tensor(uninitialized: [d.n, d.c, d.oh, d.ow], on: self)
        let indices = try Tensor(uninitialized: [d.n, d.c, d.oh, d.ow], dtype: .int32, on: self)
        try launchForward(Self.maxForward, Self.maxForwardCPU, d, input: x,
                          Self.geometry(d, window) + [.tensor(output), .tensor(indices)])
        return (output, indices)
    }

    public func maxPool2dBackward(outputGradient: Tensor, indices: Tensor, window: PoolWindow, inputShape: [Int])
        throws -> Tensor {
        let op = "maxPool2dBackward"
        let d = try validatePoolBackward(op, outputGradient: outputGradient, window: window, inputShape: inputShape,
                                         device: self)
        try OpValidation.sameDevice(op, self, indices)
        try OpValidation.require(indices, op, dtype: .int32, shape: outputGradient.shape)
        let inputGradient = try Tensor(uninitialized: inputShape, on: self)
        if variant == .cpu {
            try launch(Self.maxBackwardCPU, global: [d.n * d.c], local: [1],
                       [.tensor(outputGradient), .tensor(indices), .int(d.n * d.c), .int(d.h), .int(d.w), .int(d.oh),
                        .int(d.ow), .tensor(inputGradient)])
        } else {
            try launch(Self.maxBackward, global: [d.w, d.h, d.n * d.c],
                       [.tensor(outputGradient), .tensor(indices)] + Self.geometry(d, window) + [.tensor(inputGradient)])
        }
        return inputGradient
    }

    public func avgPool2d(_ x: Tensor, window: PoolWindow) throws -> Tensor {
        let d = try validatePool("avgPool2d", x: x, window: window, device: self)
        let output = try Tensor(uninitialized: [d.n, d.c, d.oh, d.ow], on: self)
        try launchForward(Self.averageForward, Self.averageForwardCPU, d, input: x,
                          Self.geometry(d, window) + [.tensor(output)])
        return output
    }

    public func avgPool2dBackward(outputGradient: Tensor, window: PoolWindow, inputShape: [Int]) throws -> Tensor {
        let d = try validatePoolBackward("avgPool2dBackward", outputGradient: outputGradient, window: window,
                                         inputShape: inputShape, device: self)
        let inputGradient = try Tensor(uninitialized: inputShape, on: self)
        try launchBackward(Self.averageBackward, Self.averageBackwardCPU, d, gradient: outputGradient,
                           Self.geometry(d, window) + [.tensor(inputGradient)])
        return inputGradient
    }

    public func adaptiveAvgPool2d(_ x: Tensor, outputHeight: Int, outputWidth: Int) throws -> Tensor {
        let (n, c, h, w) = try validateAdaptivePool(x: x, outputHeight: outputHeight, outputWidth: outputWidth,
                                                    device: self)
        let output = try Tensor(uninitialized: [n, c, outputHeight, outputWidth], on: self)
        try launchForward(Self.adaptiveForward, Self.adaptiveForwardCPU, (n, c, h, w, outputHeight, outputWidth),
                          input: x, [.int(h), .int(w), .int(outputHeight), .int(outputWidth), .tensor(output)])
        return output
    }

    public func adaptiveAvgPool2dBackward(outputGradient: Tensor, inputShape: [Int]) throws -> Tensor {
        let (n, c, h, w, oh, ow) = try validateAdaptivePoolBackward(outputGradient: outputGradient,
                                                                    inputShape: inputShape, device: self)
        let inputGradient = try Tensor(uninitialized: inputShape, on: self)
        try launchBackward(Self.adaptiveBackward, Self.adaptiveBackwardCPU, (n, c, h, w, oh, ow),
                           gradient: outputGradient, [.int(h), .int(w), .int(oh), .int(ow), .tensor(inputGradient)])
        return inputGradient
    }

    /// Output rows per work-group of the CPU forward kernels: one row per group makes PoCL's per-group scheduling
    /// cost dominate at ResNet sizes (229 K rows at the stem).
    private static let rowsPerGroup = 16

    /// A forward kernel: one work-item per output on GPUs, per output row (with the row count as an extra
    /// argument) on CPUs.
    private func launchForward(_ gpu: KernelReference, _ cpu: KernelReference,
                               _ d: (n: Int, c: Int, h: Int, w: Int, oh: Int, ow: Int), input: Tensor,
                               _ arguments: [KernelArgument]) throws {
        if variant == .cpu {
            try launch(cpu, global: [d.n * d.c * d.oh], local: [Self.rowsPerGroup], [.tensor(input), .int(d.n * d.c * d.oh)] + arguments)
        } else {
            try launch(gpu, global: [d.ow, d.oh, d.n * d.c], [.tensor(input)] + arguments)
        }
    }

    /// A backward kernel: one gathering work-item per input position on GPUs, one scattering work-item per plane
    /// (with the plane count as an extra argument) on CPUs.
    private func launchBackward(_ gpu: KernelReference, _ cpu: KernelReference,
                                _ d: (n: Int, c: Int, h: Int, w: Int, oh: Int, ow: Int), gradient: Tensor,
                                _ arguments: [KernelArgument]) throws {
        if variant == .cpu {
            try launch(cpu, global: [d.n * d.c], local: [1], [.tensor(gradient), .int(d.n * d.c)] + arguments)
        } else {
            try launch(gpu, global: [d.w, d.h, d.n * d.c], [.tensor(gradient)] + arguments)
        }
    }

    /// The shared size and window arguments of the windowed pooling kernels.
    private static func geometry(_ d: (n: Int, c: Int, h: Int, w: Int, oh: Int, ow: Int), _ window: PoolWindow)
        -> [KernelArgument] {
        [.int(d.h), .int(d.w), .int(d.oh), .int(d.ow), .int(window.kernelHeight), .int(window.kernelWidth),
         .int(window.strideHeight), .int(window.strideWidth), .int(window.paddingHeight), .int(window.paddingWidth)]
    }
}
