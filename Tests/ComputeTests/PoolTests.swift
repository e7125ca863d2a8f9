import Compute
import Testing
import TestSupport

@Suite struct PoolTests {
    struct WindowCase: CustomStringConvertible, Sendable {
        var shape: [Int], window: PoolWindow
        var description: String { "pool2d(\(shape), \(window))" }
    }

    /// The ResNet stem window on a prime-sized input, 1×1 everything, non-overlapping windows, per-axis windows,
    /// and a window as large as the padded input.
    static let windowCases: [WindowCase] = [
        WindowCase(shape: [2, 3, 13, 11], window: PoolWindow(kernel: 3, stride: 2, padding: 1)),
        WindowCase(shape: [1, 1, 1, 1], window: PoolWindow(kernel: 1, stride: 1)),
        WindowCase(shape: [1, 2, 9, 9], window: PoolWindow(kernel: 2, stride: 2)),
        WindowCase(shape: [2, 1, 7, 5], window: PoolWindow(kernel: (3, 2), stride: (1, 2), padding: (1, 0))),
        WindowCase(shape: [1, 1, 5, 5], window: PoolWindow(kernel: 5, stride: 1, padding: 2)),
        WindowCase(shape: [3, 5, 1, 1], window: PoolWindow(kernel: 3, stride: 2, padding: 1)),
    ]

    /// Small integers, so most windows hold ties, and one NaN (which max pooling must propagate).
    static func tiedValues(_ count: Int, withNaN: Bool) -> [Float] {
        var values = testValues(count, seed: 21, low: -2, high: 3).map { $0.rounded(.down) }
        if withNaN, count > 9 { values[9] = .nan }
        return values
    }

    @Test(arguments: windowCases)
    func maxPoolMatchesTheReferenceExactly(_ c: WindowCase) throws {
        for withNaN in [false, true] {
            let values = Self.tiedValues(c.shape.reduce(1, *), withNaN: withNaN)
            func run(_ device: any Device) throws -> (output: [Float], indices: [Int32], gradient: [Float]) {
                let (output, indices) = try device.maxPool2d(try Tensor(values, shape: c.shape, on: device),
                                                             window: c.window)
                let dy = try Tensor(testValues(output.count, seed: 22), shape: output.shape, on: device)
                let dx = try device.maxPool2dBackward(outputGradient: dy, indices: indices, window: c.window,
                                                      inputShape: c.shape)
                return (try output.floats(), try indices.int32s(), try dx.floats())
            }
            let expected = try run(TestDevices.reference)
            for device in try TestDevices.underTest {
                let got = try run(device)
                let name = "\(c)\(withNaN ? " with NaN" : "") on \(device.info.identifier)"
                expectClose(got.output, expected.output, .exact, "output: \(name)")
                expectIdentical(got.indices, expected.indices, "indices: \(name)")
                // Each input sums the same gradients in the same (row-major output) order on every device.
                expectClose(got.gradient, expected.gradient, .exact, "gradient: \(name)")
            }
        }
    }

    @Test(arguments: windowCases)
    func avgPoolMatchesTheReference(_ c: WindowCase) throws {
        let values = testValues(c.shape.reduce(1, *), seed: 23)
        func run(_ device: any Device) throws -> (output: [Float], gradient: [Float]) {
            let output = try device.avgPool2d(try Tensor(values, shape: c.shape, on: device), window: c.window)
            let dy = try Tensor(testValues(output.count, seed: 24), shape: output.shape, on: device)
            let dx = try device.avgPool2dBackward(outputGradient: dy, window: c.window, inputShape: c.shape)
            return (try output.floats(), try dx.floats())
        }
        let expected = try run(TestDevices.reference)
        let windowSize = c.window.kernelHeight * c.window.kernelWidth
        let tolerance = Tolerance.sums(length: windowSize, magnitude: 2)
        for device in try TestDevices.underTest {
            let got = try run(device)
            expectClose(got.output, expected.output, tolerance, "output: \(c) on \(device.info.identifier)")
            expectClose(got.gradient, expected.gradient, tolerance, "gradient: \(c) on \(device.info.identifier)")
        }
    }

