import AnomalyDetection
import Compute
import Foundation
import Imaging

/// PatchCore test throughput at 224²: backbone features, embedding, nearest-neighbour scoring and maps, per device.
struct PatchCoreBenchmark: Benchmark {
    let name = "patchcore"
    let summary = "PatchCore test images/s at 224² (features + scoring) against a 16,384-patch bank"

    func run(_ context: BenchmarkContext) throws {
        Report.header("PatchCore test images/s, 224² input, layer2+layer3, official 1024-d embedding, k = 1")
        Report.table(["device", "backbone", "bank", "batch", "median s per batch", "images/s", "load"])
        let batch = 8
        let bankRows = context.quick ? 2_048 : 16_384
        var settings = PatchCoreSettings.official
        settings.coresetRatio = 1
        for device in context.devices {
            for architecture in context.quick ? ["resnet18"] : ["resnet18", "wide_resnet50_2"] {
                let extractor = try ResNetFeatureExtractor.load(checkpoint: nil, architecture: architecture, seed: 0,
                                                                device: device)
                let patchCore = try PatchCore(settings: settings, extractor: extractor, batchSize: batch)
                let model = PatchCoreModel(settings: settings, backbone: extractor.reference,
                                           bank: BenchData.uniform(count: bankRows * 1024, seed: 5), dimension: 1024,
                                           grid: (28, 28), trainingImages: 0, trainingPatches: bankRows)
                let bank = try model.bankTensor(on: device)
                let images = try (0..<batch).map { i -> PreparedImage in
                    let picture = try ByteImage(width: 256, height: 256, channels: 3,
                                                pixels: BenchData.uniform(count: 256 * 256 * 3, seed: UInt64(i))
                                                    .map { UInt8(($0 + 1) * 127) })
                    return try settings.preprocessing.prepare(picture)
                }
                let timing = try Timing.measure(repeats: max(1, context.repeats / 2)) {
                    _ = try patchCore.score(images, model: model, bank: bank)
                }
                Report.row([device.info.identifier, architecture, "\(bankRows)", "\(batch)",
                            Report.format(timing.medianWall, 3), Report.format(Double(batch) / timing.medianWall),
                            BenchData.loadAverage()])
            }
        }
    }
}
