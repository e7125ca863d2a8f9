import Compute
import Testing
import TestSupport

@Suite struct BatchNormTests {
    struct Case: CustomStringConvertible, Sendable {
        var n: Int, c: Int, h: Int, w: Int
        /// Added to every input value: a mean far from zero is where naive variance formulas fail.
        var offset: Float = 0
        var shape: [Int] { [n, c, h, w] }
        var length: Int { n * h * w }
        var description: String { "batchNorm(n=\(n),c=\(c),h=\(h),w=\(w)\(offset != 0 ? ",offset=\(offset)" : ""))" }
    }

    /// Two values per channel, batch 1, one channel, primes, 1×1 planes, several channels per work-item, channels
    /// long enough to be split over work-items and chunks, and a mean of 1000.
    static let cases: [Case] = [
        Case(n: 1, c: 1, h: 2, w: 1), Case(n: 2, c: 3, h: 4, w: 5), Case(n: 1, c: 2, h: 13, w: 11),
        Case(n: 5, c: 1, h: 1, w: 1), Case(n: 2, c: 17, h: 7, w: 7), Case(n: 3, c: 2, h: 37, w: 41),
        Case(n: 8, c: 2, h: 64, w: 65), Case(n: 4, c: 3, h: 47, w: 53, offset: 1000),
    ]

    struct Inputs {
        var x: [Float], gamma: [Float], beta: [Float], runningMean: [Float], runningVariance: [Float], dy: [Float]

        init(_ c: Case) {
            x = testValues(c.n * c.c * c.h * c.w, seed: 11).map { $0 + c.offset }
            gamma = testValues(c.c, seed: 12, low: 0.5, high: 1.5)
            beta = testValues(c.c, seed: 13, low: -0.5, high: 0.5)
            runningMean = testValues(c.c, seed: 14, low: -0.2, high: 0.2)
            runningVariance = testValues(c.c, seed: 15, low: 0.5, high: 2)
            dy = testValues(x.count, seed: 16)
        }
    }

    /// Every result of a training forward pass, the evaluation pass and the backward pass.
    struct Results {
        var output: [Float], mean: [Float], inverseStd: [Float], runningMean: [Float], runningVariance: [Float]
        var evalOutput: [Float], inputGradient: [Float], gammaGradient: [Float], betaGradient: [Float]
    }

    static func run(_ c: Case, _ inputs: Inputs, on device: any Device) throws -> Results {
        let x = try Tensor(inputs.x, shape: c.shape, on: device)
        let gamma = try Tensor(inputs.gamma, shape: [c.c], on: device)
        let beta = try Tensor(inputs.beta, shape: [c.c], on: device)
        let runningMean = try Tensor(inputs.runningMean, shape: [c.c], on: device)
        let runningVariance = try Tensor(inputs.runningVariance, shape: [c.c], on: device)
        let eval = try device.batchNormInference(x, gamma: gamma, beta: beta, runningMean: runningMean,
                                                 runningVariance: runningVariance, epsilon: 1e-5)
        let (output, mean, inverseStd) = try device.batchNormForward(
            x, gamma: gamma, beta: beta, runningMean: runningMean, runningVariance: runningVariance, momentum: 0.1,
            epsilon: 1e-5)
        let dy = try Tensor(inputs.dy, shape: c.shape, on: device)
        let (dx, dGamma, dBeta) = try device.batchNormBackward(outputGradient: dy, input: x, gamma: gamma, mean: mean,
                                                               inverseStd: inverseStd)
        return Results(output: try output.floats(), mean: try mean.floats(), inverseStd: try inverseStd.floats(),
                       runningMean: try runningMean.floats(), runningVariance: try runningVariance.floats(),
                       evalOutput: try eval.floats(), inputGradient: try dx.floats(), gammaGradient: try dGamma.floats(),
                       betaGradient: try dBeta.floats())
    }

