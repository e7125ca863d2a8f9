import Compute

/// Stochastic gradient descent with momentum and weight decay on every parameter, as `torch.optim.SGD` with
/// `dampening=0` (the OFDB recipe: lr 0.1, momentum 0.9, weight decay 1e-4 on all parameters).
///
/// Momentum buffers are kept per parameter name, so they can be saved and restored with a checkpoint.
public final class SGD {
    public let parameters: [Parameter]
    public var configuration: SGDConfiguration
    /// Updates applied so far (PyTorch creates the momentum buffers on the first one).
    public private(set) var steps: Int = 0
    private var momentum: [String: Tensor] = [:]

    public init(parameters: [Parameter], configuration: SGDConfiguration) {
        self.parameters = parameters
        self.configuration = configuration
    }

    /// Applies one update with `learningRate` to every parameter that has a gradient, then drops the gradients.
    public func step(learningRate: Float) throws {
        var settings = configuration
        settings.learningRate = learningRate
        for parameter in parameters {
            guard let gradient = parameter.gradient else { continue }
            let device = parameter.value.device
            let buffer = try momentum[parameter.name] ?? Tensor(uninitialized: parameter.shape, on: device)
            try device.sgdStep(weights: parameter.value, gradient: gradient, momentumBuffer: buffer,
                               configuration: settings, firstStep: momentum[parameter.name] == nil)
            momentum[parameter.name] = buffer
            parameter.gradient = nil
        }
        steps += 1
    }

    /// The momentum buffers by parameter name (empty before the first step).
    public func momentumBuffers() -> [String: Tensor] { momentum }

    /// Restores saved buffers and the step count.
    /// - Throws: ``BackboneError/cannotResume(source:reason:)`` naming a buffer whose parameter is unknown or whose
    ///   shape differs.
    public func restore(momentumBuffers buffers: [String: [Float]], steps: Int, source: String) throws {
        var restored: [String: Tensor] = [:]
        for (name, values) in buffers {
            guard let parameter = parameters.first(where: { $0.name == name }) else {
                throw BackboneError.cannotResume(source: source, reason: "momentum for unknown parameter \(name)")
            }
            guard values.count == parameter.shape.reduce(1, *) else {
                throw BackboneError.cannotResume(
                    source: source,
                    reason: "momentum of \(name) has \(values.count) values, expected \(parameter.shape)")
            }
            restored[name] = try Tensor(values, shape: parameter.shape, on: parameter.value.device)
        }
        momentum = restored
        self.steps = steps
    }
}
