extension OpenCLDevice: PoolOps {
    public func maxPool2d(_ x: Tensor, window: PoolWindow, geometry: PoolGeometry, into output: Tensor, indices: Tensor)
        throws {
        let d = geometry
        try launchForward(Self.kernels.maxPool2dForward, Self.kernels.maxPool2dForwardCPU, d, input: x,
                          Self.geometry(d, window) + [.tensor(output), .tensor(indices)])
    }

    public func maxPool2dBackward(outputGradient: Tensor, indices: Tensor, window: PoolWindow, geometry: PoolGeometry,
                                  into inputGradient: Tensor) throws {
        let d = geometry
        if variant == .cpu {
            try launch(Self.kernels.maxPool2dBackwardCPU, global: [d.n * d.c], local: [1],
                       [.tensor(outputGradient), .tensor(indices), .int(d.n * d.c), .int(d.h), .int(d.w), .int(d.oh),
                        .int(d.ow), .tensor(inputGradient)])
        } else {
            try launch(Self.kernels.maxPool2dBackward, global: [d.w, d.h, d.n * d.c],
                       [.tensor(outputGradient), .tensor(indices)] + Self.geometry(d, window)
                           + [.tensor(inputGradient)])
        }
    }

    public func avgPool2d(_ x: Tensor, window: PoolWindow, geometry: PoolGeometry, into output: Tensor) throws {
        let d = geometry
        try launchForward(Self.kernels.avgPool2dForward, Self.kernels.avgPool2dForwardCPU, d, input: x,
                          Self.geometry(d, window) + [.tensor(output)])
    }

    public func avgPool2dBackward(outputGradient: Tensor, window: PoolWindow, geometry: PoolGeometry,
                                  into inputGradient: Tensor) throws {
        let d = geometry
        try launchBackward(Self.kernels.avgPool2dBackward, Self.kernels.avgPool2dBackwardCPU, d,
                           gradient: outputGradient,
                           Self.geometry(d, window) + [.tensor(inputGradient)])
    }

    public func adaptiveAvgPool2d(_ x: Tensor, geometry: PoolGeometry, into output: Tensor) throws {
        let (n, c, h, w, outputHeight, outputWidth) = geometry
        try launchForward(Self.kernels.adaptiveAvgPool2dForward, Self.kernels.adaptiveAvgPool2dForwardCPU,
                          (n, c, h, w, outputHeight, outputWidth),
                          input: x, [.int(h), .int(w), .int(outputHeight), .int(outputWidth), .tensor(output)])
    }

    public func adaptiveAvgPool2dBackward(outputGradient: Tensor, geometry: PoolGeometry,
                                          into inputGradient: Tensor) throws {
        let (n, c, h, w, oh, ow) = geometry
        try launchBackward(Self.kernels.adaptiveAvgPool2dBackward, Self.kernels.adaptiveAvgPool2dBackwardCPU,
                           (n, c, h, w, oh, ow),
                           gradient: outputGradient, [.int(h), .int(w), .int(oh), .int(ow), .tensor(inputGradient)])
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
            try launch(cpu, global: [d.n * d.c * d.oh], local: [Self.rowsPerGroup],
                       [.tensor(input), .int(d.n * d.c * d.oh)] + arguments)
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
