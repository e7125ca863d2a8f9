import Compute
import Foundation
import Testing
import TestSupport

@Suite struct ConvTests {
    struct Case: CustomStringConvertible, Sendable {
        var n: Int, c: Int, h: Int, w: Int, o: Int, kh: Int, kw: Int
        var stride: (Int, Int), padding: (Int, Int)
        var bias = true

        var options: Conv2DOptions { Conv2DOptions(stride: stride, padding: padding) }
        var outHeight: Int { Conv2DOptions.outputSize(input: h, kernel: kh, stride: stride.0, padding: padding.0) }
        var outWidth: Int { Conv2DOptions.outputSize(input: w, kernel: kw, stride: stride.1, padding: padding.1) }
        var description: String {
            "conv2d(n=\(n),c=\(c),h=\(h),w=\(w),o=\(o),k=\(kh)x\(kw),\(options),bias=\(bias))"
        }
    }

    static let cases: [Case] = [
        Case(n: 1, c: 1, h: 7, w: 5, o: 1, kh: 3, kw: 3, stride: (1, 1), padding: (1, 1)),
        Case(n: 2, c: 3, h: 13, w: 11, o: 4, kh: 3, kw: 3, stride: (2, 2), padding: (1, 1)),
        Case(n: 1, c: 2, h: 9, w: 10, o: 3, kh: 7, kw: 7, stride: (2, 2), padding: (3, 3)),
        Case(n: 3, c: 5, h: 6, w: 7, o: 2, kh: 1, kw: 1, stride: (1, 1), padding: (0, 0), bias: false),
        Case(n: 2, c: 4, h: 8, w: 9, o: 6, kh: 1, kw: 1, stride: (2, 2), padding: (0, 0)),
        Case(n: 2, c: 3, h: 5, w: 5, o: 33, kh: 3, kw: 3, stride: (1, 1), padding: (1, 1)),
        Case(n: 1, c: 7, h: 4, w: 4, o: 5, kh: 3, kw: 3, stride: (1, 1), padding: (0, 0), bias: false),
        Case(n: 2, c: 6, h: 11, w: 13, o: 9, kh: 3, kw: 2, stride: (1, 2), padding: (2, 0)),
        Case(n: 5, c: 16, h: 2, w: 2, o: 40, kh: 3, kw: 3, stride: (1, 1), padding: (1, 1)),
        Case(n: 1, c: 1, h: 1, w: 1, o: 1, kh: 1, kw: 1, stride: (1, 1), padding: (0, 0)),
        Case(n: 1, c: 2, h: 3, w: 3, o: 1, kh: 5, kw: 5, stride: (3, 3), padding: (1, 1)),
        // Stride 3 with a 2-row kernel: some input rows are read by no tap.
        Case(n: 2, c: 3, h: 10, w: 7, o: 5, kh: 2, kw: 3, stride: (3, 2), padding: (1, 0)),
        // Padding wider than the kernel: output columns that see only zeros.
        Case(n: 2, c: 3, h: 4, w: 5, o: 2, kh: 1, kw: 3, stride: (1, 1), padding: (2, 3), bias: false),
        // Seven images fill the 2 Mi-float column budget (32·9 rows × 32² columns each): two chunks.
        Case(n: 9, c: 32, h: 32, w: 32, o: 4, kh: 3, kw: 3, stride: (1, 1), padding: (1, 1)),
        // 19,200 output pixels: more than one launch of the OpenCL filter gradient (16,384 pixels at O ≤ 32).
        Case(n: 5, c: 1, h: 64, w: 60, o: 2, kh: 3, kw: 3, stride: (1, 1), padding: (1, 1)),
    ]

    struct Result {
        var y: [Float], dx: [Float], dw: [Float], db: [Float]
    }

