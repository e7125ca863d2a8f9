import Backbones
import Compute
import Foundation
import Testing

/// Opt-in test tiers.
enum TestTier {
    /// `FRACTALAD_SLOW_TESTS=1`: tests that take more than about 20 s.
    static var slow: Bool { ProcessInfo.processInfo.environment["FRACTALAD_SLOW_TESTS"] == "1" }
}

/// Files under `Tests/BackbonesTests/Fixtures` (made by `Fixtures/make_torch_fixtures.py`).
enum Fixtures {
    static func url(_ name: String) throws -> URL {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "no Fixtures folder")
        return root.appending(path: name)
    }

    static func safetensors(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile.read(try url(name + ".safetensors"))
    }

    /// The narrow ResNets of the fixture script.
    static let tinyBasic = ResNetArchitecture(name: "tiny_basic", block: .basic, blocksPerStage: [1, 1, 1, 1],
                                              stemChannels: 8, stagePlanes: [8, 16, 32, 64])
    static let tinyBottleneck = ResNetArchitecture(name: "tiny_bottleneck", block: .bottleneck,
                                                   blocksPerStage: [1, 2, 1, 1], baseWidth: 128, stemChannels: 8,
                                                   stagePlanes: [4, 8, 16, 32])
}

extension SafeTensorsFile {
    /// The float values of `name`, failing the test when it is absent.
    func values(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Float] {
        try #require(tensors[name], "no tensor \(name)", sourceLocation: sourceLocation).floats()
    }

    func tensor(_ name: String, on device: any Device) throws -> Tensor {
        let entry = try #require(tensors[name], "no tensor \(name)")
        return try Tensor(try entry.floats(), shape: entry.shape, on: device)
    }
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appending(path: "fractalad-backbones-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
