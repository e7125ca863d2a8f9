import Compute

/// A ResNet classifier with torchvision's layout and `state_dict` names (He, Zhang, Ren & Sun, "Deep Residual
/// Learning for Image Recognition", CVPR 2016):
///
///     conv1 7×7/2 → bn1 → relu → maxpool 3×3/2 → layer1 → layer2 (/2) → layer3 (/2) → layer4 (/2)
///     → avgpool 1×1 → fc
///
/// Forward and backward are explicit: a training-mode ``forward(_:mode:)`` keeps what each layer's gradient
/// needs, and ``backward(_:)`` sets every parameter's `gradient`. ``features(_:stages:)`` stops after the last
/// stage asked for, so a feature extractor never runs the deeper stages or the classifier.
public final class ResNet: Module {
    /// The points where the network can stop and hand back its activations.
    public enum Stage: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
        /// After the max pool: `[N, stemChannels, H/4, W/4]`.
        case stem
        case layer1, layer2, layer3, layer4

        public static func < (a: Stage, b: Stage) -> Bool { a.rawValue < b.rawValue }

        public var description: String { self == .stem ? "stem" : "layer\(rawValue)" }
    }

    public let architecture: ResNetArchitecture
    public let classCount: Int
    public let device: any Device
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let maxpool: MaxPool2d
    /// `layer1` … `layer4`.
    public let stages: [[any ResidualBlock]]
    public let avgpool: AdaptiveAvgPool2d
    public let fc: Linear
    private let relu: ReLU
    private var pooledShape: [Int]?

    /// A freshly initialised network (torchvision's scheme, see ``Initializer``), the same for the same seed on
    /// every device.
    /// - Parameters:
    ///   - classes: outputs of `fc` (1000 in torchvision).
    public convenience init(_ architecture: ResNetArchitecture, classes: Int, seed: UInt64 = 0, device: any Device)
        throws {
        try self.init(architecture, classes: classes, initialization: .torchvision(seed: seed), device: device)
    }

    /// A network whose weights are set by `initialization`.
    public init(_ architecture: ResNetArchitecture, classes: Int, initialization: ModelInitialization,
                device: any Device) throws {
        try architecture.validate()
        guard classes >= 1 else { throw BackboneError.invalidArgument("a classifier needs at least 1 class") }
        self.architecture = architecture
        classCount = classes
        self.device = device
        var initializer = Initializer(initialization)
        conv1 = try Conv2d(name: "conv1", inChannels: 3, outChannels: architecture.stemChannels, kernel: 7, stride: 2,
                           padding: 3, initializer: &initializer, device: device)
        bn1 = try BatchNorm2d(name: "bn1", channels: architecture.stemChannels, device: device)
        relu = ReLU(name: "relu")
        maxpool = MaxPool2d(name: "maxpool", window: PoolWindow(kernel: 3, stride: 2, padding: 1))
        var inChannels = architecture.stemChannels
        var stages: [[any ResidualBlock]] = []
        for (index, (count, planes)) in zip(architecture.blocksPerStage, architecture.stagePlanes).enumerated() {
            var blocks: [any ResidualBlock] = []
            for b in 0..<count {
                let name = "layer\(index + 1).\(b)", stride = index > 0 && b == 0 ? 2 : 1
                switch architecture.block {
                case .basic:
                    blocks.append(try BasicBlock(name: name, inChannels: inChannels, planes: planes, stride: stride,
                                                 initializer: &initializer, device: device))
                case .bottleneck:
                    blocks.append(try Bottleneck(name: name, inChannels: inChannels, planes: planes, stride: stride,
                                                 baseWidth: architecture.baseWidth, initializer: &initializer,
                                                 device: device))
                }
                inChannels = planes * architecture.block.expansion
            }
            stages.append(blocks)
        }
        self.stages = stages
        avgpool = AdaptiveAvgPool2d(name: "avgpool", outputSize: (1, 1))
        fc = try Linear(name: "fc", inFeatures: architecture.featureCount, outFeatures: classes,
                        initializer: &initializer, device: device)
    }

    public var state: [StateEntry] {
        conv1.state + bn1.state + stages.flatMap { $0.flatMap(\.state) } + fc.state
    }

    /// The logits.
    /// - Parameter x: `[N, 3, H, W]` normalised images (training needs `N ≥ 2` or larger than 1×1 maps for batch
    ///   norm).
    /// - Returns: `[N, classes]`.
    public func forward(_ x: Tensor, mode: ForwardMode) throws -> Tensor {
        let last = try run(x, mode: mode, through: .layer4) { _, _ in }
        let pooled = try avgpool.forward(last, mode: mode)
        pooledShape = mode == .training ? pooled.shape : nil
        return try fc.forward(try pooled.reshaped([pooled.shape[0], pooled.shape[1]]), mode: mode)
    }

    /// The outputs of `stages` for evaluation-mode input, stopping after the deepest one.
    /// - Parameter x: `[N, 3, H, W]`.
    /// - Returns: each requested stage's activation, e.g. `layer2` `[N, 128·e, H/8, W/8]` and `layer3`
    ///   `[N, 256·e, H/16, W/16]` with `e` the block expansion.
    public func features(_ x: Tensor, stages wanted: Set<Stage>) throws -> [Stage: Tensor] {
        guard let deepest = wanted.max() else { return [:] }
        var kept: [Stage: Tensor] = [:]
        _ = try run(x, mode: .evaluation, through: deepest) { stage, output in
            if wanted.contains(stage) { kept[stage] = output }
        }
        return kept
    }

    /// Sets the gradient of every parameter from the gradient of the loss with respect to the logits of the last
    /// training-mode ``forward(_:mode:)``.
    /// - Parameter logitsGradient: `[N, classes]`.
    public func backward(_ logitsGradient: Tensor) throws {
        guard let shape = pooledShape else { throw BackboneError.noForwardPass(layer: "resnet") }
        pooledShape = nil
        var gradient = try avgpool.backward(try fc.backward(logitsGradient).reshaped(shape))
        for blocks in stages.reversed() {
            for block in blocks.reversed() { gradient = try block.backward(gradient) }
        }
        gradient = try relu.backward(try maxpool.backward(gradient))
        try conv1.backwardWeightOnly(try bn1.backward(gradient))
    }

    /// Runs the stem and the stages up to `last`, reporting each stage's output.
    private func run(_ x: Tensor, mode: ForwardMode, through last: Stage, _ report: (Stage, Tensor) -> Void) throws
        -> Tensor {
        guard x.rank == 4, x.shape[1] == 3 else {
            throw BackboneError.invalidArgument("\(architecture.name) expects [N, 3, H, W] images, got \(x.shape)")
        }
        var out = try bn1.forward(try conv1.forward(x, mode: mode), mode: mode)
        out = try maxpool.forward(try relu.forward(out, mode: mode), mode: mode)
        report(.stem, out)
        for (index, blocks) in stages.enumerated() {
            let stage = Stage(rawValue: index + 1)!
            guard stage <= last else { break }
            for block in blocks { out = try block.forward(out, mode: mode) }
            report(stage, out)
        }
        return out
    }
}
