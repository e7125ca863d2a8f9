import AnomalyDetection
import Backbones
import Compute
import Foundation
import Fractals
import Imaging

/// The workloads of the peer bench (`Bench/peers/`), at the same shapes and under the same names, for
/// `make bench-compare`, which runs this and each peer interleaved. Each workload is validated against the reference
/// once per device, then timed; `--json FILE` appends one JSON line per measurement (``ResultLog``).
///
/// Shapes (full / `--quick`): conv 3×3 64→64 at 56², N32 / N8, forward and backward (input + filter gradient);
/// resnet18 training steps 64² b128 and 224² b32 / 64² b16; resnet18 and wide_resnet50_2 inference at 224² b8 /
/// resnet18 b4; top-k 784 × 16,384 × 1,024 (k 1, 16) and 10,000 × 100,000 × 1,024 / 196 × 4,096 × 1,024 and
/// 1,000 × 10,000 × 1,024; greedy coreset 200,000 × 1,024 / 20,000 × 256 → 10 %; PatchCore test images/s at 224²
/// on ``PatchCoreBenchmark``'s noise images against a 16,384 / 2,048-patch bank; chaos-game walk of 64 / 16 images
/// × 100,000 points.
struct CompareBenchmark: Benchmark {
    let name = "compare"
    let summary = "the peer bench's workloads (Bench/peers) by name; --workload PREFIX selects, --json FILE logs"

    struct Workload {
        var name: String
        var run: (any Device) throws -> Void
    }

    func run(_ context: BenchmarkContext) throws {
        let selected = workloads(context).filter { workload in
            context.workloads.isEmpty || context.workloads.contains { workload.name.hasPrefix($0) }
        }
        guard !selected.isEmpty else {
            throw ComputeError.invalidArgument(op: "compare benchmark",
                                               detail: "no workload starts with \(context.workloads)")
        }
        Report.header("peer-bench workloads (median of \(context.repeats) after a warm-up)")
        Report.table(["workload", "device", "median s", "rate", "unit", "load (1 min)"])
        for workload in selected {
            for device in context.devices { try workload.run(device) }
        }
    }

    /// Times `body` and reports `work / seconds` in `unit`.
    private func measure(_ workload: String, _ device: any Device, _ context: BenchmarkContext, work: Double,
                         unit: String, warmup: Int = 1, _ body: () throws -> Void) throws {
        let timing = try Timing.measure(repeats: context.repeats, warmup: warmup) {
            try body()
            try device.synchronize()
        }
        let seconds = timing.medianWall, rate = work / seconds
        Report.row([workload, device.info.identifier, Report.format(seconds, 4), Report.format(rate, 2), unit,
                    BenchData.loadAverage()])
        try context.log?.append(workload: workload, tool: "fractalad \(device.info.identifier)", seconds: seconds,
                                rate: rate, unit: unit)
    }

    private func workloads(_ context: BenchmarkContext) -> [Workload] {
        conv(context) + train(context) + inference(context) + topk(context) + coreset(context)
            + patchCore(context) + chaosGame(context)
    }

    private func conv(_ context: BenchmarkContext) -> [Workload] {
        let n = context.quick ? 8 : 32, (c, size, o) = (64, 56, 64)
        let flops = 2.0 * Double(n * o * size * size * c * 9)
        let options = Conv2DOptions(stride: 1, padding: 1)
        func tensors(_ device: any Device) throws -> (x: Tensor, w: Tensor, dy: Tensor) {
            (try Tensor(BenchData.uniform(count: n * c * size * size), shape: [n, c, size, size], on: device),
             try Tensor(BenchData.uniform(count: o * c * 9, seed: 2), shape: [o, c, 3, 3], on: device),
             try Tensor(BenchData.uniform(count: n * o * size * size, seed: 3), shape: [n, o, size, size], on: device))
        }
        return [
            Workload(name: "conv.fwd.n\(n).64x56x56.k3") { device in
                try ConvBenchmark().validate(device)
                let (x, w, _) = try tensors(device)
                try measure("conv.fwd.n\(n).64x56x56.k3", device, context, work: flops / 1e9, unit: "GFLOP/s") {
                    _ = try device.conv2d(x, weight: w, bias: nil, options: options)
                }
            },
            Workload(name: "conv.bwd.n\(n).64x56x56.k3") { device in
                try ConvBenchmark().validate(device)
                let (x, w, dy) = try tensors(device)
                try measure("conv.bwd.n\(n).64x56x56.k3", device, context, work: 2 * flops / 1e9, unit: "GFLOP/s") {
                    _ = try device.conv2dBackwardData(outputGradient: dy, weight: w, inputSize: (size, size),
                                                      options: options)
                    _ = try device.conv2dBackwardFilter(outputGradient: dy, input: x, kernelSize: (3, 3),
                                                        options: options, includeBias: false)
                }
            },
        ]
    }

