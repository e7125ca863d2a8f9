import Compute

extension OpTable {
    /// Two values per channel, prime planes, many channels, long channels, and a mean of 1000 (where naive variance
    /// formulas fail). The backward pass gets the same host-computed mean and inverse deviation on every device.
    static let batchNormCases: [(n: Int, c: Int, h: Int, w: Int, offset: Float)] = [
        (1, 1, 2, 1, 0), (2, 17, 7, 7, 0), (3, 2, 37, 41, 0), (4, 3, 47, 53, 1000),
    ]

    static let batchNorm: [OpCheck] = batchNormCases.enumerated().flatMap { i, c -> [OpCheck] in
            let (n, channels, h, w, offset) = c
            let shape = [n, channels, h, w], length = n * h * w, quick = i < 2, name = label(shape)
                + (offset == 0 ? "" : " offset \(Int(offset))")
            let x = testValues(n * channels * h * w, seed: 11).map { $0 + offset }
            let gamma = testValues(channels, seed: 12, low: 0.5, high: 1.5)
            let beta = testValues(channels, seed: 13, low: -0.5, high: 0.5)
            let runningMean = testValues(channels, seed: 14, low: -0.2, high: 0.2)
            let runningVariance = testValues(channels, seed: 15, low: 0.5, high: 2)
            let dy = testValues(x.count, seed: 16)
            let (mean, inverseStd) = channelStatistics(x, shape: shape, epsilon: 1e-5)
            let perElement = Tolerance.elementwise(absolute: 2e-5 + 2 * abs(offset).ulp, relative: 2e-5)
            let statistic = Tolerance.elementwise(absolute: 1e-6 * (1 + abs(offset)), relative: 1e-5)
            let relative = Tolerance.elementwise(absolute: 0, relative: 2e-5)
            @Sendable func parameters(_ d: any Device) throws -> (Tensor, Tensor, Tensor, Tensor) {
                (try tensor(gamma, [channels], d), try tensor(beta, [channels], d),
                 try tensor(runningMean, [channels], d), try tensor(runningVariance, [channels], d))
            }
            return [
                OpCheck("batchNormForward", "batch_norm", name,
                        [.init("output", perElement), .init("mean", statistic), .init("inverse std", relative),
                         .init("running mean", statistic), .init("running variance", relative)], quick: quick) { d in
                    let (g, b, rm, rv) = try parameters(d)
                    let (y, m, s) = try d.batchNormForward(tensor(x, shape, d), gamma: g, beta: b, runningMean: rm,
                                                           runningVariance: rv, momentum: 0.1, epsilon: 1e-5)
                    return [try y.floats(), try m.floats(), try s.floats(), try rm.floats(), try rv.floats()]
                },
                OpCheck("batchNormInference", "batch_norm", name,
                        [.init("output", .elementwise(absolute: 2e-5 * (1 + abs(offset)), relative: 2e-5))],
                        quick: quick) { d in
                    let (g, b, rm, rv) = try parameters(d)
                    return [try d.batchNormInference(tensor(x, shape, d), gamma: g, beta: b, runningMean: rm,
                                                     runningVariance: rv, epsilon: 1e-5).floats()]
                },
                OpCheck("batchNormBackward", "batch_norm", name,
                        [.init("dx", perElement), .init("dgamma", .sums(length: length, magnitude: 2)),
                         .init("dbeta", .sums(length: length))], quick: quick) { d in
                    let (dx, dGamma, dBeta) = try d.batchNormBackward(
                        outputGradient: tensor(dy, shape, d), input: tensor(x, shape, d),
                        gamma: tensor(gamma, [channels], d), mean: tensor(mean, [channels], d),
                        inverseStd: tensor(inverseStd, [channels], d))
                    return [try dx.floats(), try dGamma.floats(), try dBeta.floats()]
                },
            ]
        }

    /// Per-channel mean and `1/√(var + ε)` of `[N, C, H, W]` values, in float64 then rounded.
    static func channelStatistics(_ x: [Float], shape: [Int], epsilon: Double) -> (mean: [Float], inverseStd: [Float]) {
        let (n, c, plane) = (shape[0], shape[1], shape[2] * shape[3])
        var means: [Float] = [], inverse: [Float] = []
        for channel in 0..<c {
            var values: [Double] = []
            for image in 0..<n {
                let start = (image * c + channel) * plane
                values += x[start..<(start + plane)].map(Double.init)
            }
            let count = Double(values.count)
            let mean = values.reduce(0, +) / count
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / count
            means.append(Float(mean))
            inverse.append(Float(1 / (variance + epsilon).squareRoot()))
        }
        return (means, inverse)
    }

