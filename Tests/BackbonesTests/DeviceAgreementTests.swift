import Backbones
import Compute
import Testing
import TestSupport

/// Every device runs a narrow ResNet's training step (forward, cross-entropy, backward) and its evaluation pass, and
/// agrees with the reference device. Tolerances as in ``TorchGoldenTests``: NMSE ≤ 1e-11 for evaluation outputs,
/// ≤ 1e-9 for training outputs and gradients (float32 sums in another order, through batch norm).
@Suite struct DeviceAgreementTests {
    struct Run {
        var evaluation: [Float], layer3: [Float], logits: [Float], loss: [Float]
        var gradients: [String: [Float]], runningMeans: [Float]
    }

    static func run(_ architecture: ResNetArchitecture, on device: any Device) throws -> Run {
        let model = try ResNet(architecture, classes: 7, seed: 21, device: device)
        let x = try Tensor(testValues(3 * 3 * 40 * 40, seed: 22), shape: [3, 3, 40, 40], on: device)
        let evaluation = try model.forward(x, mode: .evaluation).floats()
        let layer3 = try model.features(x, stages: [.layer3])[.layer3]!.floats()
        let logits = try model.forward(x, mode: .training)
        var targets = [Float](repeating: 0, count: 21)
        for (row, label) in [2, 6, 0].enumerated() { targets[row * 7 + label] = 1 }
        let (loss, gradient) = try device.softmaxCrossEntropy(
            logits: logits, targets: try Tensor(targets, shape: [3, 7], on: device), labelSmoothing: 0.1)
        try model.backward(gradient)
        var gradients: [String: [Float]] = [:]
        for parameter in model.parameters { gradients[parameter.name] = try parameter.gradient!.floats() }
        let means = try model.state.flatMap { entry -> [Float] in
            if case let .buffer(b) = entry, b.name.hasSuffix("running_mean") { return try b.value.floats() }
            return []
        }
        return Run(evaluation: evaluation, layer3: layer3, logits: try logits.floats(), loss: try loss.floats(),
                   gradients: gradients, runningMeans: means)
    }

    @Test(arguments: [Fixtures.tinyBasic, Fixtures.tinyBottleneck])
    func everyDeviceAgreesWithTheReference(_ architecture: ResNetArchitecture) throws {
        let expected = try Self.run(architecture, on: TestDevices.reference)
        for device in try TestDevices.underTest {
            let name = "\(architecture.name) on \(device.info.identifier)"
            let got = try Self.run(architecture, on: device)
            expectClose(got.evaluation, expected.evaluation, .nmse(1e-11), "evaluation logits of \(name)")
            expectClose(got.layer3, expected.layer3, .nmse(1e-11), "layer3 of \(name)")
            expectClose(got.logits, expected.logits, .nmse(1e-9), "training logits of \(name)")
            expectClose(got.loss, expected.loss, .elementwise(absolute: 0, relative: 1e-5), "loss of \(name)")
            expectClose(got.runningMeans, expected.runningMeans, .nmse(1e-9), "running means of \(name)")
            for (parameter, values) in expected.gradients {
                expectClose(got.gradients[parameter] ?? [], values, .nmse(1e-9), "gradient of \(parameter) of \(name)")
            }
        }
    }
}
