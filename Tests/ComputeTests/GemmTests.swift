import Compute
import Foundation
import Testing
import TestSupport


@Suite struct GemmTests {
    struct Case: CustomStringConvertible, Sendable {
        var m: Int, k: Int, n: Int
        var transposeA = false, transposeB = false
        var alpha: Float = 1, beta: Float = 0
        var description: String {
            "gemm(m=\(m),k=\(k),n=\(n),tA=\(transposeA),tB=\(transposeB),α=\(alpha),β=\(beta))"
        }
    }

    static let cases: [Case] = [
        Case(m: 1, k: 1, n: 1),
        Case(m: 7, k: 13, n: 5, transposeA: true),
        Case(m: 33, k: 65, n: 31, transposeB: true, alpha: 0.5, beta: -1.5),
        Case(m: 8, k: 32, n: 32, transposeA: true, transposeB: true, beta: 1),
        Case(m: 17, k: 1, n: 40, alpha: -2),
        Case(m: 65, k: 300, n: 97, transposeB: true, beta: 0.25),
        Case(m: 3, k: 577, n: 2, transposeA: true, alpha: 1, beta: 2),
        Case(m: 1, k: 129, n: 67),
        Case(m: 70, k: 9, n: 1, transposeA: true, transposeB: true),
        Case(m: 64, k: 256, n: 96),
        Case(m: 12, k: 0, n: 9, beta: 3),
        // At least 256 × 256: the CPU-shaped OpenCL path packs both operands.
        Case(m: 257, k: 33, n: 260, transposeA: true, transposeB: true, alpha: 0.5, beta: 0.5),
        Case(m: 300, k: 20, n: 259),
    ]

    /// Runs one case on `device`; `c` starts from fixed values so β is exercised.
    static func run(_ c: Case, on device: any Device) throws -> [Float] {
        let a = try Tensor(testValues(c.m * c.k, seed: 1), shape: c.transposeA ? [c.k, c.m] : [c.m, c.k], on: device)
        let b = try Tensor(testValues(c.k * c.n, seed: 2), shape: c.transposeB ? [c.n, c.k] : [c.k, c.n], on: device)
        let out = try Tensor(testValues(c.m * c.n, seed: 3), shape: [c.m, c.n], on: device)
        try device.gemm(a, transposeA: c.transposeA, b, transposeB: c.transposeB, alpha: c.alpha, beta: c.beta,
                        into: out)
        return try out.floats()
    }

    @Test(arguments: cases)
    func everyDeviceMatchesTheReference(_ c: Case) throws {
        let expected = try Self.run(c, on: TestDevices.reference)
        for device in try TestDevices.underTest {
            expectClose(try Self.run(c, on: device), expected, Tolerance.reduction(c.k),
                        "\(c) on \(device.info.identifier)")
        }
    }

    @Test func referenceComputesSmallProductsExactly() throws {
        let device = TestDevices.reference
        let a = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3], on: device)
        let b = try Tensor([7, 8, 9, 10, 11, 12] as [Float], shape: [3, 2], on: device)
        #expect(try device.gemm(a, b).floats() == [58, 64, 139, 154])
        #expect(try device.gemm(a, a, transposeB: true).floats() == [14, 32, 32, 77])
        #expect(try device.gemm(a, a, transposeA: true, alpha: 2).floats() == [34, 44, 54, 44, 58, 72, 54, 72, 90])
    }

    @Test func betaZeroIgnoresNaNInTheOutput() throws {
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let a = try Tensor(testValues(6, seed: 4), shape: [2, 3], on: device)
            let b = try Tensor(testValues(9, seed: 5), shape: [3, 3], on: device)
            let out = try Tensor([Float](repeating: .nan, count: 6), shape: [2, 3], on: device)
            try device.gemm(a, transposeA: false, b, transposeB: false, alpha: 1, beta: 0, into: out)
            #expect(try out.floats().allSatisfy(\.isFinite), "\(device.info.identifier)")
        }
    }

    @Test func badOperandsAreRejected() throws {
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let a = try Tensor(zeros: [2, 3], on: device), b = try Tensor(zeros: [4, 2], on: device)
            #expect(throws: ComputeError.self) { try device.gemm(a, b) }
            #expect(throws: ComputeError.self) { try device.gemm(a, try Tensor(zeros: [3], on: device)) }
            let integers = try Tensor(zeros: [3, 2], dtype: .int32, on: device)
            #expect(throws: ComputeError.self) { try device.gemm(a, integers) }
            let square = try Tensor(zeros: [2, 2], on: device)
            #expect(throws: ComputeError.self) {
                try device.gemm(square, transposeA: false, square, transposeB: false, alpha: 1, beta: 0, into: square)
            }
            #expect(throws: ComputeError.self) {
                try device.gemm(a, transposeA: false, b, transposeB: true, alpha: 1, beta: 0,
                                into: try Tensor(zeros: [2, 5], on: device))
            }
        }
    }
}

