/// Hyper-parameters of stochastic gradient descent with momentum, as PyTorch's `torch.optim.SGD` with
/// `dampening=0`.
public struct SGDConfiguration: Sendable, Equatable {
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    /// Nesterov momentum (Sutskever et al., ICML 2013), PyTorch's formulation.
    public var nesterov: Bool

    public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }
}

/// Parameter updates. Kernels: `Kernels/optimizer.cl`.
///
/// The ops are the entry points in the extension below: they check the arguments, allocate the results and call
/// the device's hook of the same name, which only computes (see ``Device``).
public protocol OptimizerOps {
    /// Hook of ``sgdStep(weights:gradient:momentumBuffer:configuration:firstStep:)``: updates `weights` and
    /// `momentumBuffer`.
    func sgdStep(into weights: Tensor, gradient: Tensor, momentumBuffer: Tensor, configuration: SGDConfiguration,
                 firstStep: Bool) throws
}

extension OptimizerOps where Self: Device {
    /// One SGD step over a parameter tensor, in place, in one pass:
    /// `g ← g + λ·w`; `b ← g` on the first step, else `b ← μ·b + g`; `d ← g + μ·b` with Nesterov, else `d ← b`;
    /// `w ← w − lr·d`. The gradient tensor itself is not modified.
    /// - Parameters:
    ///   - weights: float32 parameters of any shape, updated in place.
    ///   - gradient: the same shape.
    ///   - momentumBuffer: the same shape, updated in place; its contents are ignored on the first step.
    ///   - configuration: requires finite values, `μ ≥ 0`, `λ ≥ 0`, and `μ > 0` for Nesterov.
    ///   - firstStep: true on the parameter's first update (PyTorch's empty buffer).
    public func sgdStep(weights: Tensor, gradient: Tensor, momentumBuffer: Tensor, configuration: SGDConfiguration,
                        firstStep: Bool) throws {
        try validateSGD(weights: weights, gradient: gradient, momentumBuffer: momentumBuffer,
                        configuration: configuration, device: self)
        try sgdStep(into: weights, gradient: gradient, momentumBuffer: momentumBuffer, configuration: configuration,
                    firstStep: firstStep)
    }
}

extension OptimizerOps {
    func validateSGD(weights: Tensor, gradient: Tensor, momentumBuffer: Tensor, configuration: SGDConfiguration,
                     device: AnyObject) throws {
        let op = "sgdStep"
        try OpValidation.sameDevice(op, device, weights, gradient, momentumBuffer)
        try OpValidation.sameFloatShape(op, weights, gradient, momentumBuffer)
        try OpValidation.finite(configuration.learningRate, "learningRate", op)
        try OpValidation.finite(configuration.momentum, "momentum", op)
        try OpValidation.finite(configuration.weightDecay, "weightDecay", op)
        guard configuration.momentum >= 0, configuration.weightDecay >= 0 else {
            throw ComputeError.invalidArgument(op: op, detail: "momentum and weightDecay must be ≥ 0")
        }
        guard !configuration.nesterov || configuration.momentum > 0 else {
            throw ComputeError.invalidArgument(op: op, detail: "Nesterov momentum requires momentum > 0")
        }
    }
}
