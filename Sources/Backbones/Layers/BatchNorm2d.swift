import Compute

/// Batch normalisation over channels (Ioffe & Szegedy, "Batch Normalization: Accelerating Deep Network Training
/// by Reducing Internal Covariate Shift", ICML 2015) with `nn.BatchNorm2d`'s defaults (momentum 0.1, ε = 1e-5)
/// and state: `weight` (γ), `bias` (β), `running_mean`, `running_var`, `num_batches_tracked`.
///
/// Training mode normalises with the batch statistics, updates the running ones and counts the batch; evaluation
/// mode uses the running statistics.
public final class BatchNorm2d: Module {
    public let name: String
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Buffer
    public let runningVariance: Buffer
    public let batchesTracked: Counter
    public let momentum: Float = 0.1
    public let epsilon: Float = 1e-5
    private var saved: (input: Tensor, mean: Tensor, inverseStd: Tensor)?

    init(name: String, channels: Int, device: any Device) throws {
        self.name = name
        weight = Parameter(name: qualified(name, "weight"), value: try Initializer.constant(1, [channels], on: device))
        bias = Parameter(name: qualified(name, "bias"), value: try Initializer.constant(0, [channels], on: device))
        runningMean = Buffer(name: qualified(name, "running_mean"),
                             value: try Initializer.constant(0, [channels], on: device))
        runningVariance = Buffer(name: qualified(name, "running_var"),
                                 value: try Initializer.constant(1, [channels], on: device))
        batchesTracked = Counter(name: qualified(name, "num_batches_tracked"))
    }

    public var state: [StateEntry] {
        [.parameter(weight), .parameter(bias), .buffer(runningMean), .buffer(runningVariance),
         .counter(batchesTracked)]
    }

    /// - Parameter x: `[N, C, H, W]`.
    public func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor {
        let device = x.device
        guard mode == .training else {
            saved = nil
            return try LayerProfile.shared.measure(.batchNormForward, device) {
                try device.batchNormInference(x, gamma: weight.value, beta: bias.value, runningMean: runningMean.value,
                                              runningVariance: runningVariance.value, epsilon: epsilon)
            }
        }
        let (output, mean, inverseStd) = try LayerProfile.shared.measure(.batchNormForward, device) {
            try device.batchNormForward(x, gamma: weight.value, beta: bias.value, runningMean: runningMean.value,
                                        runningVariance: runningVariance.value, momentum: momentum,
                                        epsilon: epsilon)
        }
        batchesTracked.value += 1
        saved = (x, mean, inverseStd)
        return output
    }

    /// Sets the gradients of `weight` and `bias`; returns the input gradient.
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let (x, mean, inverseStd) = saved else { throw BackboneError.noForwardPass(layer: name) }
        saved = nil
        let (dx, dGamma, dBeta) = try LayerProfile.shared.measure(.batchNormBackward, x.device) {
            try x.device.batchNormBackward(outputGradient: outputGradient, input: x, gamma: weight.value, mean: mean,
                                           inverseStd: inverseStd)
        }
        weight.gradient = dGamma
        bias.gradient = dBeta
        return dx
    }
}