    @Test(arguments: cases)
    func everyDeviceMatchesTheReference(_ c: Case) throws {
        let inputs = Inputs(c)
        let expected = try Self.run(c, inputs, on: TestDevices.reference)
        // Per-element results are O(1) but inherit the float32 rounding of the mean (ulp(1000) = 6e-5, and
        // x − μ cannot be more accurate); the statistics carry the input's magnitude; the parameter gradients are
        // sums over the channel.
        let elementwise = Tolerance.elementwise(absolute: 2e-5 + 2 * abs(c.offset).ulp, relative: 2e-5)
        let statistics = Tolerance.elementwise(absolute: 1e-6 * (1 + abs(c.offset)), relative: 1e-5)
        let sums = Tolerance.sums(length: c.length, magnitude: 2)
        // dγ = σ̂·Σdy·(x − μ) also moves by σ̂·δμ·Σdy when a device's float μ differs from the reference's by δμ
        // (a few ulp of μ).
        let meanError = 4 * expected.mean.map { abs($0).ulp }.max()!
        let gammaSums = Tolerance.sums(
            length: c.length, magnitude: 2,
            extraAbsolute: meanError * expected.inverseStd.max()! * expected.betaGradient.map(abs).max()!)
        for device in try TestDevices.underTest {
            let got = try Self.run(c, inputs, on: device)
            let name = "\(c) on \(device.info.identifier)"
            expectClose(got.output, expected.output, elementwise, "output: \(name)")
            expectClose(got.mean, expected.mean, statistics, "mean: \(name)")
            expectClose(got.inverseStd, expected.inverseStd, .elementwise(absolute: 0, relative: 2e-5),
                        "inverse std: \(name)")
            expectClose(got.runningMean, expected.runningMean, statistics, "running mean: \(name)")
            expectClose(got.runningVariance, expected.runningVariance, .elementwise(absolute: 0, relative: 2e-5),
                        "running variance: \(name)")
            expectClose(got.evalOutput, expected.evalOutput,
                        .elementwise(absolute: 2e-5 * (1 + abs(c.offset)), relative: 2e-5), "eval output: \(name)")
            expectClose(got.inputGradient, expected.inputGradient, elementwise, "dx: \(name)")
            expectClose(got.gammaGradient, expected.gammaGradient, gammaSums, "dgamma: \(name)")
            expectClose(got.betaGradient, expected.betaGradient, sums, "dbeta: \(name)")
        }
    }

    /// One channel as long as ResNet's largest (batch 128 at 112²: 1.6 M values), centred at 100 with spread ±2.
    @Test func realSizeChannelKeepsItsStatistics() throws {
        let c = Case(n: 128, c: 1, h: 112, w: 112, offset: 100)
        let x = (0..<c.length).map { Float(($0 &* 2_654_435_761) % 4_001) / 1_000 - 2 + c.offset }
        let dy = (0..<c.length).map { Float(($0 &* 40_503 &+ 17) % 2_001) / 1_000 - 1 }
        func run(_ device: any Device) throws -> [[Float]] {
            let one = { (value: Float) in try Tensor([value], shape: [1], on: device) }
            let input = try Tensor(x, shape: c.shape, on: device), gamma = try one(1.5)
            let (_, mean, inverseStd) = try device.batchNormForward(
                input, gamma: gamma, beta: try one(0), runningMean: try one(0), runningVariance: try one(1),
                momentum: 0.1, epsilon: 1e-5)
            let (_, dGamma, dBeta) = try device.batchNormBackward(
                outputGradient: try Tensor(dy, shape: c.shape, on: device), input: input, gamma: gamma, mean: mean,
                inverseStd: inverseStd)
            return [try mean.floats(), try inverseStd.floats(), try dGamma.floats(), try dBeta.floats()]
        }
        let expected = try run(TestDevices.reference)
        // The values are uniform on [98, 102]: variance 4/3.
        #expect(abs(expected[0][0] - 100) < 0.01 && abs(expected[1][0] * (4.0 / 3).squareRoot() - 1) < 0.01)
        // A float mean merged over ~1,600 chunks may differ from the float64 one by a few ulp.
        let meanRounding = 4 * abs(expected[0][0]).ulp
        for device in try TestDevices.underTest {
            let got = try run(device), name = "1.6 M values on \(device.info.identifier)"
            expectClose(got[0], expected[0], .elementwise(absolute: meanRounding, relative: 0), "mean: \(name)")
            expectClose(got[1], expected[1], .elementwise(absolute: 0, relative: 1e-5), "inverse std: \(name)")
            // dγ = σ̂·Σdy·(x − μ) moves by σ̂·δμ·Σdy when μ is rounded to float32 (see the fixture test).
            let dyMass = abs(expected[3][0]) + 1
            expectClose(got[2], expected[2],
                        Tolerance.sums(length: c.length, magnitude: 2,
                                       extraAbsolute: meanRounding * expected[1][0] * dyMass),
                        "dgamma: \(name)")
            expectClose(got[3], expected[3], Tolerance.sums(length: c.length), "dbeta: \(name)")
        }
    }

