import Compute
import Foundation
import Testing
import TestSupport
@testable import Fractals

/// A temporary folder removed when the test ends.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "fractalad-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Relative path → contents of every file below `root`.
    static func contents(of root: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        while let file = enumerator?.nextObject() as? URL {
            guard (try file.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            result[String(file.path.dropFirst(root.path.count + 1))] = try Data(contentsOf: file)
        }
        return result
    }
}

@Suite struct DatasetTests {
    static func spec(_ mode: DatasetMode = .instances, classes: Int = 5, perClass: Int = 3) -> DatasetSpec {
        var render = RenderSettings()
        render.size = 24
        render.points = 3_000
        render.walkers = 16
        return DatasetSpec(mode: mode, classes: classes, perClass: perClass, systemsPerClass: 2, seed: 12,
                           render: render)
    }

    static func systems(_ count: Int = 10) throws -> SystemsFile {
        SystemsFile.sample(count: count, sampler: try IFSSampler(), seed: 12)
    }

    @Test func writesImageFolderLayoutSystemsAndManifest() throws {
        let folder = try TemporaryFolder()
        let spec = Self.spec(classes: 11, perClass: 12)
        let manifest = try DatasetWriter(spec: spec, systems: try Self.systems(22), root: folder.url,
                                         device: CPUDevice.fastShared, batchSize: 7).run()
        #expect(manifest.status == .complete)
        #expect(manifest.summary.rendered == 132)
        let files = try TemporaryFolder.contents(of: folder.url)
        let images = files.keys.filter { $0.hasSuffix(".png") }.sorted()
        #expect(images.count == 132)
        #expect(images.first == "00/00_00.png")
        #expect(images.last == "10/10_11.png")
        // A lexicographic sort of the class folders is the numeric order.
        let folders = Array(Set(images.map { String($0.prefix(2)) })).sorted()
        #expect(folders == (0..<11).map { String(format: "%02d", $0) })
        #expect(files["systems.json"] != nil)
        let decoded = try JSONDecoder().decode(DatasetManifest.self, from: try #require(files["manifest.json"]))
        #expect(decoded.spec == spec)
        #expect(decoded.version == FractalADVersion.string)
    }

    @Test func anInterruptedRunResumesToTheSameFiles() throws {
        let spec = Self.spec()
        let whole = try TemporaryFolder()
        _ = try DatasetWriter(spec: spec, systems: try Self.systems(), root: whole.url, device: CPUDevice.fastShared,
                              batchSize: 2).run()

        let resumed = try TemporaryFolder()
        let cancellation = CancellationFlag()
        let first = try DatasetWriter(spec: spec, systems: try Self.systems(), root: resumed.url,
                                      device: CPUDevice.fastShared, batchSize: 2)
            .run(cancellation: cancellation) { progress in
                if progress.done >= 4 { cancellation.cancel() }
            }
        #expect(first.status == .interrupted)
        let partial = try TemporaryFolder.contents(of: resumed.url).keys.filter { $0.hasSuffix(".png") }
        #expect(partial.count < 15 && partial.count >= 4)
        #expect(try TemporaryFolder.contents(of: resumed.url).keys.allSatisfy { !$0.contains(".tmp-") })

        let second = try DatasetWriter(spec: spec, systems: try Self.systems(), root: resumed.url,
                                       device: CPUDevice.fastShared, batchSize: 2).run()
        #expect(second.status == .complete)
        #expect(second.summary.alreadyPresent == partial.count)
        let expected = try TemporaryFolder.contents(of: whole.url).filter { $0.key.hasSuffix(".png") }
        let got = try TemporaryFolder.contents(of: resumed.url).filter { $0.key.hasSuffix(".png") }
        #expect(got == expected)
    }

    /// Each shard renders on another device (as on several machines), and together they are the reference's files.
    @Test func shardsOnDifferentDevicesAreDisjointAndTogetherMakeTheWholeDataset() throws {
        let spec = Self.spec()
        let whole = try TemporaryFolder()
        _ = try DatasetWriter(spec: spec, systems: try Self.systems(), root: whole.url, device: CPUDevice.reference).run()
        let sharded = try TemporaryFolder()
        let devices = try TestDevices.underTest
        var seen = 0
        for (index, device) in devices.enumerated() {
            let manifest = try DatasetWriter(spec: spec, systems: try Self.systems(), root: sharded.url,
                                             shard: Shard(index: index, count: devices.count), device: device).run()
            #expect(manifest.summary.alreadyPresent == 0, "shard \(index) overlapped an earlier one")
            seen += manifest.summary.rendered
        }
        #expect(seen == spec.imageCount)
        let expected = try TemporaryFolder.contents(of: whole.url).filter { $0.key.hasSuffix(".png") }
        let got = try TemporaryFolder.contents(of: sharded.url).filter { $0.key.hasSuffix(".png") }
        #expect(got == expected)
        let last = "manifest.shard-\(devices.count - 1)-of-\(devices.count).json"
        #expect(try TemporaryFolder.contents(of: sharded.url).keys.contains(last))
    }

    @Test func oneInstanceAndMultiInstanceModes() throws {
        let folder = try TemporaryFolder()
        var one = Self.spec(.oneInstance, classes: 4, perClass: 1)
        one.systemsPerClass = 1
        _ = try DatasetWriter(spec: one, systems: try Self.systems(4), root: folder.url, device: CPUDevice.fastShared).run()
        #expect(try TemporaryFolder.contents(of: folder.url).keys.filter { $0.hasSuffix(".png") }.count == 4)

        let multiFolder = try TemporaryFolder()
        var multi = Self.spec(.multi, classes: 2, perClass: 2)
        multi.render.size = 48
        let manifest = try DatasetWriter(spec: multi, systems: try Self.systems(4), root: multiFolder.url,
                                         device: CPUDevice.fastShared).run()
        #expect(manifest.summary.rendered == 4)
        #expect(throws: IFSError.self) {
            try DatasetWriter(spec: Self.spec(.oneInstance, classes: 2, perClass: 3), systems: try Self.systems(),
                              root: folder.url, device: CPUDevice.fastShared)
        }
    }