@Suite struct LinearTests {
    struct Case: CustomStringConvertible, Sendable {
        var batch: Int, inputs: Int, outputs: Int, bias: Bool
        var description: String { "linear(n=\(batch),in=\(inputs),out=\(outputs),bias=\(bias))" }
    }

    static let cases: [Case] = [
        Case(batch: 1, inputs: 1, outputs: 1, bias: true),
        Case(batch: 5, inputs: 37, outputs: 3, bias: false),
        Case(batch: 33, inputs: 512, outputs: 10, bias: true),
        Case(batch: 128, inputs: 64, outputs: 41, bias: true),
    ]

    static func run(_ c: Case, on device: any Device) throws -> (y: [Float], dx: [Float], dw: [Float], db: [Float]) {
        let x = try Tensor(testValues(c.batch * c.inputs, seed: 10), shape: [c.batch, c.inputs], on: device)
        let w = try Tensor(testValues(c.outputs * c.inputs, seed: 11), shape: [c.outputs, c.inputs], on: device)
        let b = c.bias ? try Tensor(testValues(c.outputs, seed: 12), shape: [c.outputs], on: device) : nil
        let dy = try Tensor(testValues(c.batch * c.outputs, seed: 13), shape: [c.batch, c.outputs], on: device)
        let y = try device.linear(x, weight: w, bias: b)
        let dx = try device.linearBackwardData(outputGradient: dy, weight: w)
        let (dw, db) = try device.linearBackwardWeight(outputGradient: dy, input: x, includeBias: c.bias)
        #expect(y.shape == [c.batch, c.outputs] && dx.shape == x.shape && dw.shape == w.shape)
        #expect(db?.shape == (c.bias ? [c.outputs] : nil))
        return (try y.floats(), try dx.floats(), try dw.floats(), try db?.floats() ?? [])
    }

    @Test(arguments: cases)
    func everyDeviceMatchesTheReference(_ c: Case) throws {
        let expected = try Self.run(c, on: TestDevices.reference)
        for device in try TestDevices.underTest {
            let got = try Self.run(c, on: device), name = "\(c) on \(device.info.identifier)"
            expectClose(got.y, expected.y, Tolerance.reduction(c.inputs + 1), "y: \(name)")
            expectClose(got.dx, expected.dx, Tolerance.reduction(c.outputs), "dx: \(name)")
            expectClose(got.dw, expected.dw, Tolerance.reduction(c.batch), "dw: \(name)")
            expectClose(got.db, expected.db, Tolerance.reduction(c.batch), "db: \(name)")
        }
    }

    /// Centred differences of `L = Σ y·g` (accumulated in Double) against the analytic gradients. The layer is
    /// linear in each argument, so the difference quotient is exact up to float32 rounding of `y`.
    @Test func gradientsMatchFiniteDifferences() throws {
        let device = TestDevices.reference
        let (batch, inputs, outputs) = (3, 5, 4)
        let x = testValues(batch * inputs, seed: 20), w = testValues(outputs * inputs, seed: 21)
        let b = testValues(outputs, seed: 22), g = testValues(batch * outputs, seed: 23)
        func loss(_ x: [Float], _ w: [Float], _ b: [Float]) throws -> Double {
            let y = try device.linear(try Tensor(x, shape: [batch, inputs], on: device),
                                      weight: try Tensor(w, shape: [outputs, inputs], on: device),
                                      bias: try Tensor(b, shape: [outputs], on: device)).floats()
            return zip(y, g).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let dy = try Tensor(g, shape: [batch, outputs], on: device)
        let dx = try device.linearBackwardData(outputGradient: dy, weight: try Tensor(w, shape: [outputs, inputs],
                                                                                       on: device)).floats()
        let (dwTensor, dbTensor) = try device.linearBackwardWeight(
            outputGradient: dy, input: try Tensor(x, shape: [batch, inputs], on: device), includeBias: true)
        let dw = try dwTensor.floats(), db = try dbTensor!.floats()
        try expectFiniteDifferences([x, w, b], gradients: [dx, dw, db], names: ["dx", "dw", "db"]) {
            try loss($0[0], $0[1], $0[2])
        }
    }
}
