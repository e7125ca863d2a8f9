extension OpenCLDevice: BatchNormOps {
    /// Work-group size of the GPU reduction kernels (`GROUP` in `batch_norm.cl`).
    private static let reductionGroup = 256

    public func batchNormForward(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                 runningVariance: Tensor, momentum: Float, epsilon: Float,
                                 geometry: BatchNormGeometry, into output: Tensor, mean: Tensor,
                                 inverseStd: Tensor) throws {
        let (n, c, plane) = geometry
        let count = n * plane, splits = splitCount(channels: c, count: count)
        let partials = try Tensor(uninitialized: [c, splits, 2], on: self)
        let shape: [KernelArgument] = [.tensor(x), .int(c), .int(plane), .int64(Int64(count)), .int(splits)]
        if variant == .cpu {
            try launch(Self.kernels.batchNormStatisticsCPU, global: [c * splits], local: [1],
                       shape + [.tensor(partials)])
        } else {
            let group = Self.reductionGroup
            try launch(Self.kernels.batchNormStatistics, global: [group * splits, c], local: [group, 1],
                       shape + [.tensor(partials), .local(bytes: 4 * group), .local(bytes: 4 * group),
                                .local(bytes: 4 * group)])
        }
        try launch(Self.kernels.batchNormFinalize, global: [c], local: [1],
                   [.tensor(partials), .int(c), .int(splits), .int64(Int64(count)), .float(momentum),
                    .float(epsilon), .tensor(mean), .tensor(inverseStd), .tensor(runningMean),
                    .tensor(runningVariance)])
        try normalize(x, n: n, c: c, plane: plane, mean: mean, inverseStd: inverseStd, gamma: gamma, beta: beta,
                      into: output)
    }

    public func batchNormInference(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                   runningVariance: Tensor, epsilon: Float, geometry: BatchNormGeometry,
                                   into output: Tensor) throws {
        let (n, c, plane) = geometry
        let parameters: [KernelArgument] = [.int(c), .int(plane), .tensor(runningMean), .tensor(runningVariance),
                                            .float(epsilon), .tensor(gamma), .tensor(beta), .tensor(output)]
        if variant == .cpu {
            try launch(Self.kernels.batchNormInferenceCPU, global: [n * c], local: [1],
                       [.tensor(x), .int(n * c)] + parameters)
        } else {
            try launch(Self.kernels.batchNormInference, global: [x.count], local: [preferredGroupSize],
                       [.tensor(x), .int64(Int64(x.count))] + parameters)
        }
    }

    public func batchNormBackward(outputGradient: Tensor, input: Tensor, gamma: Tensor, mean: Tensor,
                                  inverseStd: Tensor, geometry: BatchNormGeometry, into inputGradient: Tensor,
                                  gammaGradient: Tensor, betaGradient: Tensor) throws {
        let (n, c, plane) = geometry
        let count = n * plane, splits = splitCount(channels: c, count: count)
        let partials = try Tensor(uninitialized: [c, splits, 2], on: self)
        let sums: [KernelArgument] = [.tensor(outputGradient), .tensor(input), .tensor(mean), .int(c), .int(plane),
                                      .int64(Int64(count)), .int(splits), .tensor(partials)]
        if variant == .cpu {
            try launch(Self.kernels.batchNormBackwardSumsCPU, global: [c * splits], local: [1], sums)
        } else {
            let group = Self.reductionGroup
            try launch(Self.kernels.batchNormBackwardSums, global: [group * splits, c], local: [group, 1],
                       sums + [.local(bytes: 4 * group), .local(bytes: 4 * group)])
        }
        try launch(Self.kernels.batchNormBackwardFinalize, global: [c], local: [1],
                   [.tensor(partials), .int(c), .int(splits), .tensor(inverseStd), .tensor(gammaGradient),
                    .tensor(betaGradient)])
        let channelArguments: [KernelArgument] = [.int(c), .int(plane), .int64(Int64(count)), .tensor(mean),
                                                  .tensor(inverseStd), .tensor(gamma), .tensor(gammaGradient),
                                                  .tensor(betaGradient), .tensor(inputGradient)]
        if variant == .cpu {
            try launch(Self.kernels.batchNormBackwardCPU, global: [n * c], local: [1],
                       [.tensor(outputGradient), .tensor(input), .int(n * c)] + channelArguments)
        } else {
            try launch(Self.kernels.batchNormBackward, global: [input.count], local: [preferredGroupSize],
                       [.tensor(outputGradient), .tensor(input), .int64(Int64(input.count))] + channelArguments)
        }
    }

    private func normalize(_ x: Tensor, n: Int, c: Int, plane: Int, mean: Tensor, inverseStd: Tensor, gamma: Tensor,
                           beta: Tensor, into output: Tensor) throws {
        let parameters: [KernelArgument] = [.int(c), .int(plane), .tensor(mean), .tensor(inverseStd), .tensor(gamma),
                                            .tensor(beta), .tensor(output)]
        if variant == .cpu {
            try launch(Self.kernels.batchNormForwardCPU, global: [n * c], local: [1],
                       [.tensor(x), .int(n * c)] + parameters)
        } else {
            try launch(Self.kernels.batchNormForward, global: [x.count], local: [preferredGroupSize],
                       [.tensor(x), .int64(Int64(x.count))] + parameters)
        }
    }

    /// How many contiguous splits each channel's `count` values are reduced in: enough work-items (CPU) or
    /// work-groups (GPU) to fill the device, and on a GPU at most 64 Ki values per group (256 per work-item).
    private func splitCount(channels: Int, count: Int) -> Int {
        let target = 4 * max(info.computeUnits, 1)
        let toFill = (target + channels - 1) / channels
        let bounded = variant == .gpu ? (count + 65_535) / 65_536 : 1
        return max(1, min(max(toFill, bounded), (count + 1_023) / 1_024))
    }
}
