import Backbones
import Compute
import Foundation
import Imaging
import Testing
@testable import AnomalyDetection

/// Issue 7 items 3 and 6: model files and fits whose settings the code cannot honour are refused with a message
/// naming the file and the setting, instead of trapping, allocating terabytes or scoring `inf`.
@Suite struct ModelFileTests {
    /// A small fitted model (3 images of 64², a 16-d embedding) written to `fixture`'s folder.
    static func model(_ fixture: ImageFolderFixture, ratio: Double = 0.1) throws -> URL {
        let train = try (0..<3).map { try fixture.image("train\($0)", seed: $0) }
        let patchCore = try PatchCore(settings: PatchCoreTests.settings(ratio: ratio),
                                      extractor: PoolingExtractor(device: CPUDevice.reference))
        let url = fixture.root.appending(path: "model.patchcore")
        try patchCore.fit(train).write(to: url)
        return url
    }

    /// Rewrites the `settings` metadata of the model file at `url`.
    static func edit(_ url: URL, _ change: (inout PatchCoreSettings) -> Void) throws {
        var file = try SafeTensorsFile.read(url)
        var settings = try JSONDecoder().decode(PatchCoreSettings.self, from: Data(file.metadata["settings"]!.utf8))
        change(&settings)
        file.metadata["settings"] = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        try file.write(to: url)
    }

    static let changes: [(String, @Sendable (inout PatchCoreSettings) -> Void)] = [
        ("the map σ", { $0.mapSigma = 1e300 }),
        ("the map σ", { $0.mapSigma = 1e10 }),
        ("embedding dimensions", { $0.targetDimension = 1 << 40 }),
        ("embedding dimensions", { $0.pretrainDimension = 1 << 40 }),
        ("stages", { $0.stages = ["layer2", "layer2"] }),
        ("normalisation", { $0.preprocessing.std = [0, 1, 1] }),
        ("normalisation", { $0.preprocessing.mean = [0, 0] }),
        ("square inputs", { $0.preprocessing.crop = nil }),
        ("embedding of one image", { $0.preprocessing = Preprocessing(resize: 4096, crop: 4096, keepAspect: true,
                                                                       mean: [0, 0, 0], std: [1, 1, 1])
                                     $0.pretrainDimension = 8192 }),
    ]

    @Test(arguments: 0..<changes.count)
    func settingsBeyondWhatTheCodeHonoursAreRefused(_ index: Int) throws {
        let fixture = try ImageFolderFixture()
        let url = try Self.model(fixture)
        _ = try PatchCoreModel.read(url)
        let (setting, change) = Self.changes[index]
        try Self.edit(url, change)
        #expect {
            try PatchCoreModel.read(url)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains(setting)
        }
    }

    /// Issue 7 item 12: an integer memory bank is refused naming the file and the tensor.
    @Test func anIntegerBankNamesTheFileAndTensor() throws {
        let fixture = try ImageFolderFixture()
        let url = try Self.model(fixture)
        var file = try SafeTensorsFile.read(url)
        let bank = file.tensors["memory_bank"]!
        file.tensors["memory_bank"] = SafeTensor(dtype: .int64, shape: [bank.shape[0] / 2, bank.shape[1]],
                                                 data: bank.data)
        try file.write(to: url)
        #expect {
            try PatchCoreModel.read(url)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("memory_bank: a I64 tensor cannot be read as floats")
        }
    }

    /// Issue 7 item 12: an image that cannot be resized as asked is named.
    @Test func anImageThatCannotBeResizedIsNamed() throws {
        let fixture = try ImageFolderFixture()
        let url = fixture.root.appending(path: "sliver.png")
        try PNG.write(try ByteImage(width: 1, height: 600, channels: 3, value: 7), to: url)
        let preprocessing = Preprocessing(resize: 256, crop: 224, keepAspect: true, mean: [0, 0, 0], std: [1, 1, 1])
        #expect {
            try preprocessing.prepare(url)
        } throws: { error in
            "\(error)".contains("sliver.png") && "\(error)".contains("invalid image size")
        }
    }

    @Test func moreNeighboursThanTheBankHoldsAreRefused() throws {
        let fixture = try ImageFolderFixture()
        let url = try Self.model(fixture, ratio: 0.01)
        let bankSize = try PatchCoreModel.read(url).bankSize
        try Self.edit(url) { $0.neighbors = 16 }
        #expect(bankSize < 16)
        #expect {
            try PatchCoreModel.read(url)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("16 nearest neighbours")
        }

        // At fit time: one 64² image gives 16 × 16 patches, a 3 % coreset keeps 7 of them.
        var settings = PatchCoreTests.settings(ratio: 0.03)
        settings.neighbors = 16
        let patchCore = try PatchCore(settings: settings, extractor: PoolingExtractor(device: CPUDevice.reference))
        #expect {
            try patchCore.fit([try fixture.image("one", seed: 9)])
        } throws: { error in
            "\(error)".contains("16 nearest neighbours need a memory bank of at least 16 patches")
        }
    }
}