    static func run(_ c: Case, on device: any Device) throws -> Result {
        let x = try Tensor(testValues(c.n * c.c * c.h * c.w, seed: 30), shape: [c.n, c.c, c.h, c.w], on: device)
        let w = try Tensor(testValues(c.o * c.c * c.kh * c.kw, seed: 31), shape: [c.o, c.c, c.kh, c.kw], on: device)
        let b = c.bias ? try Tensor(testValues(c.o, seed: 32), shape: [c.o], on: device) : nil
        let outputShape = [c.n, c.o, c.outHeight, c.outWidth]
        let dy = try Tensor(testValues(outputShape.reduce(1, *), seed: 33), shape: outputShape, on: device)
        let y = try device.conv2d(x, weight: w, bias: b, options: c.options)
        let dx = try device.conv2dBackwardData(outputGradient: dy, weight: w, inputSize: (c.h, c.w), options: c.options)
        let (dw, db) = try device.conv2dBackwardFilter(outputGradient: dy, input: x, kernelSize: (c.kh, c.kw),
                                                       options: c.options, includeBias: c.bias)
        #expect(y.shape == outputShape && dx.shape == x.shape && dw.shape == w.shape)
        #expect(db?.shape == (c.bias ? [c.o] : nil))
        return Result(y: try y.floats(), dx: try dx.floats(), dw: try dw.floats(), db: try db?.floats() ?? [])
    }

    /// `got` against the reference's `expected` with the tolerances of each output's reduction length: C·KH·KW
    /// (+ bias) per output, at most O·KH·KW per input pixel, N·OH·OW per weight.
    static func expectMatches(_ got: Result, _ expected: Result, _ c: Case, _ name: String) {
        expectClose(got.y, expected.y, Tolerance.reduction(c.c * c.kh * c.kw + 1), "y: \(name)")
        expectClose(got.dx, expected.dx, Tolerance.reduction(c.o * c.kh * c.kw), "dx: \(name)")
        expectClose(got.dw, expected.dw, Tolerance.reduction(c.n * c.outHeight * c.outWidth), "dw: \(name)")
        expectClose(got.db, expected.db, Tolerance.reduction(c.n * c.outHeight * c.outWidth), "db: \(name)")
    }

    @Test(arguments: cases)
    func everyDeviceMatchesTheReference(_ c: Case) throws {
        let expected = try Self.run(c, on: TestDevices.reference)
        for device in try TestDevices.underTest {
            Self.expectMatches(try Self.run(c, on: device), expected, c, "\(c) on \(device.info.identifier)")
        }
    }