    /// The ResNet stem window on a prime-sized input, 1×1 everything, per-axis windows, a window as large as the
    /// padded input; max pooling on small integers (ties in most windows) with one NaN.
    static let windowCases: [([Int], PoolWindow)] = [
        ([2, 3, 13, 11], PoolWindow(kernel: 3, stride: 2, padding: 1)),
        ([1, 1, 1, 1], PoolWindow(kernel: 1, stride: 1)),
        ([2, 1, 7, 5], PoolWindow(kernel: (3, 2), stride: (1, 2), padding: (1, 0))),
        ([1, 1, 5, 5], PoolWindow(kernel: 5, stride: 1, padding: 2)),
    ]

    /// Uneven and overlapping windows, global pooling, and an output larger than the input.
    static let adaptiveCases: [([Int], Int, Int)] = [([1, 2, 7, 5], 3, 2), ([2, 3, 13, 11], 4, 6), ([2, 5, 7, 7], 1, 1),
                                                      ([1, 1, 3, 2], 5, 4)]

    static let pooling: [OpCheck] = windowCases.enumerated().flatMap { i, c -> [OpCheck] in
        let (shape, window) = c, quick = i < 2, count = shape.reduce(1, *)
        let name = "\(label(shape)) window \(window.kernelHeight)×\(window.kernelWidth)"
        let tied = testValues(count, seed: 21, low: -2, high: 3).enumerated()
            .map { $0.offset == 9 ? Float.nan : $0.element.rounded(.down) }
        let values = testValues(count, seed: 23)
        let out = window.outputSize(height: shape[2], width: shape[3])
        let outShape = [shape[0], shape[1], out.height, out.width]
        let dy = testValues(outShape.reduce(1, *), seed: 24)
        let average = Tolerance.sums(length: window.kernelHeight * window.kernelWidth, magnitude: 2)
        return [
            OpCheck("maxPool2d", "pool", name, [.init("output", .exact), .init("indices", .exact)], quick: quick) { d in
                let (output, indices) = try d.maxPool2d(tensor(tied, shape, d), window: window)
                return [try output.floats(), try indices.checkedValues()]
            },
            OpCheck("maxPool2dBackward", "pool", name, [.init("dx", .exact)], quick: quick) { d in
                let (_, indices) = try CPUDevice.reference.maxPool2d(tensor(tied, shape, CPUDevice.reference),
                                                                      window: window)
                return [try d.maxPool2dBackward(outputGradient: tensor(dy, outShape, d),
                                                indices: Tensor(try indices.int32s(), shape: outShape, on: d),
                                                window: window, inputShape: shape).floats()]
            },
            OpCheck("avgPool2d", "pool", name, [.init("output", average)], quick: quick) { d in
                [try d.avgPool2d(tensor(values, shape, d), window: window).floats()]
            },
            OpCheck("avgPool2dBackward", "pool", name, [.init("dx", average)], quick: quick) { d in
                [try d.avgPool2dBackward(outputGradient: tensor(dy, outShape, d), window: window,
                                         inputShape: shape).floats()]
            },
        ]
    } + adaptiveCases.enumerated().flatMap { i, c -> [OpCheck] in
            let (shape, height, width) = c, quick = i < 2, name = "\(label(shape)) → \(height)×\(width)"
            let values = testValues(shape.reduce(1, *), seed: 25)
            let outShape = [shape[0], shape[1], height, width], dy = testValues(outShape.reduce(1, *), seed: 26)
            let tolerance = Tolerance.sums(length: (shape[2] / height + 2) * (shape[3] / width + 2), magnitude: 2)
            return [
                OpCheck("adaptiveAvgPool2d", "pool", name, [.init("output", tolerance)], quick: quick) { d in
                    [try d.adaptiveAvgPool2d(tensor(values, shape, d), outputHeight: height, outputWidth: width)
                        .floats()]
                },
                OpCheck("adaptiveAvgPool2dBackward", "pool", name, [.init("dx", tolerance)], quick: quick) { d in
                    [try d.adaptiveAvgPool2dBackward(outputGradient: tensor(dy, outShape, d), inputShape: shape)
                        .floats()]
                },
            ]
        }

    /// MixUp-style targets, label smoothing, logits spread wide enough to overflow `exp` without the max shift.
    static let lossCases: [(rows: Int, classes: Int, smoothing: Float, spread: Float)] = [
        (1, 1, 0, 3), (7, 13, 0.1, 3), (2, 1000, 0.1, 3), (5, 6, 0.2, 100), (65, 3, 1, 3),
    ]

