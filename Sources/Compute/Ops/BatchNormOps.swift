/// The sizes of a batch-norm op, checked by its entry point: `N`, `C` and the plane `H·W` of `[N, C, H, W]`.
public typealias BatchNormGeometry = (n: Int, c: Int, plane: Int)

/// Batch normalisation over the channels of `[N, C, H, W]` float32 tensors (Ioffe & Szegedy, "Batch
/// Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift", ICML 2015), with
/// PyTorch's `BatchNorm2d` conventions. Kernels: `Kernels/batch_norm.cl`.
///
/// Channel `c` is normalised over its `L = N·H·W` values: `y = γ_c·(x − μ_c)·σ̂_c + β_c` with the inverse standard
/// deviation `σ̂_c = 1/√(v_c + ε)`. Parameters `gamma`, `beta` and the running statistics are `[C]`.
///
/// Reductions are numerically careful, so a channel of 1.6 M values with a mean far from zero keeps its variance:
/// the reference device accumulates in float64 with two passes (mean, then squared deviations from it). The other
/// devices read `x` once for the statistics and reduce each channel in contiguous pieces: the fast CPU path and the
/// CPU-shaped kernels take each chunk's exact two-pass mean and sum of squared deviations in float (chunks of at most
/// 1024 values, still in L1 for the second pass); the GPU-shaped kernels run Welford's update in each work-item.
/// Pieces are merged with the pairwise update of Chan, Golub & LeVeque ("Updating formulae and a pairwise algorithm
/// for computing sample variances", 1979). The backward sums `Σdy` and `Σdy·(x − μ)` are reduced in the same pieces.
///
/// The ops are the entry points in the extension below: they check the arguments, allocate the results and call
/// the device's hook of the same name, which only computes (see ``Device``).
public protocol BatchNormOps {
    /// Hook of ``batchNormForward(_:gamma:beta:runningMean:runningVariance:momentum:epsilon:)``: fills `output`,
    /// `mean` and `inverseStd` and updates the running statistics.
    func batchNormForward(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVariance: Tensor,
                          momentum: Float, epsilon: Float, geometry: BatchNormGeometry, into output: Tensor,
                          mean: Tensor, inverseStd: Tensor) throws
    /// Hook of ``batchNormInference(_:gamma:beta:runningMean:runningVariance:epsilon:)``: fills `output`.
    func batchNormInference(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVariance: Tensor,
                            epsilon: Float, geometry: BatchNormGeometry, into output: Tensor) throws
    /// Hook of ``batchNormBackward(outputGradient:input:gamma:mean:inverseStd:)``: fills the three gradients.
    func batchNormBackward(outputGradient: Tensor, input: Tensor, gamma: Tensor, mean: Tensor, inverseStd: Tensor,
                           geometry: BatchNormGeometry, into inputGradient: Tensor, gammaGradient: Tensor,
                           betaGradient: Tensor) throws
}

extension BatchNormOps where Self: Device {
    /// Training-mode forward pass with the batch's statistics.
    ///
    /// Normalises with the biased variance `v = Σ(x − μ)²/L` and updates the running statistics in place as
    /// PyTorch does: `running_mean ← (1 − m)·running_mean + m·μ`, `running_var ← (1 − m)·running_var + m·Σ(x − μ)²/(L − 1)`.
    /// - Parameters:
    ///   - x: `[N, C, H, W]` with `L = N·H·W ≥ 2`.
    ///   - gamma, beta: `[C]` scale and shift.
    ///   - runningMean, runningVariance: `[C]`, updated in place.
    ///   - momentum: `m` in `[0, 1]` (PyTorch's default is 0.1).
    ///   - epsilon: `ε > 0` (PyTorch's default is 1e-5).
    /// - Returns: the output `[N, C, H, W]`, and the batch mean `μ` and inverse standard deviation `σ̂` (`[C]`) that
    ///   ``batchNormBackward(outputGradient:input:gamma:mean:inverseStd:)`` needs.
    /// - Throws: ``ComputeError`` for bad shapes, `L < 2`, or arguments outside their ranges.
    public func batchNormForward(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                 runningVariance: Tensor, momentum: Float, epsilon: Float) throws
        -> (output: Tensor, mean: Tensor, inverseStd: Tensor) {
        let g = try validateBatchNormTraining(
            x: x, gamma: gamma, beta: beta, runningMean: runningMean, runningVariance: runningVariance,
            momentum: momentum, epsilon: epsilon, device: self)
        let output = try Tensor(uninitialized: x.shape, on: self)
        let mean = try Tensor(uninitialized: [g.c], on: self), inverseStd = try Tensor(uninitialized: [g.c], on: self)
        try batchNormForward(x, gamma: gamma, beta: beta, runningMean: runningMean, runningVariance: runningVariance,
                             momentum: momentum, epsilon: epsilon, geometry: g, into: output, mean: mean,
                             inverseStd: inverseStd)
        return (output, mean, inverseStd)
    }

