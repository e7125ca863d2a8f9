@testable import Backbones
import Compute
import Testing
import TestSupport

/// Every device against PyTorch (`Fixtures/make_torch_fixtures.py`: float32 inputs and weights, results computed by
/// torch in float64 and rounded once).
///
/// Tolerances: single layers agree to float32 rounding (NMSE ≤ 1e-11; elementwise 1e-5 for batch norm, whose inputs
/// sit far from zero); networks are held to NMSE ≤ 1e-11 on evaluation outputs and ≤ 1e-9 on gradients and on the
/// state after two SGD steps, about ten times the worst error measured on any device (batch-norm shifts whose
/// gradients are small sums of cancelling terms).
@Suite struct TorchGoldenTests {
    @Test func convolutionWithBiasMatchesPyTorch() throws {
        let f = try Fixtures.safetensors("conv")
        let options = Conv2DOptions(stride: 2, padding: 1)
        for device in try TestDevices.all {
            let name = device.info.identifier
            let x = try f.tensor("x", on: device), weight = try f.tensor("weight", on: device)
            let dy = try f.tensor("output_gradient", on: device)
            let y = try device.conv2d(x, weight: weight, bias: try f.tensor("bias", on: device), options: options)
            expectClose(try y.floats(), try f.values("output"), .nmse(1e-11), "conv output on \(name)")
            let dx = try device.conv2dBackwardData(outputGradient: dy, weight: weight, inputSize: (9, 8),
                                                   options: options)
            expectClose(try dx.floats(), try f.values("input_gradient"), .nmse(1e-11), "conv dx on \(name)")
            let (dw, db) = try device.conv2dBackwardFilter(outputGradient: dy, input: x, kernelSize: (3, 3),
                                                           options: options, includeBias: true)
            expectClose(try dw.floats(), try f.values("weight_gradient"), .nmse(1e-11), "conv dw on \(name)")
            expectClose(try #require(db).floats(), try f.values("bias_gradient"), .nmse(1e-11), "conv db on \(name)")
        }
    }

    @Test func batchNormTrainingAndEvaluationMatchPyTorch() throws {
        let f = try Fixtures.safetensors("batch_norm")
        let close = Tolerance.elementwise(absolute: 1e-5, relative: 1e-5)
        for device in try TestDevices.all {
            let name = device.info.identifier
            let layer = try BatchNorm2d(name: "bn", channels: 3, device: device)
            layer.weight.value = try f.tensor("weight", on: device)
            layer.bias.value = try f.tensor("bias", on: device)
            layer.runningMean.value = try f.tensor("running_mean", on: device)
            layer.runningVariance.value = try f.tensor("running_var", on: device)
            let x = try f.tensor("x", on: device)
            let y = try layer.forward(x, mode: .training)
            expectClose(try y.floats(), try f.values("output"), close, "bn output on \(name)")
            expectClose(try layer.runningMean.value.floats(), try f.values("updated_running_mean"), close,
                        "running mean on \(name)")
            expectClose(try layer.runningVariance.value.floats(), try f.values("updated_running_var"), close,
                        "running var on \(name)")
            #expect(layer.batchesTracked.value == 1)
            let dx = try layer.backward(try f.tensor("output_gradient", on: device))
            expectClose(try dx.floats(), try f.values("input_gradient"), close, "bn dx on \(name)")
            expectClose(try #require(layer.weight.gradient).floats(), try f.values("weight_gradient"), .nmse(1e-11),
                        "bn dgamma on \(name)")
            expectClose(try #require(layer.bias.gradient).floats(), try f.values("bias_gradient"), .nmse(1e-11),
                        "bn dbeta on \(name)")
            let evaluation = try layer.forward(x, mode: .evaluation)
            expectClose(try evaluation.floats(), try f.values("evaluation_output"), close, "bn eval on \(name)")
        }
    }

    @Test(arguments: ["tiny_basic", "tiny_bottleneck"])
    func narrowResNetMatchesPyTorch(_ fixture: String) throws {
        let architecture = fixture == "tiny_basic" ? Fixtures.tinyBasic : Fixtures.tinyBottleneck
        let weights = try Fixtures.url(fixture + ".safetensors")
        let f = try Fixtures.safetensors(fixture + "_expected")
        for device in try TestDevices.all {
            let name = "\(fixture) on \(device.info.identifier)"
            let model = try ResNet(architecture, classes: 10, device: device)
            try model.load(from: weights)
            let x = try f.tensor("input", on: device)
            expectClose(try model.forward(x, mode: .evaluation).floats(), try f.values("eval_logits"), .nmse(1e-11),
                        "eval logits of \(name)")
            let features = try model.features(x, stages: [.layer2, .layer3])
            expectClose(try #require(features[.layer2]).floats(), try f.values("eval_layer2"), .nmse(1e-11),
                        "layer2 of \(name)")
            expectClose(try #require(features[.layer3]).floats(), try f.values("eval_layer3"), .nmse(1e-11),
                        "layer3 of \(name)")
            #expect(features.count == 2)

            let optimizer = SGD(parameters: model.parameters,
                                configuration: SGDConfiguration(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4))
            let targets = try f.tensor("targets", on: device)
            for step in 1...2 {
                let logits = try model.forward(x, mode: .training)
                let (loss, gradient) = try device.softmaxCrossEntropy(logits: logits, targets: targets,
                                                                      labelSmoothing: 0.1)
                expectClose(try loss.floats(), try f.values("loss\(step)"), .elementwise(absolute: 0, relative: 1e-5),
                            "loss of step \(step) of \(name)")
                try model.backward(gradient)
                if step == 1 {
                    for parameter in model.parameters {
                        expectClose(try #require(parameter.gradient).floats(), try f.values("grad.\(parameter.name)"),
                                    .nmse(1e-9), "gradient of \(parameter.name) of \(name)")
                    }
                }
                try optimizer.step(learningRate: 0.1)
            }
            for entry in model.state {
                let expected = try f.values("after.\(entry.name)")
                switch entry {
                case let .parameter(p):
                    expectClose(try p.value.floats(), expected, .nmse(1e-9), "\(p.name) after two steps of \(name)")
                case let .buffer(b):
                    expectClose(try b.value.floats(), expected, .nmse(1e-9), "\(b.name) after two steps of \(name)")
                case let .counter(c):
                    #expect(Float(c.value) == expected[0], "\(c.name) of \(name)")
                }
            }
        }
    }
}