    /// `batch_norm_inference` against `γ·(x − running_mean)/√(running_var + ε) + β` in float64, on every device
    /// including the reference, with one value per channel (which training refuses), a long plane and a variance
    /// near zero where ε matters; the running statistics stay as they were.
    @Test(arguments: [Case(n: 1, c: 3, h: 1, w: 1), Case(n: 2, c: 5, h: 17, w: 19, offset: 3)])
    func inferenceMatchesItsDefinitionInFloat64(_ c: Case) throws {
        let inputs = Inputs(c)
        let variance = inputs.runningVariance.enumerated().map { $0.offset == 0 ? 1e-6 : $0.element }
        let epsilon: Float = 1e-3, plane = c.h * c.w
        let expected = inputs.x.indices.map { i in
            let channel = i / plane % c.c
            let centred = Double(inputs.x[i]) - Double(inputs.runningMean[channel])
            let scale = Double(inputs.gamma[channel]) / (Double(variance[channel]) + Double(epsilon)).squareRoot()
            return Float(scale * centred + Double(inputs.beta[channel]))
        }
        for device in try [TestDevices.reference] + TestDevices.underTest {
            let runningMean = try Tensor(inputs.runningMean, shape: [c.c], on: device)
            let runningVariance = try Tensor(variance, shape: [c.c], on: device)
            let gamma = try Tensor(inputs.gamma, shape: [c.c], on: device)
            let beta = try Tensor(inputs.beta, shape: [c.c], on: device)
            let y = try device.batchNormInference(try Tensor(inputs.x, shape: c.shape, on: device), gamma: gamma,
                                                  beta: beta, runningMean: runningMean,
                                                  runningVariance: runningVariance, epsilon: epsilon)
            let name = "\(c) on \(device.info.identifier)"
            #expect(y.shape == c.shape, "\(name)")
            expectClose(try y.floats(), expected, .elementwise(absolute: 1e-5 * (1 + abs(c.offset)), relative: 1e-5),
                        "inference: \(name)")
            #expect(try runningMean.floats() == inputs.runningMean && runningVariance.floats() == variance, "\(name)")
        }
    }

    @Test func referenceStatisticsMatchTheDefinitionsInFloat64() throws {
        let c = Case(n: 4, c: 3, h: 47, w: 53, offset: 1000)
        let inputs = Inputs(c)
        let got = try Self.run(c, inputs, on: TestDevices.reference)
        let plane = c.h * c.w
        for channel in 0..<c.c {
            let values = (0..<c.n).flatMap { image in
                (0..<plane).map { Double(inputs.x[(image * c.c + channel) * plane + $0]) }
            }
            let mean = values.reduce(0, +) / Double(values.count)
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            #expect(abs(Double(got.mean[channel]) - mean) <= 1e-4)
            #expect(abs(Double(got.inverseStd[channel]) * (squares / Double(values.count) + 1e-5).squareRoot() - 1) < 1e-6)
            let running = 0.9 * Double(inputs.runningVariance[channel]) + 0.1 * squares / Double(values.count - 1)
            #expect(abs(Double(got.runningVariance[channel]) / running - 1) < 1e-6)
        }
    }

