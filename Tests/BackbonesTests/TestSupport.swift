import Backbones
import Compute
import Foundation
import Testing

/// The devices every model test runs on: the reference loops (the specification), then the fast CPU device and
/// every OpenCL device in both kernel shapes.
enum TestDevices {
    static let reference = CPUDevice.reference

    /// Each OpenCL device once more, forced to the kernel shape its type would not choose.
    static let otherVariants: [OpenCLDevice] = {
        guard let descriptors = try? OpenCLPlatform.devices() else { return [] }
        return descriptors.compactMap { descriptor in
            try? OpenCLDevice(descriptor, variant: descriptor.info.type == .gpu ? .cpu : .gpu)
        }
    }()

    /// Every device except the reference.
    static var underTest: [any Device] {
        get throws {
            let openCL = try OpenCLPlatform.devices().map { try Devices.openCL($0.index) as any Device }
            if openCL.isEmpty && ProcessInfo.processInfo.environment["FRACTALAD_ALLOW_NO_OPENCL"] != "1" {
                Issue.record("no OpenCL device: install pocl-opencl-icd or set FRACTALAD_ALLOW_NO_OPENCL=1")
            }
            return openCL + otherVariants + [CPUDevice.fastShared]
        }
    }

    static var all: [any Device] {
        get throws { [reference as any Device] + (try underTest) }
    }
}

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

/// A declared tolerance: `nmse(limit)` bounds `Σ(got − expected)² / Σ expected²` (for results of long
/// reductions), `elementwise` bounds every `|got − expected|` by `absolute + relative·|expected|`.
enum Tolerance: CustomStringConvertible {
    case nmse(Double)
    case elementwise(absolute: Float, relative: Float)

    var description: String {
        switch self {
        case let .nmse(limit): "NMSE ≤ \(limit)"
        case let .elementwise(a, r): "atol \(a) + rtol \(r)"
        }
    }
}

/// Records one issue naming `label`, the error relative to the tolerance and the worst pair.
func expectClose(_ got: [Float], _ expected: [Float], _ tolerance: Tolerance, _ label: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard got.count == expected.count else {
        Issue.record("\(label): \(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let worst = got.indices.max { abs(got[$0] - expected[$0]) < abs(got[$1] - expected[$1]) } ?? 0
    switch tolerance {
    case let .nmse(limit):
        var error = 0.0, norm = 0.0
        for i in got.indices {
            error += Double(got[i] - expected[i]) * Double(got[i] - expected[i])
            norm += Double(expected[i]) * Double(expected[i])
        }
        let nmse = norm == 0 ? error : error / norm
        if !(nmse <= limit) {
            Issue.record("\(label): NMSE \(nmse) > \(limit); worst [\(worst)] \(got[worst]) vs \(expected[worst])",
                         sourceLocation: sourceLocation)
        }
    case let .elementwise(absolute, relative):
        let bad = got.indices.filter { !(abs(got[$0] - expected[$0]) <= absolute + relative * abs(expected[$0])) }
        if !bad.isEmpty {
            let message = "\(label): \(bad.count) of \(got.count) values outside \(tolerance); worst [\(worst)] "
                + "\(got[worst]) vs \(expected[worst])"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
    }
}

/// Deterministic values uniform on [low, high).
func testValues(_ count: Int, seed: UInt64, low: Float = -1, high: Float = 1) -> [Float] {
    var stream = PhiloxStream(seed: seed, stream: (7, 7, 7))
    return (0..<count).map { _ in low + (high - low) * Float(stream.nextUnit()) }
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appending(path: "fractalad-backbones-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
