import Compute

/// The fully connected layer `y = x·Wᵀ + b` (`nn.Linear`): `<name>.weight` `[out, in]`, `<name>.bias` `[out]`.
public final class Linear: Module {
    public let name: String
    public let weight: Parameter
    public let bias: Parameter
    private var input: Tensor?

    init(name: String, inFeatures: Int, outFeatures: Int, initializer: inout Initializer, device: any Device) throws {
        self.name = name
        weight = Parameter(name: qualified(name, "weight"),
                           value: try initializer.linearUniform([outFeatures, inFeatures], fanIn: inFeatures,
                                                                on: device))
        bias = Parameter(name: qualified(name, "bias"),
                         value: try initializer.linearUniform([outFeatures], fanIn: inFeatures, on: device))
    }

    public var state: [StateEntry] { [.parameter(weight), .parameter(bias)] }

    /// - Parameter x: `[N, in]`.
    /// - Returns: `[N, out]`.
    public func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor {
        input = mode == .training ? x : nil
        return try LayerProfile.shared.measure(.linear, x.device) {
            try x.device.linear(x, weight: weight.value, bias: bias.value)
        }
    }

    /// Sets the gradients of `weight` and `bias`; returns the input gradient `[N, in]`.
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let x = input else { throw BackboneError.noForwardPass(layer: name) }
        input = nil
        let device = x.device
        return try LayerProfile.shared.measure(.linear, device) {
            let (dWeight, dBias) = try device.linearBackwardWeight(outputGradient: outputGradient, input: x,
                                                                   includeBias: true)
            weight.gradient = dWeight
            bias.gradient = dBias
            return try device.linearBackwardData(outputGradient: outputGradient, weight: weight.value)
        }
    }
}