    @Test func aFolderWithAnotherDatasetIsRefused() throws {
        let folder = try TemporaryFolder()
        _ = try DatasetWriter(spec: Self.spec(), systems: try Self.systems(), root: folder.url,
                              device: CPUDevice.fastShared).run()
        var other = Self.spec()
        other.seed = 13
        #expect(throws: IFSError.self) {
            try DatasetWriter(spec: other, systems: try Self.systems(), root: folder.url,
                              device: CPUDevice.fastShared).run()
        }
    }

    @Test func tooFewSystemsIsAnError() throws {
        #expect(throws: IFSError.self) {
            try DatasetWriter(spec: Self.spec(classes: 20), systems: try Self.systems(3),
                              root: URL(fileURLWithPath: "/tmp/unused"), device: CPUDevice.fastShared)
        }
    }

    @Test func shardParsing() throws {
        #expect(try Shard(parsing: "2/5") == Shard(index: 2, count: 5))
        for bad in ["5/5", "-1/3", "1", "a/b", "1/0", "1/2/3"] {
            #expect(throws: IFSError.self) { try Shard(parsing: bad) }
        }
        let ranges = (0..<4).map { Shard(index: $0, count: 4).range(of: 10) }
        #expect(ranges.map(\.count).reduce(0, +) == 10)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }

    /// Issue 7 item 1: `i · total` overflowed for shard counts near `Int.max`.
    @Test func shardRangesOfHugeShardCountsDoNotOverflow() throws {
        let last = Shard(index: Int.max - 1, count: Int.max)
        #expect(last.range(of: Int(Int32.max)) == (Int(Int32.max) - 1)..<Int(Int32.max))
        #expect(Shard(index: 0, count: Int.max).range(of: 1000).isEmpty)
        #expect(Shard(index: Int.max / 2, count: Int.max).range(of: Int(Int32.max)).count <= 1)
    }
}
