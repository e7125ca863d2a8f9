import Compute

/// Milliseconds and effective GB/s of the memory-bound layer ops at ResNet training sizes, per device.
///
/// GB/s counts the bytes each implementation must move at least once (its reads and writes of whole tensors), so
/// it compares devices with each other and with the machine's ~20 GB/s triad bandwidth (performance-anchors.md).
struct LayerBenchmark: Benchmark {
    let name = "layers"
    let summary = "batch norm fwd+bwd, relu, add+relu, max pool, SGD step, image batch: ms and GB/s per device"

    private struct Row {
        var op: String, shape: String, bytes: Double, anchor: String = ""
    }

    func run(_ context: BenchmarkContext) throws {
        Report.header("layers (median of \(context.repeats); GB/s from the minimal traffic of each op)")
        let devices = try devices(context)
        for device in devices { try validate(device) }
        Report.table(["op", "shape", "device", "ms", "GB/s", "CPU s", "PyTorch 2-thread anchor"])
        for device in devices { try measure(device, context) }
    }

    /// Runs every benchmarked op at a small awkward shape on `device` and on the reference, and refuses to time a
    /// device whose results differ by more than 1e-4·(1 + |reference|) anywhere (the tests hold them far tighter).
    func validate(_ device: any Device) throws {
        let outputs = ["batchNorm fwd", "batchNorm bwd", "relu", "addRelu", "maxPool2d", "maxPool2d indices",
                       "maxPool2d bwd", "sgdStep", "imageBatch"]
        try Validation.check(name, on: device, tolerance: 1e-4, outputs: outputs) { device in
            let shape = [3, 5, 13, 11]
            let x = try filled(shape, device, seed: 1), dy = try filled(shape, device, seed: 2)
            let gamma = try filled([5], device, seed: 3), beta = try filled([5], device, seed: 4)
            let (y, mean, inverseStd) = try device.batchNormForward(
                x, gamma: gamma, beta: beta, runningMean: try Tensor(zeros: [5], on: device),
                runningVariance: try Tensor(zeros: [5], on: device), momentum: 0.1, epsilon: 1e-5)
            let (dx, _, _) = try device.batchNormBackward(outputGradient: dy, input: x, gamma: gamma, mean: mean,
                                                          inverseStd: inverseStd)
            let window = PoolWindow(kernel: 3, stride: 2, padding: 1)
            let (pooled, indices) = try device.maxPool2d(x, window: window)
            let poolGradient = try device.maxPool2dBackward(outputGradient: try filled(pooled.shape, device, seed: 5),
                                                            indices: indices, window: window, inputShape: shape)
            let weights = try filled([1_001], device, seed: 6)
            try device.sgdStep(weights: weights, gradient: try filled([1_001], device, seed: 7),
                               momentumBuffer: try filled([1_001], device, seed: 8),
                               configuration: SGDConfiguration(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4),
                               firstStep: false)
            let pixels = try Tensor((0..<(2 * 7 * 5 * 3)).map { UInt8($0 % 256) }, shape: [2, 7, 5, 3], on: device)
            let batch = try device.imageBatch(pixels, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
            return [try y.floats(), try dx.floats(), try device.relu(x).floats(), try device.addRelu(x, dy).floats(),
                    try pooled.floats(), try indices.int32s().map(Float.init), try poolGradient.floats(),
                    try weights.floats(), try batch.floats()]
        }
    }

    /// The given devices plus, for each OpenCL device, its other kernel variant (to show what the variant costs).
    private func devices(_ context: BenchmarkContext) throws -> [any Device] {
        var devices = context.devices
        for case let device as OpenCLDevice in context.devices {
            devices.append(try OpenCLDevice(device.descriptor, variant: device.variant == .cpu ? .gpu : .cpu))
        }
        return devices
    }

    private func measure(_ device: any Device, _ context: BenchmarkContext) throws {
        let quick = context.quick
        let float = 4.0

        // Batch norm, training forward + backward: N32 C256 56² (103 MB per tensor).
        let bn = quick ? [4, 64, 28, 28] : [32, 256, 56, 56]
        let channels = bn[1], elements = bn.reduce(1, *)
        let x = try filled(bn, device, seed: 1), dy = try filled(bn, device, seed: 2)
        let gamma = try filled([channels], device, seed: 3), beta = try filled([channels], device, seed: 4)
        let runningMean = try Tensor(zeros: [channels], on: device)
        let runningVariance = try Tensor(zeros: [channels], on: device)
        try time(Row(op: "batchNorm fwd+bwd", shape: "\(bn)", bytes: 8 * float * Double(elements),
                     anchor: quick ? "" : "147 ms"), device, context) {
            let (_, mean, inverseStd) = try device.batchNormForward(
                x, gamma: gamma, beta: beta, runningMean: runningMean, runningVariance: runningVariance,
                momentum: 0.1, epsilon: 1e-5)
            _ = try device.batchNormBackward(outputGradient: dy, input: x, gamma: gamma, mean: mean,
                                             inverseStd: inverseStd)
        }
        try time(Row(op: "batchNorm fwd", shape: "\(bn)", bytes: 3 * float * Double(elements),
                     anchor: quick ? "" : "69.9 ms"), device, context) {
            _ = try device.batchNormForward(x, gamma: gamma, beta: beta, runningMean: runningMean,
                                            runningVariance: runningVariance, momentum: 0.1, epsilon: 1e-5)
        }

        // ReLU and the end of a residual block on the same tensor.
        try time(Row(op: "relu", shape: "\(bn)", bytes: 2 * float * Double(elements)), device, context) {
            _ = try device.relu(x)
        }
        try time(Row(op: "add then relu", shape: "\(bn)", bytes: 5 * float * Double(elements)), device, context) {
            _ = try device.relu(try device.add(x, dy))
        }
        try time(Row(op: "addRelu (fused)", shape: "\(bn)", bytes: 3 * float * Double(elements)), device, context) {
            _ = try device.addRelu(x, dy)
        }

        // Max pool at the ResNet stem: [32, 64, 112, 112] → [32, 64, 56, 56], kernel 3, stride 2, padding 1.
        let stem = quick ? [4, 64, 56, 56] : [32, 64, 112, 112]
        let window = PoolWindow(kernel: 3, stride: 2, padding: 1)
        let stemInput = try filled(stem, device, seed: 5)
        let (pooled, indices) = try device.maxPool2d(stemInput, window: window)
        let stemBytes = float * Double(stem.reduce(1, *)), pooledBytes = float * Double(pooled.count)
        try time(Row(op: "maxPool2d fwd", shape: "\(stem) k3 s2 p1", bytes: stemBytes + 2 * pooledBytes), device,
                 context) {
            _ = try device.maxPool2d(stemInput, window: window)
        }
        let pooledGradient = try filled(pooled.shape, device, seed: 6)
        try time(Row(op: "maxPool2d bwd", shape: "\(stem) k3 s2 p1", bytes: stemBytes + 2 * pooledBytes), device,
                 context) {
            _ = try device.maxPool2dBackward(outputGradient: pooledGradient, indices: indices, window: window,
                                             inputShape: stem)
        }

        // One SGD step over resnet18's 11,689,512 parameters (momentum 0.9, weight decay 1e-4).
        let parameterCount = quick ? 1_000_000 : 11_689_512
        let weights = try filled([parameterCount], device, seed: 7)
        let gradient = try filled([parameterCount], device, seed: 8)
        let buffer = try Tensor(zeros: [parameterCount], on: device)
        let sgd = SGDConfiguration(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4)
        try time(Row(op: "sgdStep", shape: "\(parameterCount) parameters", bytes: 5 * float * Double(parameterCount)),
                 device, context) {
            try device.sgdStep(weights: weights, gradient: gradient, momentumBuffer: buffer, configuration: sgd,
                               firstStep: false)
        }

        // Rendered uint8 images to normalised network input: 128 × 224² × 3.
        let images = quick ? [16, 224, 224, 3] : [128, 224, 224, 3]
        let pixels = try Tensor(zeros: images, dtype: .uint8, on: device)
        let pixelCount = Double(images.reduce(1, *))
        try time(Row(op: "imageBatch", shape: "\(images) uint8", bytes: pixelCount * (1 + float)), device, context) {
            _ = try device.imageBatch(pixels, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
        }
    }

    private func filled(_ shape: [Int], _ device: any Device, seed: Int) throws -> Tensor {
        let count = shape.reduce(1, *)
        let values = (0..<count).map { Float(($0 &* 2_654_435_761 &+ seed) % 2_001) / 1_000 - 1 }
        return try Tensor(values, shape: shape, on: device)
    }

    private func time(_ row: Row, _ device: any Device, _ context: BenchmarkContext, _ body: () throws -> Void) throws {
        let timing = try Timing.measure(repeats: context.repeats) {
            try body()
            try device.synchronize()
        }
        let seconds = timing.medianWall
        Report.row([row.op, row.shape, device.info.identifier, Report.format(seconds * 1e3),
                    Report.format(row.bytes / seconds / 1e9), Report.format(timing.medianCPU, 3), row.anchor])
    }
}