    private func train(_ context: BenchmarkContext) -> [Workload] {
        let cases = context.quick ? [(64, 16)] : [(64, 128), (224, 32)]
        return cases.map { size, batch in
            Workload(name: "train.resnet18.\(size).b\(batch)") { device in
                try TrainBenchmark().validate(device)
                let trainer = try TrainBenchmark.trainer(size: size, batch: batch, device: device)
                let data = try TrainBenchmark.syntheticBatch(size: size, count: batch, device: device)
                try measure("train.resnet18.\(size).b\(batch)", device, context, work: Double(batch),
                            unit: "images/s") {
                    _ = try trainer.trainStep(data, learningRate: 0.1).loss.floats()
                }
            }
        }
    }

    private func inference(_ context: BenchmarkContext) -> [Workload] {
        let batch = context.quick ? 4 : 8
        let architectures = context.quick ? ["resnet18"] : ["resnet18", "wide_resnet50_2"]
        return architectures.map { name in
            Workload(name: "infer.\(name).224.b\(batch)") { device in
                try validateInference(device, architecture: name)
                let network = try ResNet(try ResNetArchitecture.named(name), classes: 1000, device: device)
                let images = try Tensor(BenchData.uniform(count: batch * 3 * 224 * 224), shape: [batch, 3, 224, 224],
                                        on: device)
                try measure("infer.\(name).224.b\(batch)", device, context, work: Double(batch), unit: "images/s") {
                    _ = try network.forward(images, mode: .evaluation).floats()
                }
            }
        }
    }

    /// Logits of two 64² images in evaluation mode against the reference.
    private func validateInference(_ device: any Device, architecture: String) throws {
        try Validation.check("compare infer.\(architecture)", on: device, tolerance: 1e-3, outputs: ["logits"]) {
            device in
            let network = try ResNet(try ResNetArchitecture.named(architecture), classes: 1000, device: device)
            let images = try Tensor(BenchData.uniform(count: 2 * 3 * 64 * 64, seed: 9), shape: [2, 3, 64, 64],
                                    on: device)
            return [try network.forward(images, mode: .evaluation).floats()]
        }
    }

    private func topk(_ context: BenchmarkContext) -> [Workload] {
        let shapes = context.quick ? [(196, 4_096, 1), (196, 4_096, 16), (1_000, 10_000, 1)]
            : [(784, 16_384, 1), (784, 16_384, 16), (10_000, 100_000, 1)]
        let depth = 1_024
        return shapes.map { m, n, k in
            let name = "topk.\(m)x\(n)x\(depth).k\(k)"
            return Workload(name: name) { device in
                try DistanceBenchmark().validate(device)
                let q = try Tensor(BenchData.uniform(count: m * depth, seed: 1), shape: [m, depth], on: device)
                let bank = try Tensor(BenchData.uniform(count: n * depth, seed: 2), shape: [n, depth], on: device)
                let large = m * n > 100_000_000
                try measure(name, device, context, work: 2 * Double(m) * Double(n) * Double(depth) / 1e9,
                            unit: "GFLOP/s", warmup: large ? 0 : 1) {
                    _ = try device.nearestNeighbors(queries: q, bank: bank, k: k, chunkRows: nil).indices.int32s()
                }
            }
        }
    }

