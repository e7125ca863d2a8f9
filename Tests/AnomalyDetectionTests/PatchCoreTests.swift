import Compute
import Foundation
import Imaging
import Testing
import TestSupport
@testable import AnomalyDetection

/// A stand-in backbone for pipeline tests: `layer2` is the input average-pooled by 4, `layer3` by 8.
final class PoolingExtractor: FeatureExtractor, @unchecked Sendable {
    let device: any Device
    let reference = BackboneReference(architecture: "pooling", checkpoint: nil, checkpointHash: nil, seed: 0)
    let stageNames = ["layer2", "layer3"]

    init(device: any Device) { self.device = device }

    func stageFeatures(_ batch: Tensor, stages: [String]) throws -> [Tensor] {
        try stages.map { stage in
            let factor = stage == "layer2" ? 4 : 8
            return try device.avgPool2d(batch, window: PoolWindow(kernel: factor, stride: factor, padding: 0))
        }
    }
}

/// Writes small RGB test images into a temporary folder.
final class ImageFolderFixture {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appending(path: "fractalad-patchcore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// A textured 64² image; `defect` paints a bright 10×10 square at (40, 12).
    func image(_ name: String, seed: Int, defect: Bool = false) throws -> URL {
        var pixels = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for y in 0..<64 {
            for x in 0..<64 {
                let stripe = UInt8(90 + 40 * ((x / 4 + y / 4) % 2)) &+ UInt8((seed * 7 + x * 3 + y) % 5)
                for c in 0..<3 { pixels[(y * 64 + x) * 3 + c] = stripe }
                if defect && (40..<50).contains(x) && (12..<22).contains(y) {
                    pixels[(y * 64 + x) * 3] = 250
                }
            }
        }
        let url = root.appending(path: "\(name).png")
        try PNG.write(try ByteImage(width: 64, height: 64, channels: 3, pixels: pixels), to: url)
        return url
    }
}

@Suite struct PatchCoreTests {
    static func settings(ratio: Double = 1, embedding: PatchEmbedding = .official) -> PatchCoreSettings {
        var settings = PatchCoreSettings.official
        settings.preprocessing = Preprocessing(resize: 64, crop: 64, keepAspect: true,
                                               mean: ByteImage.imageNetMean, std: ByteImage.imageNetStd)
        settings.coresetRatio = ratio
        settings.embedding = embedding
        settings.pretrainDimension = 16
        settings.targetDimension = 16
        return settings
    }

    @Test func trainingImagesScoreZeroAgainstTheFullBank() throws {
        let fixture = try ImageFolderFixture()
        let train = try (0..<3).map { try fixture.image("train\($0)", seed: $0) }
        for device in try TestDevices.all {
            let patchCore = try PatchCore(settings: Self.settings(), extractor: PoolingExtractor(device: device))
            let model = try patchCore.fit(train)
            #expect(model.bankSize == 3 * 16 * 16)
            let results = try patchCore.score(try patchCore.prepare(train), model: model,
                                              bank: try model.bankTensor(on: device))
            for result in results {
                #expect(result.score == 0)
                #expect(result.map.values.allSatisfy { $0 == 0 })
            }
        }
    }

    @Test(arguments: [PatchEmbedding.official, .anomalib])
    func aDefectRaisesTheScoreWhereItIs(_ embedding: PatchEmbedding) throws {
        let fixture = try ImageFolderFixture()
        let train = try (0..<4).map { try fixture.image("train\($0)", seed: $0) }
        let good = try fixture.image("good", seed: 9), bad = try fixture.image("bad", seed: 9, defect: true)
        var settings = Self.settings(ratio: 0.5, embedding: embedding)
        settings.imageScoring = .reweighted(neighbors: 4)
        settings.distance = .euclidean
        let patchCore = try PatchCore(settings: settings, extractor: PoolingExtractor(device: CPUDevice.fastShared))
        let model = try patchCore.fit(train)
        #expect(model.bankSize == 4 * 16 * 16 / 2)
        let results = try patchCore.score(try patchCore.prepare([good, bad]), model: model,
                                          bank: try model.bankTensor(on: CPUDevice.fastShared))
        #expect(results[1].score > results[0].score * 2)
        let peak = results[1].map.values.indices.max { results[1].map.values[$0] < results[1].map.values[$1] }!
        let (x, y) = (peak % 64, peak / 64)
        #expect((36..<54).contains(x) && (8..<26).contains(y), "map peak at (\(x), \(y))")
    }

    @Test func evaluationOnASyntheticCategoryProducesEveryMetric() throws {
        let fixture = try ImageFolderFixture()
        var set = SyntheticInspectionSet()
        set.size = 64
        set.trainPerCategory = 6
        set.goodTestPerCategory = 3
        set.testPerDefect = 2
        set.categories = [.tiles]
        try set.write(to: fixture.root)
        let category = try InspectionDataset.categories(root: fixture.root, format: .mvtec)[0]
        let patchCore = try PatchCore(settings: Self.settings(ratio: 0.25),
                                      extractor: PoolingExtractor(device: CPUDevice.fastShared))
        let heatMaps = fixture.root.appending(path: "heatmaps")
        let (metrics, _) = try DetectorEvaluation(detector: patchCore, heatMaps: heatMaps).evaluate(category)
        #expect(metrics.normalImageCount == 3 && metrics.anomalousImageCount == 8)
        for value in [metrics.imageAUROC, metrics.pixelAUROC, metrics.aupro, metrics.imageF1Max, metrics.pixelF1Max] {
            let v = try #require(value)
            #expect(v >= 0 && v <= 1)
        }
        #expect(FileManager.default.fileExists(atPath: heatMaps.appending(path: "tiles/spot/000.png").path))
    }

    @Test func unknownStagesAndBadSettingsAreRejected() {
        var settings = Self.settings()
        settings.stages = ["layer9"]
        #expect(throws: PatchCoreError.self) {
            try PatchCore(settings: settings, extractor: PoolingExtractor(device: CPUDevice.reference))
        }
        settings = Self.settings(ratio: 0)
        #expect(throws: PatchCoreError.self) {
            try PatchCore(settings: settings, extractor: PoolingExtractor(device: CPUDevice.reference))
        }
    }
}
