import Backbones
import Compute
import Foundation
import Testing
@testable import AnomalyDetection

/// Issue 9 item 1: the detector interface and the shared model file (method field, another method's file refused).
@Suite struct DetectorInterfaceTests {
    /// Fitting on features equals fitting on files, and a refit on a subset of the same features needs no backbone.
    @Test func fitOnFeaturesEqualsFitOnFiles() throws {
        let fixture = try ImageFolderFixture()
        let train = try (0..<3).map { try fixture.image("train\($0)", seed: $0) }
        let patchCore = try PatchCore(settings: PatchCoreTests.settings(ratio: 0.5),
                                      extractor: PoolingExtractor(device: CPUDevice.reference))
        let fromFiles = try patchCore.fit(train)
        let features = try patchCore.features(of: train)
        #expect(features.count == 3 && features[0].grid == (16, 16) && features[0].dimension == 16)
        let fromFeatures = try patchCore.fit(features, trainingImages: 3)
        #expect(fromFeatures.bank == fromFiles.bank)
        let subset = try patchCore.fit(Array(features.prefix(2)), trainingImages: 2)
        #expect(subset.trainingPatches == 2 * 256)
        let fitted = try patchCore.loaded(fromFiles)
        let scores = try fitted.score(try patchCore.prepare(train))
        #expect(scores.count == 3 && scores.allSatisfy { $0.map.width == 64 && $0.map.height == 64 })
    }

    @Test func modelFilesNameTheirMethod() throws {
        let fixture = try ImageFolderFixture()
        let url = try ModelFileTests.model(fixture)
        let (method, file) = try ModelFile.read(url)
        #expect(method == .patchcore)
        #expect(file.metadata["format"] == "fractalad-model" && file.metadata["method"] == "patchcore")
        #expect(try PatchCoreModel(file: file, path: url.path).bankSize == PatchCoreModel.read(url).bankSize)
    }

    /// Files written before the method field existed still read as PatchCore models.
    @Test func legacyPatchCoreFilesRead() throws {
        let fixture = try ImageFolderFixture()
        let url = try ModelFileTests.model(fixture)
        var file = try SafeTensorsFile.read(url)
        file.metadata["format"] = "fractalad-patchcore"
        file.metadata["method"] = nil
        try file.write(to: url)
        #expect(try ModelFile.read(url).method == .patchcore)
        _ = try PatchCoreModel.read(url)
    }

    static let badMetadata: [(String, String?, String)] = [
        ("method", "isolation-forest", "unknown method 'isolation-forest'"),
        ("method", nil, "metadata 'method' is missing"),
        ("format", "fractalad-ifs", "it is not a fractalad-model file"),
        ("version", "7", "version 7 is not supported"),
    ]

    @Test(arguments: 0..<badMetadata.count)
    func badMethodOrFormatIsNamed(_ index: Int) throws {
        let (key, value, message) = Self.badMetadata[index]
        let fixture = try ImageFolderFixture()
        let url = try ModelFileTests.model(fixture)
        var file = try SafeTensorsFile.read(url)
        file.metadata[key] = value
        try file.write(to: url)
        #expect {
            try PatchCoreModel.read(url)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains(message)
        }
    }
}