    private func coreset(_ context: BenchmarkContext) -> [Workload] {
        let (n, depth) = context.quick ? (20_000, 256) : (200_000, 1_024)
        let name = "coreset.\(n)x\(depth).r0.1"
        return [Workload(name: name) { device in
            try CoresetBenchmark().validate(device)
            let x = try Tensor(BenchData.uniform(count: n * depth, seed: 3), shape: [n, depth], on: device)
            let sampler = GreedyCoresetSampler(ratio: 0.1, seed: 1)
            try measure(name, device, context, work: Double(n / 10), unit: "points/s", warmup: context.quick ? 1 : 0) {
                _ = try sampler.select(features: x)
            }
        }]
    }

    private func patchCore(_ context: BenchmarkContext) -> [Workload] {
        let bankRows = context.quick ? 2_048 : 16_384, batch = 8
        var settings = PatchCoreSettings.official
        settings.coresetRatio = 1
        let architectures = context.quick ? ["resnet18"] : ["resnet18", "wide_resnet50_2"]
        return architectures.map { architecture in
            let name = "patchcore.\(architecture).224.bank\(bankRows).b\(batch)"
            return Workload(name: name) { device in
                try PatchCoreBenchmark().validate(device, settings: settings, architectures: [architecture])
                let extractor = try ResNetFeatureExtractor.load(checkpoint: nil, architecture: architecture, seed: 0,
                                                                device: device)
                let patchCore = try PatchCore(settings: settings, extractor: extractor, batchSize: batch)
                let model = PatchCoreModel(settings: settings, backbone: extractor.reference,
                                           bank: BenchData.uniform(count: bankRows * 1024, seed: 5), dimension: 1024,
                                           grid: (28, 28), trainingImages: 0, trainingPatches: bankRows)
                let bank = try model.bankTensor(on: device)
                let images = try PatchCoreBenchmark.images(count: batch, size: 256, settings: settings)
                try measure(name, device, context, work: Double(batch), unit: "images/s") {
                    _ = try patchCore.score(images, model: model, bank: bank)
                }
            }
        }
    }

    private func chaosGame(_ context: BenchmarkContext) -> [Workload] {
        let batch = context.quick ? 16 : 64, points = 100_000
        let name = "chaos.walk.\(batch)x\(points)"
        return [Workload(name: name) { device in
            let sampler = try IFSSampler()
            let jobs = (0..<batch).map { RenderJob(system: sampler.system(index: $0, seed: 1), imageIndex: $0) }
            try RenderBenchmark().validate(device, jobs: Array(jobs.prefix(5)))
            let plans = jobs.map {
                RenderPlan(system: $0.system, imageIndex: $0.imageIndex, attempt: 0, settings: RenderSettings(),
                           seed: 1)
            }
            let records = try Tensor(plans.flatMap(\.systemRecord), shape: [batch, ChaosGameLayout.systemWords],
                                     on: device)
            try measure(name, device, context, work: Double(batch * points) / 1e6, unit: "M points/s") {
                _ = try device.chaosGameWalk(systems: records, seed: 1, walkers: 128, pointsPerImage: points,
                                             warmup: 32)
            }
        }]
    }
}

/// Appends one JSON object per line to a file: `{"workload", "tool", "median_s", "rate", "unit", "load"}`, the
/// format the peer scripts print, so `Bench/peers/compare.py` reads both sides alike.
final class ResultLog {
    private let handle: FileHandle
    let path: String

    init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ComputeError.invalidArgument(op: "--json", detail: "cannot create \(path)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw ComputeError.invalidArgument(op: "--json", detail: "cannot write \(path)")
        }
        self.handle = handle
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    func append(workload: String, tool: String, seconds: Double, rate: Double, unit: String) throws {
        let line: [String: Any] = ["workload": workload, "tool": tool, "median_s": seconds, "rate": rate,
                                   "unit": unit, "load": BenchData.loadAverage()]
        var data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        data.append(0x0A)
        try handle.write(contentsOf: data)
    }
}