    static let loss: [OpCheck] = lossCases.enumerated().flatMap { i, c -> [OpCheck] in
            let (rows, classes, smoothing, spread) = c
            let quick = i < 2, name = "\(rows)×\(classes) smoothing \(smoothing)"
            let logits = testValues(rows * classes, seed: 32, low: -spread, high: spread)
            let lambdas = testValues(rows, seed: 31, low: 0, high: 1)
            let targets = mixedTargets(rows: rows, classes: classes, lambdas: lambdas)
            let labels = (0..<rows).map { Int32($0 * 5 % classes) }
            return [
                OpCheck("softmaxCrossEntropy", "loss", name,
                        [.init("loss", .sums(length: classes + rows, magnitude: 1 + spread)),
                         .init("dlogits", .elementwise(absolute: 1e-6 / Float(rows), relative: 1e-4))],
                        quick: quick) { d in
                    let (loss, gradient) = try d.softmaxCrossEntropy(
                        logits: tensor(logits, [rows, classes], d), targets: tensor(targets, [rows, classes], d),
                        labelSmoothing: smoothing)
                    return [try loss.floats(), try gradient.floats()]
                },
                OpCheck("countCorrect", "loss", name, [.init("count", .exact)], quick: quick) { d in
                    [try d.countCorrect(logits: tensor(logits, [rows, classes], d),
                                        labels: Tensor(labels, shape: [rows], on: d)).checkedValues()]
                },
            ]
        }

    /// MixUp-style targets: each row mixes two classes with weight λ and 1 − λ.
    static func mixedTargets(rows: Int, classes: Int, lambdas: [Float]) -> [Float] {
        var targets = [Float](repeating: 0, count: rows * classes)
        for row in 0..<rows {
            targets[row * classes + (row * 7) % classes] += lambdas[row]
            targets[row * classes + (row * 3 + 1) % classes] += 1 - lambdas[row]
        }
        return targets
    }

    /// Three steps (the first ignores the momentum buffer), with weight decay and Nesterov momentum.
    static let optimizer: [OpCheck] = [
        (1, SGDConfiguration(learningRate: 0.1)),
        (13, SGDConfiguration(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4)),
        (4099, SGDConfiguration(learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true)),
    ].enumerated().map { i, c in
        let (count, configuration) = c
        let tolerance = Tolerance.elementwise(absolute: 16 * Float.ulpOfOne, relative: 8 * Float.ulpOfOne)
        let name = "\(count)" + (configuration.nesterov ? " nesterov" : configuration.momentum > 0 ? " momentum" : "")
        return OpCheck("sgdStep", "optimizer", name, [.init("weights", tolerance), .init("momentum", tolerance)],
                       quick: i < 2) { d in
            let weights = try tensor(testValues(count, seed: 41), [count], d)
            let buffer = try tensor(testValues(count, seed: 42), [count], d)
            for step in 0..<3 {
                let gradient = try tensor(testValues(count, seed: 43 + UInt64(step)), [count], d)
                try d.sgdStep(weights: weights, gradient: gradient, momentumBuffer: buffer,
                              configuration: configuration, firstStep: step == 0)
            }
            return [try weights.floats(), try buffer.floats()]
        }
    }

    /// Bytes `[N, H, W, C]` to normalised floats `[N, C, H, W]` and back, with ImageNet's constants.
    static let imageShapes: [[Int]] = [[1, 1, 1, 1], [2, 13, 11, 3], [3, 5, 7, 4], [2, 33, 65, 3]]

    static let imageBatch: [OpCheck] = imageShapes.enumerated().flatMap { i, shape -> [OpCheck] in
            let channels = shape[3], quick = i < 2, name = label(shape)
            let mean = Array([0.485, 0.456, 0.406, 0.5].prefix(channels)) as [Float]
            let std = Array([0.229, 0.224, 0.225, 0.25].prefix(channels)) as [Float]
            let pixels = testValues(shape.reduce(1, *), seed: 51, low: 0, high: 256).map { UInt8(min($0, 255)) }
            let nchw = [shape[0], channels, shape[1], shape[2]]
            let floats = testValues(nchw.reduce(1, *), seed: 52, low: -2.5, high: 2.8)
            return [
                OpCheck("imageBatch", "image_batch", name,
                        [.init("batch", .elementwise(absolute: 1e-6, relative: 1e-6))], quick: quick) { d in
                    [try d.imageBatch(Tensor(pixels, shape: shape, on: d), mean: mean, std: std).floats()]
                },
                // A value within rounding of a half may land on either byte when the multiply-add is fused.
                OpCheck("imageBatchInverse", "image_batch", name,
                        [.init("images", .elementwise(absolute: 1, relative: 0))], quick: quick) { d in
                    [try d.imageBatchInverse(tensor(floats, nchw, d), mean: mean, std: std).checkedValues()]
                },
            ]
        }
}