    /// Centred differences of `L = Σ y·g` (accumulated in Double) against the analytic gradients on the reference
    /// device. Convolution is linear in `x` and in `w`, so the difference quotient is exact up to the float32
    /// rounding of `y`, whatever the step.
    @Test func gradientsMatchFiniteDifferences() throws {
        let device = TestDevices.reference
        let c = Case(n: 2, c: 2, h: 5, w: 6, o: 3, kh: 3, kw: 3, stride: (2, 1), padding: (1, 2))
        let x = testValues(c.n * c.c * c.h * c.w, seed: 40), w = testValues(c.o * c.c * c.kh * c.kw, seed: 41)
        let b = testValues(c.o, seed: 42), g = testValues(c.n * c.o * c.outHeight * c.outWidth, seed: 43)
        func loss(_ x: [Float], _ w: [Float], _ b: [Float]) throws -> Double {
            let y = try device.conv2d(try Tensor(x, shape: [c.n, c.c, c.h, c.w], on: device),
                                      weight: try Tensor(w, shape: [c.o, c.c, c.kh, c.kw], on: device),
                                      bias: try Tensor(b, shape: [c.o], on: device), options: c.options).floats()
            return zip(y, g).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let dy = try Tensor(g, shape: [c.n, c.o, c.outHeight, c.outWidth], on: device)
        let dx = try device.conv2dBackwardData(outputGradient: dy, weight: try Tensor(w, shape: [c.o, c.c, c.kh, c.kw],
                                                                                      on: device),
                                               inputSize: (c.h, c.w), options: c.options).floats()
        let (dwTensor, dbTensor) = try device.conv2dBackwardFilter(
            outputGradient: dy, input: try Tensor(x, shape: [c.n, c.c, c.h, c.w], on: device),
            kernelSize: (c.kh, c.kw), options: c.options, includeBias: true)
        let dw = try dwTensor.floats(), db = try dbTensor!.floats()
        try expectFiniteDifferences([x, w, b], gradients: [dx, dw, db], names: ["dx", "dw", "db"]) {
            try loss($0[0], $0[1], $0[2])
        }
    }

    /// The numpy goldens of `Fixtures/make_conv_fixtures.py` (float64 textbook convolution; PyTorch goldens for
    /// whole models come with the Backbones fixtures).
    @Test func everyDeviceMatchesTheNumpyGoldens() throws {
        struct Golden: Decodable {
            var stride: Int, padding: Int
            var x_shape: [Int], weight_shape: [Int], y_shape: [Int]
            var x: [Float], weight: [Float], bias: [Float], y: [Double], dy: [Float]
            var dx: [Double], dweight: [Double], dbias: [Double]
        }
        let url = try #require(Bundle.module.url(forResource: "conv2d_golden", withExtension: "json",
                                                 subdirectory: "Fixtures"))
        let golden = try JSONDecoder().decode(Golden.self, from: try Data(contentsOf: url))
        let options = Conv2DOptions(stride: golden.stride, padding: golden.padding)
        let depth = golden.weight_shape[1...].reduce(1, *)
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let x = try Tensor(golden.x, shape: golden.x_shape, on: device)
            let w = try Tensor(golden.weight, shape: golden.weight_shape, on: device)
            let dy = try Tensor(golden.dy, shape: golden.y_shape, on: device)
            let bias = try Tensor(golden.bias, shape: [golden.bias.count], on: device)
            let y = try device.conv2d(x, weight: w, bias: bias, options: options)
            let dx = try device.conv2dBackwardData(outputGradient: dy, weight: w,
                                                   inputSize: (golden.x_shape[2], golden.x_shape[3]), options: options)
            let (dw, db) = try device.conv2dBackwardFilter(
                outputGradient: dy, input: x, kernelSize: (golden.weight_shape[2], golden.weight_shape[3]),
                options: options, includeBias: true)
            let name = device.info.identifier, perWeight = golden.y_shape[0] * golden.y_shape[2] * golden.y_shape[3]
            expectClose(try y.floats(), golden.y.map(Float.init), Tolerance.reduction(depth + 1), "y on \(name)")
            expectClose(try dx.floats(), golden.dx.map(Float.init), Tolerance.reduction(golden.weight_shape[0] * 9),
                        "dx on \(name)")
            expectClose(try dw.floats(), golden.dweight.map(Float.init), Tolerance.reduction(perWeight),
                        "dw on \(name)")
            expectClose(try db!.floats(), golden.dbias.map(Float.init), Tolerance.reduction(perWeight), "db on \(name)")
        }
    }

    @Test func unsupportedOptionsAndBadShapesAreRejected() throws {
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let x = try Tensor(zeros: [1, 2, 5, 5], on: device), w = try Tensor(zeros: [3, 2, 3, 3], on: device)
            func rejects(_ options: Conv2DOptions, weight: Tensor? = nil, bias: Tensor? = nil,
                         _ comment: Comment) {
                #expect(throws: ComputeError.self, comment) {
                    try device.conv2d(x, weight: weight ?? w, bias: bias, options: options)
                }
            }
            rejects(Conv2DOptions(dilation: 2), "dilation")
            rejects(Conv2DOptions(groups: 2), "groups")
            rejects(Conv2DOptions(stride: 0), "stride 0")
            rejects(Conv2DOptions(padding: -1), "negative padding")
            rejects(Conv2DOptions(), weight: try Tensor(zeros: [3, 2, 7, 7], on: device), "kernel larger than input")
            rejects(Conv2DOptions(), weight: try Tensor(zeros: [3, 4, 3, 3], on: device), "channel mismatch")
            rejects(Conv2DOptions(), bias: try Tensor(zeros: [2], on: device), "bias size")
            let dy = try Tensor(zeros: [1, 3, 3, 3], on: device)
            #expect(throws: ComputeError.self, "dy of the wrong size") {
                try device.conv2dBackwardData(outputGradient: dy, weight: w, inputSize: (7, 7),
                                              options: Conv2DOptions())
            }
            #expect(throws: ComputeError.self, "dilated filter gradient") {
                try device.conv2dBackwardFilter(outputGradient: dy, input: x, kernelSize: (3, 3),
                                                options: Conv2DOptions(dilation: 2), includeBias: false)
            }
        }
    }

    @Test func outputSizesFollowTheFormula() {
        #expect(Conv2DOptions.outputSize(input: 224, kernel: 7, stride: 2, padding: 3) == 112)
        #expect(Conv2DOptions.outputSize(input: 56, kernel: 3, stride: 1, padding: 1) == 56)
        #expect(Conv2DOptions.outputSize(input: 7, kernel: 3, stride: 2, padding: 1) == 4)
        #expect(Conv2DOptions.outputSize(input: 8, kernel: 1, stride: 2, padding: 0) == 4)
    }
}
