import Compute

/// Convolution GFLOP/s per device and pass at the PyTorch anchor shape and at every resnet18 layer shape for 64²
/// inputs with batch 128, plus the convolution time of one resnet18 training step built from those.
struct ConvBenchmark: Benchmark {
    let name = "conv"
    let summary = "conv2d forward / input gradient / filter gradient GFLOP/s at ResNet shapes"

    struct Layer {
        var label: String
        var n: Int, c: Int, size: Int, o: Int, kernel: Int, stride: Int, padding: Int
        /// How many times resnet18 runs this shape per image batch (0: not part of resnet18 at 64²).
        var countInResNet18: Int
        /// Whether training needs the input gradient (not for the stem, whose input is the image).
        var needsInputGradient = true

        var outSize: Int { Conv2DOptions.outputSize(input: size, kernel: kernel, stride: stride, padding: padding) }
        var flops: Double { 2.0 * Double(n * o * outSize * outSize * c * kernel * kernel) }
    }

    static let layers: [Layer] = [
        Layer(label: "anchor 64→64 3×3 56²", n: 32, c: 64, size: 56, o: 64, kernel: 3, stride: 1, padding: 1,
              countInResNet18: 0),
        Layer(label: "stem 3→64 7×7/2 64²", n: 128, c: 3, size: 64, o: 64, kernel: 7, stride: 2, padding: 3,
              countInResNet18: 1, needsInputGradient: false),
        Layer(label: "layer1 64→64 3×3 16²", n: 128, c: 64, size: 16, o: 64, kernel: 3, stride: 1, padding: 1,
              countInResNet18: 4),
        Layer(label: "layer2 64→128 3×3/2 16²", n: 128, c: 64, size: 16, o: 128, kernel: 3, stride: 2, padding: 1,
              countInResNet18: 1),
        Layer(label: "layer2 down 64→128 1×1/2", n: 128, c: 64, size: 16, o: 128, kernel: 1, stride: 2, padding: 0,
              countInResNet18: 1),
        Layer(label: "layer2 128→128 3×3 8²", n: 128, c: 128, size: 8, o: 128, kernel: 3, stride: 1, padding: 1,
              countInResNet18: 3),
        Layer(label: "layer3 128→256 3×3/2 8²", n: 128, c: 128, size: 8, o: 256, kernel: 3, stride: 2, padding: 1,
              countInResNet18: 1),
        Layer(label: "layer3 down 128→256 1×1/2", n: 128, c: 128, size: 8, o: 256, kernel: 1, stride: 2, padding: 0,
              countInResNet18: 1),
        Layer(label: "layer3 256→256 3×3 4²", n: 128, c: 256, size: 4, o: 256, kernel: 3, stride: 1, padding: 1,
              countInResNet18: 3),
        Layer(label: "layer4 256→512 3×3/2 4²", n: 128, c: 256, size: 4, o: 512, kernel: 3, stride: 2, padding: 1,
              countInResNet18: 1),
        Layer(label: "layer4 down 256→512 1×1/2", n: 128, c: 256, size: 4, o: 512, kernel: 1, stride: 2, padding: 0,
              countInResNet18: 1),
        Layer(label: "layer4 512→512 3×3 2²", n: 128, c: 512, size: 2, o: 512, kernel: 3, stride: 1, padding: 1,
              countInResNet18: 3),
    ]

