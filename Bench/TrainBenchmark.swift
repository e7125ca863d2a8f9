import Backbones
import Compute
import Foundation
import Fractals
import Imaging

/// Training throughput of resnet18 per device (PyTorch's CPU anchors: about 125 images/s at 64² batch 128 and
/// 14–17 images/s at 224² batch 32 on this machine), a per-op breakdown of one step, and the speed of the two data
/// paths that feed it.
struct TrainBenchmark: Benchmark {
    let name = "train"
    let summary = "resnet18 training images/s at 64² b128 and 224² b32 per device, time per op, data-path images/s"

    struct Case {
        var size: Int, batch: Int, anchor: String
    }

    func run(_ context: BenchmarkContext) throws {
        let cases = context.quick ? [Case(size: 64, batch: 16, anchor: "")]
            : [Case(size: 64, batch: 128, anchor: "≈125 (PyTorch, 2 threads)"),
               Case(size: 224, batch: 32, anchor: "14–17 (PyTorch, 2 threads)")]
        Report.header("train: resnet18, 1000 classes, one SGD step per batch (median of \(context.repeats) steps "
            + "after a warm-up step; device-resident synthetic batch)")
        Report.table(["input", "batch", "device", "median s/step", "images/s", "CPU s/step", "anchor images/s",
                      "load avg"])
        for device in context.devices { try validate(device) }
        var breakdowns: [(String, [(kind: LayerProfile.Kind, seconds: Double)], Double)] = []
        for trainCase in cases {
            for device in context.devices {
                let trainer = try Self.trainer(size: trainCase.size, batch: trainCase.batch, device: device)
                let batch = try Self.syntheticBatch(size: trainCase.size, count: trainCase.batch, device: device)
                let timing = try Timing.measure(repeats: context.repeats) {
                    _ = try trainer.trainStep(batch, learningRate: 0.1).loss.floats()
                }
                Report.row(["\(trainCase.size)²", "\(trainCase.batch)", device.info.identifier,
                            Report.format(timing.medianWall, 3),
                            Report.format(Double(trainCase.batch) / timing.medianWall),
                            Report.format(timing.medianCPU, 2), trainCase.anchor, BenchData.loadAverage()])
                LayerProfile.shared.start()
                let profiled = try Timing.measure(repeats: 1, warmup: 0) {
                    _ = try trainer.trainStep(batch, learningRate: 0.1).loss.floats()
                }
                breakdowns.append(("\(trainCase.size)² b\(trainCase.batch) on \(device.info.identifier)",
                                   LayerProfile.shared.stop(), profiled.medianWall))
            }
        }
        print("\nTime per op kind in one profiled step (each op synchronised, so the total exceeds an unprofiled step)")
        for (label, kinds, total) in breakdowns {
            let parts = kinds.map { "\($0.kind.rawValue) \(Report.format($0.seconds * 1e3, 0)) ms "
                + "(\(Report.format(100 * $0.seconds / total, 0))%)" }
            print("- \(label): \(Report.format(total, 2)) s: " + parts.joined(separator: ", "))
        }
        try dataPaths(context, cases: cases)
    }

