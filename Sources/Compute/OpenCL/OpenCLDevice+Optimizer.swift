extension OpenCLDevice: OptimizerOps {
    private static let sgdStep = KernelReference("optimizer", "sgd_step")

    static let optimizerKernels = [sgdStep]

    public func sgdStep(weights: Tensor, gradient: Tensor, momentumBuffer: Tensor, configuration: SGDConfiguration,
                        firstStep: Bool) throws {
        try validateSGD(weights: weights, gradient: gradient, momentumBuffer: momentumBuffer,
                        configuration: configuration, device: self)
        try launchElementwise(Self.sgdStep, count: weights.count,
                              [.tensor(weights), .tensor(gradient), .tensor(momentumBuffer),
                               .int64(Int64(weights.count)), .float(configuration.learningRate),
                               .float(configuration.momentum), .float(configuration.weightDecay),
                               .int(configuration.nesterov ? 1 : 0), .int(firstStep ? 1 : 0)])
    }
}
