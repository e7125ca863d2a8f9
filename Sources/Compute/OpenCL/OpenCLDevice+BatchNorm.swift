extension OpenCLDevice: BatchNormOps {
    private static let statistics = KernelReference("batch_norm", "batch_norm_statistics")
    private static let statisticsCPU = KernelReference("batch_norm", "batch_norm_statistics_cpu")
    private static let finalize = KernelReference("batch_norm", "batch_norm_finalize")
    private static let forward = KernelReference("batch_norm", "batch_norm_forward")
    private static let forwardCPU = KernelReference("batch_norm", "batch_norm_forward_cpu")
    private static let inference = KernelReference("batch_norm", "batch_norm_inference")
    private static let inferenceCPU = KernelReference("batch_norm", "batch_norm_inference_cpu")
    private static let backwardSums = KernelReference("batch_norm", "batch_norm_backward_sums")
    private static let backwardSumsCPU = KernelReference("batch_norm", "batch_norm_backward_sums_cpu")
    private static let backwardFinalize = KernelReference("batch_norm", "batch_norm_backward_finalize")
    private static let backward = KernelReference("batch_norm", "batch_norm_backward")
    private static let backwardCPU = KernelReference("batch_norm", "batch_norm_backward_cpu")

    static let batchNormKernels = [statistics, statisticsCPU, finalize, forward, forwardCPU, inference, inferenceCPU,
                                   backwardSums, backwardSumsCPU, backwardFinalize, backward, backwardCPU]

    /// Work-group size of the GPU reduction kernels (`GROUP` in `batch_norm.cl`).
    private static let reductionGroup = 256

    public func batchNormForward(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                 runningVariance: Tensor, momentum: Float, epsilon: Float) throws
        -> (output: Tensor, mean: Tensor, inverseStd: Tensor) {
        let (n, c, plane) = try validateBatchNormTraining(
            x: x, gamma: gamma, beta: beta, runningMean: runningMean, runningVariance: runningVariance,
            momentum: momentum, epsilon: epsilon, device: self)
        let count = n * plane, splits = splitCount(channels: c, count: count)
        let partials = try Tensor(uninitialized: [c, splits, 2], on: self)
        let shape: [KernelArgument] = [.tensor(x), .int(c), .int(plane), .int64(Int64(count)), .int(splits)]
        if variant == .cpu {
            try launch(Self.statisticsCPU, global: [c * splits], local: [1], shape + [.tensor(partials)])
        } else {
            let group = Self.reductionGroup
            try launch(Self.statistics, global: [group * splits, c], local: [group, 1],
                       shape + [.tensor(partials), .local(bytes: 4 * group), .local(bytes: 4 * group),
                                .local(bytes: 4 * group)])
        }
        let mean = try Tensor(uninitialized: [c], on: self), inverseStd = try Tensor(uninitialized: [c], on: self)
        try launch(Self.finalize, global: [c], local: [1],
                   [.tensor(partials), .int(c), .int(splits), .int64(Int64(count)), .float(momentum),
                    .float(epsilon), .tensor(mean), .tensor(inverseStd), .tensor(runningMean),
                    .tensor(runningVariance)])
        let output = try normalize(x, n: n, c: c, plane: plane, mean: mean, inverseStd: inverseStd, gamma: gamma,
                                   beta: beta)
        return (output, mean, inverseStd)
    }

    public func batchNormInference(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                   runningVariance: Tensor, epsilon: Float) throws -> Tensor {
        let (n, c, plane) = try validateBatchNorm(
            "batchNormInference", x: x, channelTensors: [gamma, beta, runningMean, runningVariance], epsilon: epsilon,
            device: self)
        let output = try Tensor(uninitialized: x.shape, on: self)
        let parameters: [KernelArgument] = [.int(c), .int(plane), .tensor(runningMean), .tensor(runningVariance),
                                            .float(epsilon), .tensor(gamma), .tensor(beta), .tensor(output)]
        if variant == .cpu {
            try launch(Self.inferenceCPU, global: [n * c], local: [1], [.tensor(x), .int(n * c)] + parameters)
        } else {
            try launch(Self.inference, global: [x.count], local: [preferredGroupSize],
                       [.tensor(x), .int64(Int64(x.count))] + parameters)
        }
        return output
    }

    public func batchNormBackward(outputGradient: Tensor, input: Tensor, gamma: Tensor, mean: Tensor,
                                  inverseStd: Tensor) throws
        -> (inputGradient: Tensor, gammaGradient: Tensor, betaGradient: Tensor) {
        let (n, c, plane) = try validateBatchNormBackward(
            outputGradient: outputGradient, input: input, gamma: gamma, mean: mean, inverseStd: inverseStd,
            device: self)
        let count = n * plane, splits = splitCount(channels: c, count: count)
        let partials = try Tensor(uninitialized: [c, splits, 2], on: self)
        let sums: [KernelArgument] = [.tensor(outputGradient), .tensor(input), .tensor(mean), .int(c), .int(plane),
                                      .int64(Int64(count)), .int(splits), .tensor(partials)]
        if variant == .cpu {
            try launch(Self.backwardSumsCPU, global: [c * splits], local: [1], sums)
        } else {
            let group = Self.reductionGroup
            try launch(Self.backwardSums, global: [group * splits, c], local: [group, 1],
                       sums + [.local(bytes: 4 * group), .local(bytes: 4 * group)])
        }
        let gammaGradient = try Tensor(uninitialized: [c], on: self)
        let betaGradient = try Tensor(uninitialized: [c], on: self)
        try launch(Self.backwardFinalize, global: [c], local: [1],
                   [.tensor(partials), .int(c), .int(splits), .tensor(inverseStd), .tensor(gammaGradient),
                    .tensor(betaGradient)])
        let inputGradient = try Tensor(uninitialized: input.shape, on: self)
        let channelArguments: [KernelArgument] = [.int(c), .int(plane), .int64(Int64(count)), .tensor(mean),
                                                  .tensor(inverseStd), .tensor(gamma), .tensor(gammaGradient),
                                                  .tensor(betaGradient), .tensor(inputGradient)]
        if variant == .cpu {
            try launch(Self.backwardCPU, global: [n * c], local: [1],
                       [.tensor(outputGradient), .tensor(input), .int(n * c)] + channelArguments)
        } else {
            try launch(Self.backward, global: [input.count], local: [preferredGroupSize],
                       [.tensor(outputGradient), .tensor(input), .int64(Int64(input.count))] + channelArguments)
        }
        return (inputGradient, gammaGradient, betaGradient)
    }

    private func normalize(_ x: Tensor, n: Int, c: Int, plane: Int, mean: Tensor, inverseStd: Tensor, gamma: Tensor,
                           beta: Tensor) throws -> Tensor {
        let output = try Tensor(uninitialized: x.shape, on: self)
        let parameters: [KernelArgument] = [.int(c), .int(plane), .tensor(mean), .tensor(inverseStd), .tensor(gamma),
                                            .tensor(beta), .tensor(output)]
        if variant == .cpu {
            try launch(Self.forwardCPU, global: [n * c], local: [1], [.tensor(x), .int(n * c)] + parameters)
        } else {
            try launch(Self.forward, global: [x.count], local: [preferredGroupSize],
                       [.tensor(x), .int64(Int64(x.count))] + parameters)
        }
        return output
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