    /// Images/s of the on-the-fly fractal stream (render, CutMix or MixUp, normalise; on the device) and of the
    /// ImageFolder host pipeline (decode 512² PNGs, OFDB augmentation, mixing; background threads).
    private func dataPaths(_ context: BenchmarkContext, cases: [Case]) throws {
        Report.header("train data paths (images/s over \(context.repeats) batches after a warm-up batch)")
        Report.table(["source", "input", "batch", "device", "images/s"])
        let sampler = try IFSSampler(minMaps: 2, maxMaps: 4, translationBound: 1, sigmaFactorRange: nil)
        let systems = SystemsFile.sample(count: 1000, sampler: sampler, seed: 1)
        for trainCase in cases {
            var configuration = Self.configuration(size: trainCase.size, batch: trainCase.batch)
            configuration.rendersPerClass = 100
            for device in context.devices {
                let data = try FractalStreamData(systems: systems, render: RenderSettings(),
                                                 configuration: configuration, device: device)
                let stream = try data.trainingBatches(from: BatchPosition(epoch: 0, batch: 0), endEpoch: 1)
                let timing = try Timing.measure(repeats: context.repeats) {
                    _ = try stream.next()?.images.floats()
                }
                Report.row(["fractal stream (100k points, mix p 0.8)", "\(trainCase.size)²", "\(trainCase.batch)",
                            device.info.identifier, Report.format(Double(trainCase.batch) / timing.medianWall)])
            }
        }
        let folder = FileManager.default.temporaryDirectory.appending(path: "fractalad-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        var spec = DatasetSpec(mode: .oneInstance, classes: 64, perClass: 1, seed: 1, render: RenderSettings())
        spec.render.size = 512
        let device = context.devices[0]
        _ = try DatasetWriter(spec: spec, systems: systems, root: folder, device: device).run()
        for trainCase in cases {
            var configuration = Self.configuration(size: trainCase.size, batch: trainCase.batch)
            configuration.classes = 64
            // Decoded images are not cached here, so every batch decodes its PNGs as a large dataset would.
            let data = try ImageFolderData(folder: try ImageFolder(root: folder, cacheBytes: 0),
                                           configuration: configuration, device: device)
            let stream = try data.trainingBatches(from: BatchPosition(epoch: 0, batch: 0), endEpoch: 1_000)
            let timing = try Timing.measure(repeats: context.repeats) { _ = try stream.next() }
            Report.row(["ImageFolder 512² PNG, OFDB augmentation, host", "\(trainCase.size)²", "\(trainCase.batch)",
                        "host (\(ProcessInfo.processInfo.activeProcessorCount) threads)",
                        Report.format(Double(trainCase.batch) / timing.medianWall)])
        }
    }

    /// The losses of two consecutive resnet18 training steps at 64², batch 4 (so the second sees the weights the
    /// first updated) and the correct counts, against the reference.
    func validate(_ device: any Device) throws {
        try Validation.check(name, on: device, tolerance: 1e-3, outputs: ["losses", "correct"]) { device in
            let trainer = try Self.trainer(size: 64, batch: 4, device: device)
            let batch = try Self.syntheticBatch(size: 64, count: 4, device: device)
            var losses: [Float] = [], correct: [Float] = []
            for _ in 0..<2 {
                let step = try trainer.trainStep(batch, learningRate: 0.1)
                losses += try step.loss.floats()
                correct += try step.correct.int32s().map(Float.init)
            }
            return [losses, correct]
        }
    }

    static func configuration(size: Int, batch: Int) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.architecture = "resnet18"
        configuration.classes = 1000
        configuration.imageSize = size
        configuration.batchSize = batch
        return configuration
    }

    static func trainer(size: Int, batch: Int, device: any Device) throws -> Trainer {
        try Trainer(configuration: configuration(size: size, batch: batch), data: SyntheticData(), device: device)
    }

    /// Normalised-looking random images with one-hot targets, already on the device.
    static func syntheticBatch(size: Int, count: Int, device: any Device) throws -> TrainingBatch {
        let labels = (0..<count).map { Int32($0 * 7 % 1000) }
        var targets = [Float](repeating: 0, count: count * 1000)
        for (row, label) in labels.enumerated() { targets[row * 1000 + Int(label)] = 1 }
        let images = try Tensor(BenchData.uniform(count: count * 3 * size * size), shape: [count, 3, size, size], on: device)
        return TrainingBatch(images: images,
                             targets: try Tensor(targets, shape: [count, 1000], on: device),
                             labels: try Tensor(labels, shape: [count], on: device))
    }

    /// A data source the benchmark never reads from: it feeds `trainStep` directly.
    final class SyntheticData: TrainingData {
        var classCount: Int { 1000 }
        var epochSize: Int { 0 }
        var evaluationDescription: String { "nothing" }
        func trainingBatches(from start: BatchPosition, endEpoch: Int) throws -> BatchStream { BatchStream { nil } }
        func evaluationBatches() throws -> BatchStream { BatchStream { nil } }
    }
}
