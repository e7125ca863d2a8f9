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
        let architectures = context.quick ? ["resnet18"] : ["resnet18", "wide_resnet50_2"]
        for device in context.devices { try validate(device, settings: settings, architectures: architectures) }
        for device in context.devices {
            for architecture in architectures {
                let extractor = try ResNetFeatureExtractor.load(checkpoint: nil, architecture: architecture, seed: 0,
                                                                device: device)
                let patchCore = try PatchCore(settings: settings, extractor: extractor, batchSize: batch)
                let model = PatchCoreModel(settings: settings, backbone: extractor.reference,
                                           bank: BenchData.uniform(count: bankRows * 1024, seed: 5), dimension: 1024,
                                           grid: (28, 28), trainingImages: 0, trainingPatches: bankRows)
                let bank = try model.bankTensor(on: device)
                let images = try Self.images(count: batch, size: 256, settings: settings)
                let timing = try Timing.measure(repeats: max(1, context.repeats / 2)) {
                    _ = try patchCore.score(images, model: model, bank: bank)
                }
                Report.row([device.info.identifier, architecture, "\(bankRows)", "\(batch)",
                            Report.format(timing.medianWall, 3), Report.format(Double(batch) / timing.medianWall),
                            BenchData.loadAverage()])
            }
        }
    }

    /// `count` seeded noise pictures of `size`² (image `i` from seed `i`), prepared with `settings`.
    static func images(count: Int, size: Int, settings: PatchCoreSettings) throws -> [PreparedImage] {
        try (0..<count).map { i in
            let picture = try ByteImage(width: size, height: size, channels: 3,
                                        pixels: BenchData.uniform(count: size * size * 3, seed: UInt64(i))
                                            .map { UInt8(($0 + 1) * 127) })
            return try settings.preprocessing.prepare(picture)
        }
    }

    /// Image scores and anomaly maps of two 72² pictures at a 64² input against a 300-patch bank, for every
    /// benchmarked backbone, against the reference.
    func validate(_ device: any Device, settings: PatchCoreSettings, architectures: [String]) throws {
        var small = settings
        small.preprocessing.resize = 64
        small.preprocessing.crop = 64
        let images = try Self.images(count: 2, size: 72, settings: small)
        let outputs = architectures.flatMap { ["\($0) scores", "\($0) maps"] }
        try Validation.check(name, on: device, tolerance: 1e-3, outputs: outputs) { device in
            try architectures.flatMap { architecture -> [[Float]] in
                let extractor = try ResNetFeatureExtractor.load(checkpoint: nil, architecture: architecture, seed: 0,
                                                                device: device)
                let patchCore = try PatchCore(settings: small, extractor: extractor, batchSize: 2)
                let model = PatchCoreModel(settings: small, backbone: extractor.reference,
                                           bank: BenchData.uniform(count: 300 * 1024, seed: 5), dimension: 1024,
                                           grid: (8, 8), trainingImages: 0, trainingPatches: 300)
                let scores = try patchCore.score(images, model: model, bank: try model.bankTensor(on: device))
                return [scores.map { Float($0.score) }, scores.flatMap(\.map.values)]
            }
        }
    }
}
