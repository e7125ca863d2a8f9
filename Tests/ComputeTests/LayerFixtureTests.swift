import Compute
import Testing
import TestSupport

/// Every device against golden values from `Fixtures/make_layer_fixtures.py` (numpy float64 implementations of
/// the textbook definitions; PyTorch is not a dependency).
@Suite struct LayerFixtureTests {
    struct Cases<Case: Decodable>: Decodable { var cases: [Case] }

    struct BatchNormCase: Decodable {
        var name: String, shape: [Int], epsilon: Float, momentum: Float
        var x: [Float], gamma: [Float], beta: [Float], runningMean: [Float], runningVariance: [Float]
        var output: [Float], mean: [Float], inverseStd: [Float], updatedRunningMean: [Float]
        var updatedRunningVariance: [Float], evalOutput: [Float]
        var outputGradient: [Float], inputGradient: [Float], gammaGradient: [Float], betaGradient: [Float]
    }

    @Test func batchNormMatchesTheGoldenValues() throws {
        let cases = try LayerTesting.fixture("batch_norm", as: Cases<BatchNormCase>.self).cases
        #expect(cases.count == 4)
        for f in cases {
            let channels = f.shape[1], length = f.x.count / channels
            let magnitude = 1 + f.x.map(abs).max()!
            for device in try LayerTesting.allDevices {
                let name = "\(f.name) on \(device.info.identifier)"
                let x = try Tensor(f.x, shape: f.shape, on: device)
                let gamma = try Tensor(f.gamma, shape: [channels], on: device)
                let beta = try Tensor(f.beta, shape: [channels], on: device)
                let runningMean = try Tensor(f.runningMean, shape: [channels], on: device)
                let runningVariance = try Tensor(f.runningVariance, shape: [channels], on: device)
                let eval = try device.batchNormInference(x, gamma: gamma, beta: beta, runningMean: runningMean,
                                                         runningVariance: runningVariance, epsilon: f.epsilon)
                let (output, mean, inverseStd) = try device.batchNormForward(
                    x, gamma: gamma, beta: beta, runningMean: runningMean, runningVariance: runningVariance,
                    momentum: f.momentum, epsilon: f.epsilon)
                let (dx, dGamma, dBeta) = try device.batchNormBackward(
                    outputGradient: try Tensor(f.outputGradient, shape: f.shape, on: device), input: x, gamma: gamma,
                    mean: mean, inverseStd: inverseStd)
                // Outputs inherit the float32 rounding of x − μ, which grows with |x| (the 1000-mean case).
                let perElement = Tolerance.elementwise(absolute: 1e-5 + 2 * magnitude.ulp, relative: 1e-5)
                expectClose(try output.floats(), f.output, perElement, "output: \(name)")
                expectClose(try eval.floats(), f.evalOutput, perElement, "eval output: \(name)")
                expectClose(try mean.floats(), f.mean, .elementwise(absolute: magnitude.ulp, relative: 1e-6),
                            "mean: \(name)")
                expectClose(try inverseStd.floats(), f.inverseStd, .elementwise(absolute: 0, relative: 1e-5),
                            "inverse std: \(name)")
                expectClose(try runningMean.floats(), f.updatedRunningMean,
                            .elementwise(absolute: magnitude.ulp, relative: 1e-6), "running mean: \(name)")
                expectClose(try runningVariance.floats(), f.updatedRunningVariance,
                            .elementwise(absolute: 0, relative: 1e-5), "running variance: \(name)")
                expectClose(try dx.floats(), f.inputGradient, perElement, "dx: \(name)")
                let sums = Tolerance.sums(length: length, magnitude: 4)
                expectClose(try dBeta.floats(), f.betaGradient, sums, "dbeta: \(name)")
                // dγ = σ̂·Σdy·(x − μ) uses the float32 μ the forward pass saved (as PyTorch does); rounding μ by
                // δ ≤ ulp(μ)/2 moves dγ by δ·σ̂·Σdy, which dominates when the mean is 1000.
                let meanRounding = f.mean.map { abs($0).ulp / 2 }.max()!
                let dyMass = f.outputGradient.map(abs).reduce(0, +), maxInverseStd = f.inverseStd.max()!
                expectClose(try dGamma.floats(), f.gammaGradient,
                            Tolerance.sums(length: length, magnitude: 4,
                                           extraAbsolute: meanRounding * maxInverseStd * dyMass),
                            "dgamma: \(name)")
            }
        }
    }

