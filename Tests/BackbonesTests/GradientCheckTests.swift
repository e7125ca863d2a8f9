@testable import Backbones
import Compute
import Testing
import TestSupport

/// Central finite differences of `L = Σ r·f(x)` (fixed random `r`, summed in float64) on the reference device
/// against each layer's backward pass, for the input and every parameter, in training mode.
///
/// Steps of 1e-2 (1e-3 through blocks and the network) keep float32 rounding of `L` (about 1e-6) far below the
/// differences.
/// Single-layer inputs are kept away from ReLU's kink and from max-pooling ties; inside blocks, a probe whose
/// differences with steps h and h/2 disagree straddles a kink and is skipped (at most half may be). Tolerance: 1% of
/// the tensor's largest gradient entry, plus 1e-3; 4% through the whole network, where every probe moves thousands of
/// activations near a kink (its gradients are checked exactly against PyTorch in ``TorchGoldenTests``).
@Suite struct GradientCheckTests {
    static let device = CPUDevice.reference

    /// A training-mode forward pass, its backward pass, and the parameters to check.
    struct Subject {
        var inputShape: [Int]
        var parameters: [Parameter]
        var forward: (Tensor) throws -> Tensor
        var backward: (Tensor) throws -> Tensor?
    }

    /// Checks about `probes` coordinates of the input and of each parameter.
    static func check(_ label: String, _ subject: Subject, input: [Float], probes: Int = 10, step: Float = 1e-2,
                      relativeTolerance: Float = 1e-2, sourceLocation: SourceLocation = #_sourceLocation) throws {
        func output(_ x: [Float]) throws -> Tensor {
            try subject.forward(try Tensor(x, shape: subject.inputShape, on: device))
        }
        let y = try output(input)
        let r = testValues(y.count, seed: 99)
        let dx = try subject.backward(try Tensor(r, shape: y.shape, on: device))?.floats()
        let analytic = try subject.parameters.map {
            try #require($0.gradient, "\(label): no gradient for \($0.name)").floats()
        }
        func loss(_ x: [Float]) throws -> Double {
            zip(r, try output(x).floats()).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        func compare(_ name: String, _ gradient: [Float], _ lossWith: (Int, Float) throws -> Double) throws {
            let scale = gradient.map(abs).max() ?? 0, tolerance = relativeTolerance * scale + 1e-3
            var checked = 0, probed = 0
            for i in stride(from: 0, to: gradient.count, by: max(1, gradient.count / probes)) {
                func numeric(_ h: Float) throws -> Float {
                    Float((try lossWith(i, h) - lossWith(i, -h)) / Double(2 * h))
                }
                let coarse = try numeric(step), fine = try numeric(step / 2)
                probed += 1
                // A ReLU kink inside the step shows as differences that depend on the step: not a smooth point.
                guard abs(coarse - fine) <= tolerance / 4 else { continue }
                checked += 1
                #expect(abs(fine - gradient[i]) <= tolerance,
                        "\(label): ∂L/∂\(name)[\(i)] is \(gradient[i]), finite differences give \(fine)",
                        sourceLocation: sourceLocation)
            }
            #expect(2 * checked >= probed, "\(label): only \(checked) of \(probed) probes of \(name) were smooth",
                    sourceLocation: sourceLocation)
        }
        if let dx {
            try compare("x", dx) { i, delta in
                var probe = input
                probe[i] += delta
                return try loss(probe)
            }
        }
        for (parameter, gradient) in zip(subject.parameters, analytic) {
            let original = parameter.value
            let values = try original.floats()
            try compare(parameter.name, gradient) { i, delta in
                var probe = values
                probe[i] += delta
                parameter.value = try Tensor(probe, shape: parameter.shape, on: device)
                defer { parameter.value = original }
                return try loss(input)
            }
        }
    }

    /// Values uniform on ±[0.1, 1.1): never within a step of ReLU's kink.
    static func awayFromZero(_ count: Int, seed: UInt64) -> [Float] {
        testValues(count, seed: seed, low: 0.1, high: 1.1).enumerated()
            .map { $0.offset % 3 == 0 ? -$0.element : $0.element }
    }

    @Test func convolution() throws {
        var initializer = Initializer(.torchvision(seed: 1))
        let conv = try Conv2d(name: "conv", inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1,
                              initializer: &initializer, device: Self.device)
        try Self.check("conv 3→4 3×3/2", Subject(inputShape: [2, 3, 7, 6], parameters: [conv.weight],
                                                 forward: { try conv.forward($0, mode: .training) },
                                                 backward: { try conv.backward($0) }),
                       input: testValues(2 * 3 * 7 * 6, seed: 1))
    }

    @Test func batchNorm() throws {
        let bn = try BatchNorm2d(name: "bn", channels: 3, device: Self.device)
        bn.weight.value = try Tensor([0.5, 1.5, -1], shape: [3], on: Self.device)
        bn.bias.value = try Tensor([0.1, -0.2, 0.3], shape: [3], on: Self.device)
        try Self.check("batch norm", Subject(inputShape: [3, 3, 4, 5], parameters: [bn.weight, bn.bias],
                                             forward: { try bn.forward($0, mode: .training) },
                                             backward: { try bn.backward($0) }),
                       input: testValues(3 * 3 * 4 * 5, seed: 2, low: -2, high: 3))
    }

    @Test func reluAndPooling() throws {
        let relu = ReLU(name: "relu")
        try Self.check("relu", Subject(inputShape: [2, 3, 4, 4], parameters: [],
                                       forward: { try relu.forward($0, mode: .training) },
                                       backward: { try relu.backward($0) }),
                       input: Self.awayFromZero(96, seed: 3))
        // Distinct values at least 0.05 apart: no tie within a step.
        var random = PhiloxStream(seed: 4, stream: (1, 2, 3))
        var distinct = (0..<150).map { Float($0) * 0.05 - 3.7 }
        random.shuffle(&distinct)
        let pool = MaxPool2d(name: "maxpool", window: PoolWindow(kernel: 3, stride: 2, padding: 1))
        try Self.check("max pool", Subject(inputShape: [2, 3, 5, 5], parameters: [],
                                           forward: { try pool.forward($0, mode: .training) },
                                           backward: { try pool.backward($0) }),
                       input: distinct)
        let average = AdaptiveAvgPool2d(name: "avgpool", outputSize: (2, 3))
        try Self.check("adaptive average pool", Subject(inputShape: [2, 3, 5, 7], parameters: [],
                                                        forward: { try average.forward($0, mode: .training) },
                                                        backward: { try average.backward($0) }),
                       input: testValues(210, seed: 5))
    }

    @Test func linear() throws {
        var initializer = Initializer(.torchvision(seed: 2))
        let fc = try Linear(name: "fc", inFeatures: 6, outFeatures: 5, initializer: &initializer, device: Self.device)
        try Self.check("linear", Subject(inputShape: [3, 6], parameters: [fc.weight, fc.bias],
                                         forward: { try fc.forward($0, mode: .training) },
                                         backward: { try fc.backward($0) }),
                       input: testValues(18, seed: 6))
    }

    @Test func residualBlocks() throws {
        var initializer = Initializer(.torchvision(seed: 3))
        let basic = try BasicBlock(name: "basic", inChannels: 4, planes: 6, stride: 2, initializer: &initializer,
                                   device: Self.device)
        try Self.check("basic block with projection", Subject(
            inputShape: [2, 4, 6, 6], parameters: basic.parameters,
            forward: { try basic.forward($0, mode: .training) }, backward: { try basic.backward($0) }),
                       input: testValues(288, seed: 7), probes: 4, step: 1e-3)
        let identity = try BasicBlock(name: "identity", inChannels: 4, planes: 4, stride: 1,
                                      initializer: &initializer, device: Self.device)
        try Self.check("basic block", Subject(
            inputShape: [2, 4, 5, 5], parameters: identity.parameters,
            forward: { try identity.forward($0, mode: .training) }, backward: { try identity.backward($0) }),
                       input: testValues(200, seed: 8), probes: 4, step: 1e-3)
        let bottleneck = try Bottleneck(name: "bottleneck", inChannels: 8, planes: 2, stride: 2, baseWidth: 128,
                                        initializer: &initializer, device: Self.device)
        try Self.check("wide bottleneck with projection", Subject(
            inputShape: [2, 8, 5, 5], parameters: bottleneck.parameters,
            forward: { try bottleneck.forward($0, mode: .training) }, backward: { try bottleneck.backward($0) }),
                       input: testValues(400, seed: 9), probes: 3, step: 1e-3)
    }

    @Test func wholeNetwork() throws {
        let model = try ResNet(Fixtures.tinyBasic, classes: 5, seed: 4, device: Self.device)
        let chosen = [model.conv1.weight, model.bn1.weight, model.stages[1][0].parameters[0], model.fc.weight,
                      model.fc.bias]
        try Self.check("tiny resnet", Subject(inputShape: [2, 3, 48, 48], parameters: chosen,
                                              forward: { try model.forward($0, mode: .training) },
                                              backward: { try model.backward($0); return nil }),
                       input: testValues(2 * 3 * 48 * 48, seed: 10), probes: 4, step: 1e-3,
                       relativeTolerance: 4e-2)
    }
}
