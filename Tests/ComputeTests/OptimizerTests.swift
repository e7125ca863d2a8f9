import Compute
import Testing
import TestSupport

@Suite struct OptimizerTests {
    struct Case: CustomStringConvertible, Sendable {
        var count: Int, configuration: SGDConfiguration
        var description: String {
            let c = configuration
            return "sgdStep(n=\(count),lr=\(c.learningRate),mu=\(c.momentum),wd=\(c.weightDecay),nesterov=\(c.nesterov))"
        }
    }

    static let cases: [Case] = [
        Case(count: 1, configuration: SGDConfiguration(learningRate: 0.1)),
        Case(count: 13, configuration: SGDConfiguration(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4)),
        Case(count: 4099, configuration: SGDConfiguration(learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4,
                                                          nesterov: true)),
    ]

    /// Three steps with different gradients; returns weights and buffer after each.
    static func run(_ c: Case, on device: any Device) throws -> [[Float]] {
        let weights = try Tensor(testValues(c.count, seed: 41), shape: [c.count], on: device)
        let buffer = try Tensor(testValues(c.count, seed: 42), shape: [c.count], on: device)  // ignored on step 1
        var results: [[Float]] = []
        for step in 0..<3 {
            let gradient = try Tensor(testValues(c.count, seed: 43 + UInt64(step)), shape: [c.count], on: device)
            try device.sgdStep(weights: weights, gradient: gradient, momentumBuffer: buffer,
                               configuration: c.configuration, firstStep: step == 0)
            results += [try weights.floats(), try buffer.floats()]
        }
        return results
    }

    @Test(arguments: cases)
    func everyDeviceMatchesTheReference(_ c: Case) throws {
        let expected = try Self.run(c, on: TestDevices.reference)
        // A few multiply-adds per element, each of which may be fused, which changes a result by up to an ulp of
        // its terms (|μ·b| + |g| ≤ 4 here) even where they cancel.
        let tolerance = Tolerance.elementwise(absolute: 4 * 4 * Float.ulpOfOne, relative: 8 * Float.ulpOfOne)
        for device in try TestDevices.underTest {
            let got = try Self.run(c, on: device)
            for (index, values) in got.enumerated() {
                expectClose(values, expected[index], tolerance,
                            "\(index % 2 == 0 ? "weights" : "buffer") after step \(index / 2 + 1): \(c) on \(device.info.identifier)")
            }
        }
    }

    /// PyTorch's update worked by hand: w = 1, g = 0.5, lr = 0.1, μ = 0.9, λ = 0.01.
    @Test func referenceFollowsPyTorchsFormulas() throws {
        let device = TestDevices.reference
        for nesterov in [false, true] {
            let weights = try Tensor([Float(1)], shape: [1], on: device)
            let buffer = try Tensor([Float(123)], shape: [1], on: device)
            let gradient = try Tensor([Float(0.5)], shape: [1], on: device)
            let configuration = SGDConfiguration(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: nesterov)
            try device.sgdStep(weights: weights, gradient: gradient, momentumBuffer: buffer,
                               configuration: configuration, firstStep: true)
            // g' = 0.5 + 0.01·1 = 0.51, b = g'; plain: w = 1 − 0.1·0.51; Nesterov: w = 1 − 0.1·(0.51 + 0.9·0.51).
            #expect(abs(try buffer.floats()[0] - 0.51) < 1e-6)
            #expect(abs(try weights.floats()[0] - (nesterov ? 0.9031 : 0.949)) < 1e-6)
            try device.sgdStep(weights: weights, gradient: gradient, momentumBuffer: buffer,
                               configuration: configuration, firstStep: false)
            // g' = 0.5 + 0.01·w, b = 0.9·0.51 + g'.
            let w1: Float = nesterov ? 0.9031 : 0.949
            let g2 = 0.5 + 0.01 * w1, b2 = 0.9 * 0.51 + g2
            #expect(abs(try buffer.floats()[0] - b2) < 1e-6)
            #expect(abs(try weights.floats()[0] - (w1 - 0.1 * (nesterov ? g2 + 0.9 * b2 : b2))) < 1e-6)
        }
    }

    @Test func badArgumentsGetTheSameErrorOnEveryDevice() throws {
        func call(_ device: any Device, gradientCount: Int = 4, configuration: SGDConfiguration) throws {
            try device.sgdStep(weights: try Tensor(zeros: [4], on: device),
                               gradient: try Tensor(zeros: [gradientCount], on: device),
                               momentumBuffer: try Tensor(zeros: [4], on: device), configuration: configuration,
                               firstStep: true)
        }
        try LayerTesting.expectSameError("gradient of another shape") {
            try call($0, gradientCount: 5, configuration: SGDConfiguration(learningRate: 0.1))
        }
        try LayerTesting.expectSameError("Nesterov without momentum") {
            try call($0, configuration: SGDConfiguration(learningRate: 0.1, nesterov: true))
        }
        try LayerTesting.expectSameError("negative weight decay") {
            try call($0, configuration: SGDConfiguration(learningRate: 0.1, weightDecay: -1))
        }
        try LayerTesting.expectSameError("infinite learning rate") {
            try call($0, configuration: SGDConfiguration(learningRate: .infinity))
        }
    }
}