    struct AdaptiveCase: CustomStringConvertible, Sendable {
        var shape: [Int], output: (Int, Int)
        var description: String { "adaptiveAvgPool2d(\(shape) -> \(output.0)x\(output.1))" }
    }

    /// Uneven and overlapping windows, global pooling (1×1), a 1×1 input, and an output larger than the input.
    static let adaptiveCases: [AdaptiveCase] = [
        AdaptiveCase(shape: [1, 2, 7, 5], output: (3, 2)), AdaptiveCase(shape: [2, 3, 13, 11], output: (4, 6)),
        AdaptiveCase(shape: [2, 5, 7, 7], output: (1, 1)), AdaptiveCase(shape: [1, 1, 1, 1], output: (1, 1)),
        AdaptiveCase(shape: [1, 1, 3, 2], output: (5, 4)), AdaptiveCase(shape: [3, 2, 17, 19], output: (7, 7)),
    ]

    @Test(arguments: adaptiveCases)
    func adaptiveAvgPoolMatchesTheReference(_ c: AdaptiveCase) throws {
        let values = testValues(c.shape.reduce(1, *), seed: 25)
        func run(_ device: any Device) throws -> (output: [Float], gradient: [Float]) {
            let output = try device.adaptiveAvgPool2d(try Tensor(values, shape: c.shape, on: device),
                                                      outputHeight: c.output.0, outputWidth: c.output.1)
            let dy = try Tensor(testValues(output.count, seed: 26), shape: output.shape, on: device)
            let dx = try device.adaptiveAvgPool2dBackward(outputGradient: dy, inputShape: c.shape)
            return (try output.floats(), try dx.floats())
        }
        let expected = try run(TestDevices.reference)
        #expect(expected.output.count == c.shape[0] * c.shape[1] * c.output.0 * c.output.1)
        let largestWindow = (c.shape[2] / c.output.0 + 2) * (c.shape[3] / c.output.1 + 2)
        let tolerance = Tolerance.sums(length: largestWindow, magnitude: 2)
        for device in try TestDevices.underTest {
            let got = try run(device)
            expectClose(got.output, expected.output, tolerance, "output: \(c) on \(device.info.identifier)")
            expectClose(got.gradient, expected.gradient, tolerance, "gradient: \(c) on \(device.info.identifier)")
        }
    }

    @Test func adaptiveWindowsFollowPyTorchsRule() {
        // 7 rows into 3 outputs: [0, 3), [2, 5), [4, 7); 3 rows into 5 outputs: [0,1), [0,2), [1,2), [1,3), [2,3).
        #expect((0..<3).map { AdaptivePooling.start($0, 3, 7) } == [0, 2, 4])
        #expect((0..<3).map { AdaptivePooling.end($0, 3, 7) } == [3, 5, 7])
        #expect((0..<5).map { AdaptivePooling.start($0, 5, 3) } == [0, 0, 1, 1, 2])
        #expect((0..<5).map { AdaptivePooling.end($0, 5, 3) } == [1, 2, 2, 3, 3])
    }

