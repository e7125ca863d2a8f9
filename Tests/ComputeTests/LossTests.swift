import Compute
import Testing
import TestSupport

@Suite struct LossTests {
    struct Case: CustomStringConvertible, Sendable {
        var rows: Int, classes: Int, smoothing: Float
        /// Logit spread; 100 overflows `exp` without the max subtraction.
        var spread: Float = 3
        var description: String { "softmaxCrossEntropy(n=\(rows),k=\(classes),eps=\(smoothing),spread=\(spread))" }
    }

    static let cases: [Case] = [
        Case(rows: 1, classes: 1, smoothing: 0), Case(rows: 3, classes: 5, smoothing: 0),
        Case(rows: 7, classes: 13, smoothing: 0.1), Case(rows: 2, classes: 1000, smoothing: 0.1),
        Case(rows: 5, classes: 6, smoothing: 0.2, spread: 100), Case(rows: 65, classes: 3, smoothing: 1),
    ]

    /// MixUp-style targets: each row mixes two classes with weight λ and 1 − λ.
    static func mixedTargets(rows: Int, classes: Int) -> [Float] {
        var targets = [Float](repeating: 0, count: rows * classes)
        let lambdas = testValues(rows, seed: 31, low: 0, high: 1)
        for row in 0..<rows {
            targets[row * classes + (row * 7) % classes] += lambdas[row]
            targets[row * classes + (row * 3 + 1) % classes] += 1 - lambdas[row]
        }
        return targets
    }

    static func run(_ c: Case, on device: any Device) throws -> (loss: [Float], gradient: [Float]) {
        let logits = try Tensor(testValues(c.rows * c.classes, seed: 32, low: -c.spread, high: c.spread),
                                shape: [c.rows, c.classes], on: device)
        let targets = try Tensor(mixedTargets(rows: c.rows, classes: c.classes), shape: [c.rows, c.classes],
                                 on: device)
        let (loss, gradient) = try device.softmaxCrossEntropy(logits: logits, targets: targets,
                                                              labelSmoothing: c.smoothing)
        #expect(loss.shape == [1])
        return (try loss.floats(), try gradient.floats())
    }

    @Test(arguments: cases)
    func everyDeviceMatchesTheReference(_ c: Case) throws {
        let expected = try Self.run(c, on: TestDevices.reference)
        #expect(expected.loss[0].isFinite)
        // The loss sums K products per row and N rows; gradients are single softmax terms over N.
        let lossTolerance = Tolerance.sums(length: c.classes + c.rows, magnitude: 1 + c.spread)
        let gradientTolerance = Tolerance.elementwise(absolute: 1e-6 / Float(c.rows), relative: 1e-4)
        for device in try TestDevices.underTest {
            let got = try Self.run(c, on: device)
            expectClose(got.loss, expected.loss, lossTolerance, "loss: \(c) on \(device.info.identifier)")
            expectClose(got.gradient, expected.gradient, gradientTolerance, "dlogits: \(c) on \(device.info.identifier)")
        }
    }

    @Test func referenceGradientMatchesFiniteDifferences() throws {
        let device = TestDevices.reference
        let (rows, classes, smoothing): (Int, Int, Float) = (3, 4, 0.1)
        let logits = testValues(rows * classes, seed: 33)
        let targets = try Tensor(Self.mixedTargets(rows: rows, classes: classes), shape: [rows, classes], on: device)
        func loss(_ values: [Float]) throws -> Double {
            Double(try device.softmaxCrossEntropy(logits: try Tensor(values, shape: [rows, classes], on: device),
                                                  targets: targets, labelSmoothing: smoothing).loss.floats()[0])
        }
        let analytic = try device.softmaxCrossEntropy(logits: try Tensor(logits, shape: [rows, classes], on: device),
                                                      targets: targets, labelSmoothing: smoothing).logitsGradient
        expectClose(try analytic.floats(), try LayerTesting.numericGradient(logits, step: 1e-2, loss),
                    .elementwise(absolute: 2e-4, relative: 1e-2), "dlogits")
    }

    @Test func countCorrectTakesTheFirstMaximum() throws {
        // Row 0: tie between classes 1 and 2, label 1 (hit). Row 1: label 2 (miss, the first maximum is 1).
        // Row 2: clear maximum at 0 (hit). Row 3: label -1 (never a hit). Row 4: label 3 = K (never a hit).
        let logits: [Float] = [0, 5, 5, 1, 2, 2, 4, 1, 0, -1, 3, 3, 1, 1, 1]
        let labels: [Int32] = [1, 2, 0, -1, 3]
        for device in try LayerTesting.allDevices {
            let hits = try device.countCorrect(logits: try Tensor(logits, shape: [5, 3], on: device),
                                               labels: try Tensor(labels, shape: [5], on: device))
            #expect(try hits.int32s() == [2], "\(device.info.identifier)")
        }
        let big = testValues(300 * 10, seed: 34)
        let bigLabels = (0..<300).map { Int32($0 % 10) }
        let expected = try TestDevices.reference.countCorrect(
            logits: try Tensor(big, shape: [300, 10], on: TestDevices.reference),
            labels: try Tensor(bigLabels, shape: [300], on: TestDevices.reference)).int32s()
        #expect(expected[0] > 0 && expected[0] < 300)
        for device in try TestDevices.underTest {
            let got = try device.countCorrect(logits: try Tensor(big, shape: [300, 10], on: device),
                                              labels: try Tensor(bigLabels, shape: [300], on: device))
            #expect(try got.int32s() == expected, "\(device.info.identifier)")
        }
    }

    @Test func badArgumentsGetTheSameErrorOnEveryDevice() throws {
        try LayerTesting.expectSameError("smoothing above 1") { device in
            _ = try device.softmaxCrossEntropy(logits: try Tensor(zeros: [2, 3], on: device),
                                               targets: try Tensor(zeros: [2, 3], on: device), labelSmoothing: 1.5)
        }
        try LayerTesting.expectSameError("targets of another shape") { device in
            _ = try device.softmaxCrossEntropy(logits: try Tensor(zeros: [2, 3], on: device),
                                               targets: try Tensor(zeros: [2, 4], on: device), labelSmoothing: 0)
        }
        try LayerTesting.expectSameError("no classes") { device in
            _ = try device.softmaxCrossEntropy(logits: try Tensor(zeros: [2, 0], on: device),
                                               targets: try Tensor(zeros: [2, 0], on: device), labelSmoothing: 0)
        }
        try LayerTesting.expectSameError("float labels") { device in
            _ = try device.countCorrect(logits: try Tensor(zeros: [2, 3], on: device),
                                        labels: try Tensor(zeros: [2], on: device))
        }
    }
}
