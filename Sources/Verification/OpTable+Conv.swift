import Compute

extension OpTable {
    /// One convolution: input `[n, c, h, w]`, `o` filters of `kh × kw`, stride and padding per axis.
    struct ConvCase {
        var n: Int, c: Int, h: Int, w: Int, o: Int, kh: Int, kw: Int
        var stride: (Int, Int), padding: (Int, Int), bias = true

        var options: Conv2DOptions { Conv2DOptions(stride: stride, padding: padding) }
        var outputShape: [Int] {
            [n, o, Conv2DOptions.outputSize(input: h, kernel: kh, stride: stride.0, padding: padding.0),
             Conv2DOptions.outputSize(input: w, kernel: kw, stride: stride.1, padding: padding.1)]
        }
        var label: String {
            "n\(n) c\(c) \(h)×\(w) → o\(o) \(kh)×\(kw) s\(stride.0),\(stride.1) p\(padding.0),\(padding.1)"
                + (bias ? "" : " no bias")
        }
    }

    /// 1×1 everything, primes, strides that skip input rows, 7×7 stem-like filters, more filters than a tile.
    static let convCases: [ConvCase] = [
        ConvCase(n: 1, c: 1, h: 1, w: 1, o: 1, kh: 1, kw: 1, stride: (1, 1), padding: (0, 0)),
        ConvCase(n: 2, c: 3, h: 13, w: 11, o: 5, kh: 3, kw: 3, stride: (1, 1), padding: (1, 1)),
        ConvCase(n: 2, c: 3, h: 13, w: 11, o: 4, kh: 3, kw: 3, stride: (2, 2), padding: (1, 1)),
        ConvCase(n: 1, c: 2, h: 9, w: 10, o: 3, kh: 7, kw: 7, stride: (2, 2), padding: (3, 3)),
        ConvCase(n: 3, c: 5, h: 6, w: 7, o: 2, kh: 1, kw: 1, stride: (1, 1), padding: (0, 0), bias: false),
        ConvCase(n: 2, c: 6, h: 11, w: 13, o: 9, kh: 3, kw: 2, stride: (1, 2), padding: (2, 0)),
        ConvCase(n: 5, c: 16, h: 2, w: 2, o: 40, kh: 3, kw: 3, stride: (1, 1), padding: (1, 1)),
        ConvCase(n: 2, c: 17, h: 23, w: 19, o: 33, kh: 3, kw: 3, stride: (1, 1), padding: (1, 1)),
    ]

    /// `conv2d`, `conv2dBackwardData` and `conv2dBackwardFilter` per case; tolerances grow with each output's
    /// reduction length.
    static let conv: [OpCheck] = convCases.enumerated().flatMap { i, c in
        let quick = i < 2, outputs = c.outputShape, pixels = c.n * outputs[2] * outputs[3]
        let x = testValues(c.n * c.c * c.h * c.w, seed: 30), w = testValues(c.o * c.c * c.kh * c.kw, seed: 31)
        let b = testValues(c.o, seed: 32), dy = testValues(outputs.reduce(1, *), seed: 33)
        let xShape = [c.n, c.c, c.h, c.w], wShape = [c.o, c.c, c.kh, c.kw]
        return [
            OpCheck("conv2d", "conv", c.label, [.init("y", .reduction(c.c * c.kh * c.kw + 1))], quick: quick) { d in
                let bias = c.bias ? try tensor(b, [c.o], d) : nil
                return [try d.conv2d(tensor(x, xShape, d), weight: tensor(w, wShape, d), bias: bias,
                                     options: c.options).floats()]
            },
            OpCheck("conv2dBackwardData", "conv", c.label, [.init("dx", .reduction(c.o * c.kh * c.kw))],
                    quick: quick) { d in
                [try d.conv2dBackwardData(outputGradient: tensor(dy, outputs, d), weight: tensor(w, wShape, d),
                                          inputSize: (c.h, c.w), options: c.options).floats()]
            },
            OpCheck("conv2dBackwardFilter", "conv", c.label,
                    [.init("dw", .reduction(pixels)), .init("db", .reduction(pixels))], quick: quick) { d in
                let (dw, db) = try d.conv2dBackwardFilter(
                    outputGradient: tensor(dy, outputs, d), input: tensor(x, xShape, d), kernelSize: (c.kh, c.kw),
                    options: c.options, includeBias: c.bias)
                return [try dw.floats(), try db?.floats() ?? []]
            },
        ]
    }
}
