extension OpenCLDevice: OptimizerOps {
    public func sgdStep(into weights: Tensor, gradient: Tensor, momentumBuffer: Tensor,
                        configuration: SGDConfiguration, firstStep: Bool) throws {
        try launchElementwise(Self.kernels.sgdStep, count: weights.count,
                              [.tensor(weights), .tensor(gradient), .tensor(momentumBuffer),
                               .int64(Int64(weights.count)), .float(configuration.learningRate),
                               .float(configuration.momentum), .float(configuration.weightDecay),
                               .int(configuration.nesterov ? 1 : 0), .int(firstStep ? 1 : 0)])
    }
}