    func run(_ context: BenchmarkContext) throws {
        Report.header("conv: NCHW float32 (median of \(context.repeats) runs after a warm-up)")
        for device in context.devices { try validate(device) }
        Report.table(["layer", "pass", "device", "median ms", "GFLOP/s", "GFLOP per CPU-s"])
        var stepSeconds: [String: Double] = [:]
        for var layer in Self.layers {
            if context.quick { layer.n = max(1, layer.n / 8) }
            let options = Conv2DOptions(stride: layer.stride, padding: layer.padding)
            for device in context.devices {
                let x = try Tensor(BenchData.uniform(count: layer.n * layer.c * layer.size * layer.size),
                                   shape: [layer.n, layer.c, layer.size, layer.size], on: device)
                let w = try Tensor(BenchData.uniform(count: layer.o * layer.c * layer.kernel * layer.kernel),
                                   shape: [layer.o, layer.c, layer.kernel, layer.kernel], on: device)
                let b = try Tensor(BenchData.uniform(count: layer.o), shape: [layer.o], on: device)
                let dy = try Tensor(BenchData.uniform(count: layer.n * layer.o * layer.outSize * layer.outSize),
                                    shape: [layer.n, layer.o, layer.outSize, layer.outSize], on: device)
                let passes: [(String, Bool, () throws -> Void)] = [
                    ("forward", true, { _ = try device.conv2d(x, weight: w, bias: b, options: options) }),
                    ("input grad", layer.needsInputGradient, {
                        _ = try device.conv2dBackwardData(outputGradient: dy, weight: w,
                                                          inputSize: (layer.size, layer.size), options: options)
                    }),
                    ("filter grad", true, {
                        _ = try device.conv2dBackwardFilter(outputGradient: dy, input: x,
                                                            kernelSize: (layer.kernel, layer.kernel),
                                                            options: options, includeBias: false)
                    }),
                ]
                for (pass, needed, body) in passes {
                    let timing = try Timing.measure(repeats: context.repeats) {
                        try body()
                        try device.synchronize()
                    }
                    BenchData.row([layer.label + (context.quick ? " N\(layer.n)" : ""), pass, device.info.identifier],
                                  flops: layer.flops, timing: timing)
                    if needed {
                        stepSeconds[device.info.identifier, default: 0] +=
                            Double(layer.countInResNet18) * timing.medianWall
                    }
                }
            }
        }
        let batch = context.quick ? 16 : 128
        print("\nresnet18 at 64², batch \(batch): convolution time of one training step (forward, input and filter "
              + "gradients of every layer above, counted as often as the network runs it)")
        for device in context.devices {
            let seconds = stepSeconds[device.info.identifier] ?? .nan
            print("- \(device.info.identifier): \(Report.format(seconds * 1e3)) ms → at most "
                  + "\(Report.format(Double(batch) / seconds)) images/s from convolutions alone")
        }
    }

    /// The three passes at every kernel/stride/padding combination of ``layers``, on an awkward
    /// `[2, 5, 11, 11]` input with 7 filters, against the reference.
    func validate(_ device: any Device) throws {
        let geometries = [(3, 1, 1), (3, 2, 1), (1, 2, 0), (7, 2, 3)]
        let outputs = geometries.flatMap { kernel, stride, padding in
            ["forward", "input grad", "filter grad"].map { "\($0) \(kernel)×\(kernel)/\(stride) p\(padding)" }
        }
        try Validation.check(name, on: device, tolerance: 1e-4, outputs: outputs) { device in
            let (n, c, size, o) = (2, 5, 11, 7)
            return try geometries.flatMap { kernel, stride, padding -> [[Float]] in
                let options = Conv2DOptions(stride: stride, padding: padding)
                let outSize = Conv2DOptions.outputSize(input: size, kernel: kernel, stride: stride, padding: padding)
                let x = try Tensor(BenchData.uniform(count: n * c * size * size, seed: 21), shape: [n, c, size, size],
                                   on: device)
                let w = try Tensor(BenchData.uniform(count: o * c * kernel * kernel, seed: 22),
                                   shape: [o, c, kernel, kernel], on: device)
                let b = try Tensor(BenchData.uniform(count: o, seed: 23), shape: [o], on: device)
                let dy = try Tensor(BenchData.uniform(count: n * o * outSize * outSize, seed: 24),
                                    shape: [n, o, outSize, outSize], on: device)
                let y = try device.conv2d(x, weight: w, bias: b, options: options)
                let dx = try device.conv2dBackwardData(outputGradient: dy, weight: w, inputSize: (size, size),
                                                       options: options)
                let dw = try device.conv2dBackwardFilter(outputGradient: dy, input: x, kernelSize: (kernel, kernel),
                                                         options: options, includeBias: false)
                return [try y.floats(), try dx.floats(), try dw.weight.floats()]
            }
        }
    }
}