    /// Finite differences of `L = Σ w·y` on the reference device, for dx, dγ and dβ.
    @Test func referenceBackwardMatchesFiniteDifferences() throws {
        let device = TestDevices.reference
        let c = Case(n: 2, c: 2, h: 3, w: 2)
        let inputs = Inputs(c)
        let weights = inputs.dy
        func loss(x: [Float], gamma: [Float], beta: [Float]) throws -> Double {
            let (output, _, _) = try device.batchNormForward(
                try Tensor(x, shape: c.shape, on: device), gamma: try Tensor(gamma, shape: [c.c], on: device),
                beta: try Tensor(beta, shape: [c.c], on: device), runningMean: try Tensor(zeros: [c.c], on: device),
                runningVariance: try Tensor(zeros: [c.c], on: device), momentum: 0.1, epsilon: 1e-5)
            return LayerTesting.dot(weights, try output.floats())
        }
        let analytic = try Self.run(c, inputs, on: device)
        let tolerance = Tolerance.elementwise(absolute: 2e-3, relative: 1e-2)
        expectClose(analytic.inputGradient,
                    try LayerTesting.numericGradient(inputs.x, step: 1e-2) { try loss(x: $0, gamma: inputs.gamma, beta: inputs.beta) },
                    tolerance, "dx")
        expectClose(analytic.gammaGradient,
                    try LayerTesting.numericGradient(inputs.gamma, step: 1e-2) { try loss(x: inputs.x, gamma: $0, beta: inputs.beta) },
                    tolerance, "dgamma")
        expectClose(analytic.betaGradient,
                    try LayerTesting.numericGradient(inputs.beta, step: 1e-2) { try loss(x: inputs.x, gamma: inputs.gamma, beta: $0) },
                    tolerance, "dbeta")
    }

    @Test func badArgumentsGetTheSameErrorOnEveryDevice() throws {
        func call(_ device: any Device, shape: [Int], channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5)
            throws {
            let parameter = { try Tensor(zeros: [channels], on: device) }
            _ = try device.batchNormForward(try Tensor(zeros: shape, on: device), gamma: try parameter(),
                                            beta: try parameter(), runningMean: try parameter(),
                                            runningVariance: try parameter(), momentum: momentum, epsilon: epsilon)
        }
        try LayerTesting.expectSameError("rank 3 input") { try call($0, shape: [2, 3, 4], channels: 3) }
        try LayerTesting.expectSameError("gamma of the wrong length") { try call($0, shape: [2, 3, 4, 4], channels: 4) }
        try LayerTesting.expectSameError("one value per channel") { try call($0, shape: [1, 3, 1, 1], channels: 3) }
        try LayerTesting.expectSameError("momentum above 1") {
            try call($0, shape: [2, 3, 2, 2], channels: 3, momentum: 1.5)
        }
        try LayerTesting.expectSameError("epsilon 0") { try call($0, shape: [2, 3, 2, 2], channels: 3, epsilon: 0) }
        try LayerTesting.expectSameError("backward with a mismatched gradient") { device in
            let channel = try Tensor(zeros: [3], on: device)
            _ = try device.batchNormBackward(outputGradient: try Tensor(zeros: [2, 3, 2, 3], on: device),
                                             input: try Tensor(zeros: [2, 3, 2, 2], on: device), gamma: channel,
                                             mean: channel, inverseStd: channel)
        }
    }
}
