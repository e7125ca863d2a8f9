import Compute

/// A 2-D convolution without bias (`nn.Conv2d(..., bias=False)`, as every ResNet convolution), parameter
/// `<name>.weight` `[O, C, KH, KW]`.
///
/// In training mode the forward pass keeps its input, which the filter gradient needs.
public final class Conv2d: Module {
    public let name: String
    public let weight: Parameter
    public let options: Conv2DOptions
    private var input: Tensor?

    init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
         initializer: inout Initializer, device: any Device) throws {
        self.name = name
        weight = Parameter(name: qualified(name, "weight"),
                           value: try initializer.kaimingNormalFanOut([outChannels, inChannels, kernel, kernel],
                                                                      on: device))
        options = Conv2DOptions(stride: stride, padding: padding)
    }

    public var state: [StateEntry] { [.parameter(weight)] }

    /// - Parameter x: `[N, C, H, W]`.
    /// - Returns: `[N, O, OH, OW]`.
    public func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor {
        input = mode == .training ? x : nil
        return try LayerProfile.shared.measure(.convolutionForward, x.device) {
            try x.device.conv2d(x, weight: weight.value, bias: nil, options: options)
        }
    }

    /// Sets `weight.gradient`; returns the input gradient `[N, C, H, W]`.
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        let x = try weightGradient(outputGradient)
        return try LayerProfile.shared.measure(.convolutionInputGradient, x.device) {
            try x.device.conv2dBackwardData(outputGradient: outputGradient, weight: weight.value,
                                            inputSize: (x.shape[2], x.shape[3]), options: options)
        }
    }

    /// Sets `weight.gradient` only: for the stem, whose input is the image.
    public func backwardWeightOnly(_ outputGradient: Tensor) throws {
        _ = try weightGradient(outputGradient)
    }

    /// Computes the weight gradient and releases the kept input; returns that input.
    private func weightGradient(_ outputGradient: Tensor) throws -> Tensor {
        guard let x = input else { throw BackboneError.noForwardPass(layer: name) }
        input = nil
        weight.gradient = try LayerProfile.shared.measure(.convolutionWeightGradient, x.device) {
            try x.device.conv2dBackwardFilter(outputGradient: outputGradient, input: x,
                                              kernelSize: (weight.shape[2], weight.shape[3]), options: options,
                                              includeBias: false).weight
        }
        return x
    }
}
