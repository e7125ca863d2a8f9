import Compute

/// The rectified linear unit `max(x, 0)` (Nair & Hinton, ICML 2010). It keeps its output in training mode, which
/// is all its gradient needs.
public final class ReLU {
    public let name: String
    private var output: Tensor?

    init(name: String) { self.name = name }

    public func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor {
        let y = try LayerProfile.shared.measure(.relu, x.device) { try x.device.relu(x) }
        output = mode == .training ? y : nil
        return y
    }

    /// `max(a + b, 0)`: the residual sum and activation at the end of a block, in one pass.
    public func forward(_ a: Tensor, plus b: Tensor, mode: ForwardMode) throws -> Tensor {
        let y = try LayerProfile.shared.measure(.relu, a.device) { try a.device.addRelu(a, b) }
        output = mode == .training ? y : nil
        return y
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let y = output else { throw BackboneError.noForwardPass(layer: name) }
        output = nil
        return try LayerProfile.shared.measure(.reluBackward, y.device) {
            try y.device.reluBackward(outputGradient: outputGradient, output: y)
        }
    }
}