    /// Finite differences on the reference device: average pooling is linear and max pooling is linear away from
    /// ties, so the gradients must agree closely.
    @Test func referenceBackwardMatchesFiniteDifferences() throws {
        let device = TestDevices.reference
        let shape = [1, 2, 6, 5]
        // Distinct values at least 0.01 apart, so a step of 1e-3 never changes which element is the maximum.
        let values = (0..<60).map { Float(($0 * 37) % 60) * 0.01 - 0.3 }
        let window = PoolWindow(kernel: 3, stride: 2, padding: 1)
        let tolerance = Tolerance.elementwise(absolute: 2e-3, relative: 1e-2)

        let (maxOut, indices) = try device.maxPool2d(try Tensor(values, shape: shape, on: device), window: window)
        let weights = testValues(maxOut.count, seed: 27)
        let maxGradient = try device.maxPool2dBackward(
            outputGradient: try Tensor(weights, shape: maxOut.shape, on: device), indices: indices, window: window,
            inputShape: shape)
        expectClose(try maxGradient.floats(), try LayerTesting.numericGradient(values, step: 1e-3) {
            LayerTesting.dot(weights, try device.maxPool2d(try Tensor($0, shape: shape, on: device), window: window).output.floats())
        }, tolerance, "maxPool2d")

        let average = try device.avgPool2d(try Tensor(values, shape: shape, on: device), window: window)
        let averageGradient = try device.avgPool2dBackward(
            outputGradient: try Tensor(weights, shape: average.shape, on: device), window: window, inputShape: shape)
        expectClose(try averageGradient.floats(), try LayerTesting.numericGradient(values, step: 1e-2) {
            LayerTesting.dot(weights, try device.avgPool2d(try Tensor($0, shape: shape, on: device), window: window).floats())
        }, tolerance, "avgPool2d")

        let adaptive = try device.adaptiveAvgPool2d(try Tensor(values, shape: shape, on: device), outputHeight: 4,
                                                    outputWidth: 3)
        let adaptiveWeights = testValues(adaptive.count, seed: 28)
        let adaptiveGradient = try device.adaptiveAvgPool2dBackward(
            outputGradient: try Tensor(adaptiveWeights, shape: adaptive.shape, on: device), inputShape: shape)
        expectClose(try adaptiveGradient.floats(), try LayerTesting.numericGradient(values, step: 1e-2) {
            LayerTesting.dot(adaptiveWeights, try device.adaptiveAvgPool2d(try Tensor($0, shape: shape, on: device),
                                                                           outputHeight: 4, outputWidth: 3).floats())
        }, tolerance, "adaptiveAvgPool2d")
    }

    @Test func badArgumentsGetTheSameErrorOnEveryDevice() throws {
        try LayerTesting.expectSameError("padding above kernel/2") { device in
            _ = try device.maxPool2d(try Tensor(zeros: [1, 1, 8, 8], on: device),
                                     window: PoolWindow(kernel: 3, stride: 1, padding: 2))
        }
        try LayerTesting.expectSameError("window larger than the input") { device in
            _ = try device.avgPool2d(try Tensor(zeros: [1, 1, 2, 2], on: device), window: PoolWindow(kernel: 3, stride: 1))
        }
        try LayerTesting.expectSameError("stride 0") { device in
            _ = try device.maxPool2d(try Tensor(zeros: [1, 1, 4, 4], on: device), window: PoolWindow(kernel: 2, stride: 0))
        }
        try LayerTesting.expectSameError("rank 3 input") { device in
            _ = try device.adaptiveAvgPool2d(try Tensor(zeros: [1, 4, 4], on: device), outputHeight: 1, outputWidth: 1)
        }
        try LayerTesting.expectSameError("output size 0") { device in
            _ = try device.adaptiveAvgPool2d(try Tensor(zeros: [1, 1, 4, 4], on: device), outputHeight: 0,
                                             outputWidth: 1)
        }
        try LayerTesting.expectSameError("max-pool gradient of the wrong shape") { device in
            let window = PoolWindow(kernel: 3, stride: 2, padding: 1)
            _ = try device.maxPool2dBackward(outputGradient: try Tensor(zeros: [1, 1, 3, 3], on: device),
                                             indices: try Tensor(zeros: [1, 1, 3, 3], dtype: .int32, on: device),
                                             window: window, inputShape: [1, 1, 8, 8])
        }
        try LayerTesting.expectSameError("max-pool indices of the wrong type") { device in
            let window = PoolWindow(kernel: 2, stride: 2)
            _ = try device.maxPool2dBackward(outputGradient: try Tensor(zeros: [1, 1, 2, 2], on: device),
                                             indices: try Tensor(zeros: [1, 1, 2, 2], on: device), window: window,
                                             inputShape: [1, 1, 4, 4])
        }
    }
}