    struct PoolCase: Decodable {
        var name: String, kind: String, shape: [Int], kernel: [Int], stride: [Int], padding: [Int]
        var x: [Float], output: [Float], indices: [Int32], outputGradient: [Float], inputGradient: [Float]
    }

    @Test func poolingMatchesTheGoldenValues() throws {
        let cases = try LayerTesting.fixture("pool", as: Cases<PoolCase>.self).cases
        #expect(cases.count == 9)
        let tolerance = Tolerance.elementwise(absolute: 1e-6, relative: 1e-6)
        for f in cases {
            let window = PoolWindow(kernel: (f.kernel[0], f.kernel[1]), stride: (f.stride[0], f.stride[1]),
                                    padding: (f.padding[0], f.padding[1]))
            for device in try LayerTesting.allDevices {
                let name = "\(f.name) on \(device.info.identifier)"
                let x = try Tensor(f.x, shape: f.shape, on: device)
                let output: Tensor, dx: Tensor
                switch f.kind {
                case "max":
                    let (pooled, indices) = try device.maxPool2d(x, window: window)
                    expectIdentical(try indices.int32s(), f.indices, "indices: \(name)")
                    output = pooled
                    dx = try device.maxPool2dBackward(
                        outputGradient: try Tensor(f.outputGradient, shape: pooled.shape, on: device),
                        indices: indices, window: window, inputShape: f.shape)
                case "avg":
                    output = try device.avgPool2d(x, window: window)
                    dx = try device.avgPool2dBackward(
                        outputGradient: try Tensor(f.outputGradient, shape: output.shape, on: device), window: window,
                        inputShape: f.shape)
                default:
                    output = try device.adaptiveAvgPool2d(x, outputHeight: f.kernel[0], outputWidth: f.kernel[1])
                    dx = try device.adaptiveAvgPool2dBackward(
                        outputGradient: try Tensor(f.outputGradient, shape: output.shape, on: device),
                        inputShape: f.shape)
                }
                expectClose(try output.floats(), f.output, tolerance, "output: \(name)")
                expectClose(try dx.floats(), f.inputGradient, tolerance, "gradient: \(name)")
            }
        }
    }

    struct CrossEntropyCase: Decodable {
        var name: String, rows: Int, classes: Int, labelSmoothing: Float
        var logits: [Float], targets: [Float], loss: Float, logitsGradient: [Float]
    }

    @Test func crossEntropyMatchesTheGoldenValues() throws {
        let cases = try LayerTesting.fixture("cross_entropy", as: Cases<CrossEntropyCase>.self).cases
        #expect(cases.count == 4)
        for f in cases {
            for device in try LayerTesting.allDevices {
                let name = "\(f.name) on \(device.info.identifier)"
                let (loss, gradient) = try device.softmaxCrossEntropy(
                    logits: try Tensor(f.logits, shape: [f.rows, f.classes], on: device),
                    targets: try Tensor(f.targets, shape: [f.rows, f.classes], on: device),
                    labelSmoothing: f.labelSmoothing)
                let magnitude = f.logits.map(abs).max()!
                expectClose(try loss.floats(), [f.loss],
                            Tolerance.sums(length: f.classes + f.rows, magnitude: 1 + magnitude),
                            "loss: \(name)")
                expectClose(try gradient.floats(), f.logitsGradient,
                            .elementwise(absolute: 1e-6 / Float(f.rows), relative: 1e-4), "dlogits: \(name)")
            }
        }
    }
}
