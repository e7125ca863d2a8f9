import Compute
import Testing
import TestSupport

@Suite struct ElementwiseTests {
    /// Sizes of 1, primes, and counts that are not multiples of any work-group size; one empty tensor.
    static let shapes: [[Int]] = [[1], [13, 11], [3, 5, 7, 2], [4099], [2, 1, 1, 1], [0, 3]]

    /// Test data with exact zeros (the ReLU boundary) and a NaN (which ReLU passes through).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var values = testValues(count, seed: seed)
        for i in stride(from: 0, to: count, by: 7) { values[i] = 0 }
        if count > 3 { values[3] = .nan }
        return values
    }

    @Test(arguments: shapes)
    func reluAddAndAddReluMatchTheReferenceExactly(_ shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let a = Self.values(count, seed: 1), b = Self.values(count, seed: 2)
        let reference = TestDevices.reference
        func run(_ device: any Device) throws -> [[Float]] {
            let x = try Tensor(a, shape: shape, on: device), y = try Tensor(b, shape: shape, on: device)
            let relu = try device.relu(x)
            return [try relu.floats(), try device.reluBackward(outputGradient: y, output: relu).floats(),
                    try device.add(x, y).floats(), try device.addRelu(x, y).floats()]
        }
        let expected = try run(reference)
        for device in try TestDevices.underTest {
            let got = try run(device)
            for (name, index) in [("relu", 0), ("reluBackward", 1), ("add", 2), ("addRelu", 3)] {
                expectClose(got[index], expected[index], .exact, "\(name)\(shape) on \(device.info.identifier)")
            }
        }
        // The reference against the definitions.
        if count > 3 {
            #expect(expected[0][3].isNaN)
            #expect(expected[0].enumerated().allSatisfy { i, v in a[i].isNaN || v == max(a[i], 0) })
            #expect(expected[1].enumerated().allSatisfy { i, v in v == (expected[0][i] > 0 ? b[i] : 0) })
        }
    }

    @Test(arguments: shapes)
    func axpyAndScaleMatchTheReference(_ shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let x = testValues(count, seed: 3), y = testValues(count, seed: 4)
        func run(_ device: any Device) throws -> [[Float]] {
            let xt = try Tensor(x, shape: shape, on: device), yt = try Tensor(y, shape: shape, on: device)
            try device.axpy(-0.37, xt, yt)
            let afterAxpy = try yt.floats()
            try device.scale(yt, by: 1.75)
            return [afterAxpy, try yt.floats()]
        }
        let expected = try run(TestDevices.reference)
        #expect(expected[0] == zip(x, y).map { $1 + -0.37 * $0 })
        // One fused multiply-add per element is allowed.
        let tolerance = Tolerance.elementwise(absolute: 1e-7, relative: 2 * Float.ulpOfOne)
        for device in try TestDevices.underTest {
            expectClose(try run(device)[0], expected[0], tolerance, "axpy\(shape) on \(device.info.identifier)")
            expectClose(try run(device)[1], expected[1], tolerance, "scale\(shape) on \(device.info.identifier)")
        }
    }

    struct SumCase: CustomStringConvertible, Sendable {
        var shape: [Int], axis: Int
        var description: String { "sum(\(shape), axis: \(axis))" }
    }

    @Test(arguments: [SumCase(shape: [5, 7], axis: 0), SumCase(shape: [5, 7], axis: 1),
                      SumCase(shape: [2, 3, 4], axis: 1), SumCase(shape: [1], axis: 0),
                      SumCase(shape: [33, 1000], axis: 0), SumCase(shape: [0, 3], axis: 0)])
    func sumMatchesTheReference(_ c: SumCase) throws {
        let values = testValues(c.shape.reduce(1, *), seed: 5)
        let expected = try TestDevices.reference.sum(try Tensor(values, shape: c.shape, on: TestDevices.reference),
                                                     axis: c.axis)
        var shape = c.shape
        shape.remove(at: c.axis)
        #expect(expected.shape == shape)
        // The definition, in float64.
        if c.shape == [5, 7], c.axis == 0 {
            let columns = (0..<7).map { j in (0..<5).reduce(0.0) { $0 + Double(values[$1 * 7 + j]) } }
            expectClose(try expected.floats(), columns.map(Float.init), Tolerance.sums(length: 5, magnitude: 2),
                        "\(c) against float64")
        }
        for device in try TestDevices.underTest {
            let got = try device.sum(try Tensor(values, shape: c.shape, on: device), axis: c.axis)
            expectClose(try got.floats(), try expected.floats(),
                        Tolerance.sums(length: c.shape[c.axis], magnitude: 2),
                        "\(c) on \(device.info.identifier)")
        }
    }

    @Test func badArgumentsGetTheSameErrorOnEveryDevice() throws {
        try LayerTesting.expectSameError("add with different shapes") { device in
            _ = try device.add(try Tensor(zeros: [2, 3], on: device), try Tensor(zeros: [3, 2], on: device))
        }
        try LayerTesting.expectSameError("relu of int32") { device in
            _ = try device.relu(try Tensor(zeros: [4], dtype: .int32, on: device))
        }
        try LayerTesting.expectSameError("axpy with different shapes") { device in
            try device.axpy(1, try Tensor(zeros: [4], on: device), try Tensor(zeros: [5], on: device))
        }
        try LayerTesting.expectSameError("sum over a missing axis") { device in
            _ = try device.sum(try Tensor(zeros: [4, 2], on: device), axis: 2)
        }
        try LayerTesting.expectSameError("add across devices") { device in
            let other: any Device = device === TestDevices.reference ? CPUDevice.fastShared : TestDevices.reference
            _ = try device.add(try Tensor(zeros: [2], on: device), try Tensor(zeros: [2], on: other))
        }
        // fill once checked nothing on any device: the prologue now checks it for every device.
        try LayerTesting.expectSameError("fill across devices") { device in
            let other: any Device = device === TestDevices.reference ? CPUDevice.fastShared : TestDevices.reference
            try device.fill(try Tensor(zeros: [2], on: other), value: 1)
        }
    }
}
