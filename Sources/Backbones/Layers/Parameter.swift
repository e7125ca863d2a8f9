import Compute

/// A trainable float32 tensor of a layer, under its torchvision `state_dict` name (`layer1.0.conv1.weight`).
///
/// `gradient` holds `∂loss/∂value` after the layer's backward pass (it is replaced, not accumulated: every
/// parameter of a ResNet is used once per forward pass).
public final class Parameter {
    public let name: String
    /// The expected shape; loading a checkpoint with another shape is refused.
    public let shape: [Int]
    public var value: Tensor
    public var gradient: Tensor?

    init(name: String, value: Tensor) {
        self.name = name
        shape = value.shape
        self.value = value
    }
}

/// A float32 tensor of a layer that is saved but not trained, such as batch norm's `running_mean`.
public final class Buffer {
    public let name: String
    public let shape: [Int]
    public var value: Tensor

    init(name: String, value: Tensor) {
        self.name = name
        shape = value.shape
        self.value = value
    }
}

/// An integer counter that is saved with the state: batch norm's `num_batches_tracked` (an int64 scalar in
/// PyTorch).
public final class Counter {
    public let name: String
    public var value: Int64

    init(name: String, value: Int64 = 0) {
        self.name = name
        self.value = value
    }
}

/// One entry of a module's state, as `torch.nn.Module.state_dict()` lists it.
public enum StateEntry {
    case parameter(Parameter)
    case buffer(Buffer)
    case counter(Counter)

    public var name: String {
        switch self {
        case let .parameter(p): p.name
        case let .buffer(b): b.name
        case let .counter(c): c.name
        }
    }

    /// The tensor shape: `[]` for a counter (a 0-dimensional tensor in PyTorch).
    public var shape: [Int] {
        switch self {
        case let .parameter(p): p.shape
        case let .buffer(b): b.shape
        case .counter: []
        }
    }
}

/// Something with saved state: a layer, a block or a whole network.
public protocol Module: AnyObject {
    /// Every parameter, buffer and counter in torchvision's `state_dict()` order (per module: parameters, then
    /// buffers; sub-modules in registration order).
    var state: [StateEntry] { get }
}

extension Module {
    /// The trainable parameters in state order.
    public var parameters: [Parameter] {
        state.compactMap { if case let .parameter(p) = $0 { p } else { nil } }
    }
}

/// Whether a forward pass trains (batch statistics, activations kept for the backward pass) or evaluates
/// (running statistics, nothing kept).
public enum ForwardMode: Sendable {
    case training
    case evaluation
}

/// `prefix.name`, or `name` at the top level.
func qualified(_ prefix: String, _ name: String) -> String {
    prefix.isEmpty ? name : "\(prefix).\(name)"
}