    /// Evaluation-mode forward pass with the running statistics: `y = γ·(x − running_mean)/√(running_var + ε) + β`.
    /// - Parameters: as ``batchNormForward(_:gamma:beta:runningMean:runningVariance:momentum:epsilon:)``; nothing is
    ///   updated and any `L ≥ 1` is accepted.
    /// - Returns: `[N, C, H, W]`.
    public func batchNormInference(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                   runningVariance: Tensor, epsilon: Float) throws -> Tensor {
        let g = try validateBatchNorm(
            "batchNormInference", x: x, channelTensors: [gamma, beta, runningMean, runningVariance], epsilon: epsilon,
            device: self)
        let output = try Tensor(uninitialized: x.shape, on: self)
        try batchNormInference(x, gamma: gamma, beta: beta, runningMean: runningMean,
                               runningVariance: runningVariance, epsilon: epsilon, geometry: g, into: output)
        return output
    }

    /// Backward pass of the training-mode forward pass.
    ///
    /// With `x̂ = (x − μ)·σ̂`: `dβ = Σdy`, `dγ = Σdy·x̂`, `dx = γ·σ̂·(dy − dβ/L − x̂·dγ/L)` (sums per channel).
    /// - Parameters:
    ///   - outputGradient: `dy`, `[N, C, H, W]`.
    ///   - input: the forward pass's `x`.
    ///   - gamma: `[C]`.
    ///   - mean, inverseStd: `[C]`, as returned by the forward pass.
    /// - Returns: `dx` `[N, C, H, W]`, `dγ` and `dβ` `[C]`.
    public func batchNormBackward(outputGradient: Tensor, input: Tensor, gamma: Tensor, mean: Tensor,
                                  inverseStd: Tensor) throws
        -> (inputGradient: Tensor, gammaGradient: Tensor, betaGradient: Tensor) {
        let g = try validateBatchNormBackward(
            outputGradient: outputGradient, input: input, gamma: gamma, mean: mean, inverseStd: inverseStd,
            device: self)
        let inputGradient = try Tensor(uninitialized: input.shape, on: self)
        let gammaGradient = try Tensor(uninitialized: [g.c], on: self)
        let betaGradient = try Tensor(uninitialized: [g.c], on: self)
        try batchNormBackward(outputGradient: outputGradient, input: input, gamma: gamma, mean: mean,
                              inverseStd: inverseStd, geometry: g, into: inputGradient, gammaGradient: gammaGradient,
                              betaGradient: betaGradient)
        return (inputGradient, gammaGradient, betaGradient)
    }
}

extension BatchNormOps {
    /// Checks the forward passes' arguments; returns `(N, C, H·W)`.
    func validateBatchNorm(_ op: String, x: Tensor, channelTensors: [Tensor], epsilon: Float, device: AnyObject)
        throws -> (n: Int, c: Int, plane: Int) {
        for tensor in [x] + channelTensors { try OpValidation.sameDevice(op, device, tensor) }
        let (n, c, h, w) = try OpValidation.nchw(x, op)
        for tensor in channelTensors { try OpValidation.require(tensor, op, dtype: .float32, shape: [c]) }
        guard epsilon > 0, epsilon.isFinite else {
            throw ComputeError.invalidArgument(op: op, detail: "epsilon must be positive and finite, got \(epsilon)")
        }
        return (n, c, h * w)
    }

    func validateBatchNormTraining(x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                   runningVariance: Tensor, momentum: Float, epsilon: Float, device: AnyObject)
        throws -> (n: Int, c: Int, plane: Int) {
        let op = "batchNormForward"
        let dims = try validateBatchNorm(op, x: x, channelTensors: [gamma, beta, runningMean, runningVariance],
                                         epsilon: epsilon, device: device)
        guard (0...1).contains(momentum) else {
            throw ComputeError.invalidArgument(op: op, detail: "momentum must be in [0, 1], got \(momentum)")
        }
        guard dims.n * dims.plane >= 2 else {
            throw ComputeError.invalidArgument(
                op: op, detail: "training needs more than one value per channel, got input \(x.shape)")
        }
        return dims
    }

    func validateBatchNormBackward(outputGradient: Tensor, input: Tensor, gamma: Tensor, mean: Tensor,
                                   inverseStd: Tensor, device: AnyObject) throws -> (n: Int, c: Int, plane: Int) {
        let op = "batchNormBackward"
        for tensor in [outputGradient, input, gamma, mean, inverseStd] { try OpValidation.sameDevice(op, device, tensor) }
        let (n, c, h, w) = try OpValidation.nchw(input, op)
        try OpValidation.sameFloatShape(op, input, outputGradient)
        for tensor in [gamma, mean, inverseStd] { try OpValidation.require(tensor, op, dtype: .float32, shape: [c]) }
        return (n, c, h * w)
    }
}
