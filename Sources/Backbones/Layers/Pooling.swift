import Compute

/// Max pooling (`nn.MaxPool2d`), as the ResNet stem's 3×3 window with stride 2 and padding 1. It keeps the
/// positions of the maxima in training mode.
public final class MaxPool2d {
    public let name: String
    public let window: PoolWindow
    private var saved: (indices: Tensor, inputShape: [Int])?

    init(name: String, window: PoolWindow) {
        self.name = name
        self.window = window
    }

    public func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor {
        let (output, indices) = try LayerProfile.shared.measure(.pooling, x.device) {
            try x.device.maxPool2d(x, window: window)
        }
        saved = mode == .training ? (indices, x.shape) : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let (indices, inputShape) = saved else { throw BackboneError.noForwardPass(layer: name) }
        saved = nil
        return try LayerProfile.shared.measure(.poolingBackward, outputGradient.device) {
            try outputGradient.device.maxPool2dBackward(outputGradient: outputGradient, indices: indices,
                                                        window: window, inputShape: inputShape)
        }
    }
}

/// Adaptive average pooling (`nn.AdaptiveAvgPool2d`); a ResNet pools to 1×1 before its classifier.
public final class AdaptiveAvgPool2d {
    public let name: String
    public let outputSize: (height: Int, width: Int)
    private var inputShape: [Int]?

    init(name: String, outputSize: (height: Int, width: Int)) {
        self.name = name
        self.outputSize = outputSize
    }

    /// - Parameter x: `[N, C, H, W]`.
    /// - Returns: `[N, C, outputSize.height, outputSize.width]`.
    public func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor {
        inputShape = mode == .training ? x.shape : nil
        return try LayerProfile.shared.measure(.pooling, x.device) {
            try x.device.adaptiveAvgPool2d(x, outputHeight: outputSize.height, outputWidth: outputSize.width)
        }
    }

    /// - Returns: `[N, C, H, W]`.
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let shape = inputShape else { throw BackboneError.noForwardPass(layer: name) }
        inputShape = nil
        return try LayerProfile.shared.measure(.poolingBackward, outputGradient.device) {
            try outputGradient.device.adaptiveAvgPool2dBackward(outputGradient: outputGradient, inputShape: shape)
        }
    }
}
