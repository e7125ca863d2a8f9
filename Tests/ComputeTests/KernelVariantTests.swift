import Compute
import Foundation
import Testing
import TestSupport

/// Every variant the tuner may pick, forced in turn on every OpenCL device and in both kernel shapes, passes the same
/// cross-check as the default (`DistanceTests.expectMatches` against the brute force, `ConvTests.expectMatches`
/// against the reference loops), including the awkward shapes.
@Suite struct KernelVariantTests {
    /// One forced variant of one tuned kernel on one device.
    struct Forced: CustomStringConvertible, Sendable {
        let descriptorIndex: Int
        let shape: OpenCLDevice.KernelVariant
        let kernel: TunableKernel
        let parameters: KernelParameters
        var description: String { "opencl:\(descriptorIndex)/\(shape.rawValue) \(kernel.rawValue) \(parameters)" }
    }

    static var forced: [Forced] {
        get throws {
            try TestDevices.descriptors.flatMap { descriptor in
                [OpenCLDevice.KernelVariant.cpu, .gpu].flatMap { shape in
                    let kernel: TunableKernel = shape == .cpu ? .nearestNeighborsCPU : .nearestNeighborsGPU
                    return kernel.candidates(for: descriptor.properties).map {
                        Forced(descriptorIndex: descriptor.index, shape: shape, kernel: kernel, parameters: $0)
                    }
                }
            }
        }
    }

    /// Every register tile of the CPU-shaped convolution and GEMM kernels on every OpenCL device (launched in the
    /// CPU shape).
    static func registerTiles(_ kernels: [TunableKernel]) throws -> [Forced] {
        try TestDevices.descriptors.flatMap { descriptor in
            kernels.flatMap { kernel in
                kernel.candidates(for: descriptor.properties).map {
                    Forced(descriptorIndex: descriptor.index, shape: .cpu, kernel: kernel, parameters: $0)
                }
            }
        }
    }

    static let cases: [DistanceTests.Case] = [
        .init(m: 1, n: 1, depth: 1, k: 1),
        .init(m: 13, n: 97, depth: 31, k: 5),
        .init(m: 5, n: 33, depth: 17, k: 16),
        .init(m: 7, n: 531, depth: 67, k: 3),
        .init(m: 11, n: 61, depth: 40, k: 7, values: .integers),
    ]

    @Test func thereAreVariantsToCheck() throws {
        if TestDevices.openCLRequired { #expect(!(try Self.forced).isEmpty) }
    }

    @Test(arguments: try forced)
    func everyVariantMatchesTheBruteForce(_ forced: Forced) throws {
        let descriptor = try TestDevices.descriptors[forced.descriptorIndex]
        let device = try OpenCLDevice(descriptor, variant: forced.shape,
                                      tuning: .forced([forced.kernel: forced.parameters]))
        for c in Self.cases {
            let (queries, bank) = DistanceTests.data(c)
            let truth = BruteForceNeighbors(queries: queries, bank: bank, m: c.m, n: c.n, depth: c.depth)
            for chunkRows in [nil, 37] as [Int?] {
                let got = try DistanceTests.search(c, queries: queries, bank: bank, on: device, chunkRows: chunkRows)
                DistanceTests.expectMatches(got, truth, c, label: "\(c) chunk \(chunkRows ?? 0) with \(forced)")
            }
        }
    }

    @Test(arguments: try registerTiles([.conv2dCPU, .conv2dBackwardFilterCPU]))
    func everyConvolutionTileMatchesTheReference(_ forced: Forced) throws {
        let descriptor = try TestDevices.descriptors[forced.descriptorIndex]
        let device = try OpenCLDevice(descriptor, variant: .cpu, tuning: .forced([forced.kernel: forced.parameters]))
        for c in ConvTests.cases {
            ConvTests.expectMatches(try ConvTests.run(c, on: device), try ConvTests.run(c, on: TestDevices.reference),
                                    c, "\(c) with \(forced)")
        }
    }

    @Test(arguments: try registerTiles([.gemmCPU]))
    func everyGemmTileMatchesTheReference(_ forced: Forced) throws {
        let descriptor = try TestDevices.descriptors[forced.descriptorIndex]
        let device = try OpenCLDevice(descriptor, variant: .cpu, tuning: .forced([forced.kernel: forced.parameters]))
        for c in GemmTests.cases {
            expectClose(try GemmTests.run(c, on: device), try GemmTests.run(c, on: TestDevices.reference),
                        Tolerance.reduction(c.k), "\(c) with \(forced)")
        }
    }

    @Test func defaultsComeFromTheVectorWidth() {
        func properties(width: Int) -> OpenCLDeviceProperties {
            OpenCLDeviceProperties(vendor: "x", nativeFloatVectorWidth: width, preferredFloatVectorWidth: width,
                                   localMemoryBytes: 32_768, dedicatedLocalMemory: true, maxWorkGroupSize: 1_024)
        }
        #expect(TunableKernel.nearestNeighborsCPU.fallback(for: properties(width: 16))["NN_LANES"] == 16)
        #expect(TunableKernel.nearestNeighborsCPU.fallback(for: properties(width: 8))["NN_LANES"] == 8)
        #expect(TunableKernel.conv2dCPU.fallback(for: properties(width: 16))["CONV_COLUMNS"] == 32)
        #expect(TunableKernel.conv2dCPU.fallback(for: properties(width: 8))["CONV_COLUMNS"] == 16)
        #expect(TunableKernel.gemmCPU.fallback(for: properties(width: 16))["GEMM_COLUMNS"] == 32)
        #expect(TunableKernel.gemmCPU.fallback(for: properties(width: 8))["GEMM_COLUMNS"] == 16)
        for width in [1, 4, 8, 16] {
            let p = properties(width: width)
            for kernel in TunableKernel.allCases {
                #expect(kernel.candidates(for: p).contains(kernel.fallback(for: p)), "\(kernel) at width \(width)")
            }
        }
        var small = properties(width: 8)
        small.maxWorkGroupSize = 128
        #expect(TunableKernel.nearestNeighborsGPU.candidates(for: small).map { $0["NN_TILE"] } == [8])
    }
}

/// The tuning cache: winners survive a new process, a corrupt or foreign file is ignored with a warning and
/// rebuilt, and `FRACTALAD_TUNING=off` never reads or writes it.
@Suite(.serialized) struct TuningCacheTests {
    static func temporaryCache() throws -> TuningCache {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fractalad-tuning-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return TuningCache(url: folder.appending(path: "tuning.json"))
    }

    static func smallSearch(on device: OpenCLDevice) throws -> [Int32] {
        let q = try Tensor(testValues(3 * 40, seed: 3), shape: [3, 40], on: device)
        let b = try Tensor(testValues(50 * 40, seed: 9), shape: [50, 40], on: device)
        return try device.nearestNeighbors(queries: q, bank: b, k: 2, chunkRows: nil).indices.int32s()
    }

    @Test func aWinnerIsCachedAndReused() throws {
        guard let descriptor = try TestDevices.descriptors.first else { return }
        let cache = try Self.temporaryCache()
        let first = try OpenCLDevice(descriptor, tuning: .automatic, tuningCache: cache)
        let answer = try Self.smallSearch(on: first)
        let (entries, warning) = cache.load()
        #expect(warning == nil)
        #expect(entries.count == 1)
        let entry = try #require(entries.values.first)
        let kernel = first.variant == .cpu ? TunableKernel.nearestNeighborsCPU : .nearestNeighborsGPU
        #expect(kernel.candidates(for: descriptor.properties).contains(entry.variant))
        #expect(entry.key.contains(descriptor.info.driverVersion) && entry.key.contains("d64-k16"))

        // A second device reads the winner instead of timing again: the file is not rewritten.
        let stamp = try FileManager.default.attributesOfItem(atPath: cache.url.path)[.modificationDate] as? Date
        let second = try OpenCLDevice(descriptor, tuning: .automatic, tuningCache: cache)
        #expect(try Self.smallSearch(on: second) == answer)
        #expect(try FileManager.default.attributesOfItem(atPath: cache.url.path)[.modificationDate] as? Date == stamp)
    }

    @Test(arguments: ["{ not json", #"{"format": "someone-else-2", "entries": []}"#, "\u{0}\u{1}binary"])
    func aCorruptOrForeignFileIsIgnoredWithAWarningAndRebuilt(_ content: String) throws {
        guard let descriptor = try TestDevices.descriptors.first else { return }
        let cache = try Self.temporaryCache()
        try Data(content.utf8).write(to: cache.url)
        #expect(cache.load().warning?.contains(cache.url.path) == true)
        let device = try OpenCLDevice(descriptor, tuning: .automatic, tuningCache: cache)
        _ = try Self.smallSearch(on: device)
        let (entries, warning) = cache.load()
        #expect(warning == nil)
        #expect(entries.count == 1)
    }

    @Test func anEntryNamingAnUnknownVariantIsRetuned() throws {
        guard let descriptor = try TestDevices.descriptors.first else { return }
        let cache = try Self.temporaryCache()
        let device = try OpenCLDevice(descriptor, tuning: .automatic, tuningCache: cache)
        _ = try Self.smallSearch(on: device)
        var entry = try #require(cache.load().entries.values.first)
        entry.variant = KernelParameters(["NN_LANES": 3, "NN_QUERIES": 99, "NN_ROWS": 1])
        cache.store(entry)
        let fresh = try OpenCLDevice(descriptor, tuning: .automatic, tuningCache: cache)
        _ = try Self.smallSearch(on: fresh)
        let kernel = fresh.variant == .cpu ? TunableKernel.nearestNeighborsCPU : .nearestNeighborsGPU
        let stored = try #require(cache.load().entries[entry.key])
        #expect(kernel.candidates(for: descriptor.properties).contains(stored.variant))
    }

    @Test func tuningOffIsDeterministicAndLeavesNoFile() throws {
        guard let descriptor = try TestDevices.descriptors.first else { return }
        let cache = try Self.temporaryCache()
        let answers = try (0..<2).map { _ in
            try Self.smallSearch(on: try OpenCLDevice(descriptor, tuning: .fixed, tuningCache: cache))
        }
        #expect(answers[0] == answers[1])
        #expect(!FileManager.default.fileExists(atPath: cache.url.path))
    }

    @Test func concurrentWritersLeaveAWholeFile() async throws {
        let cache = try Self.temporaryCache()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<16 {
                group.addTask {
                    cache.store(.init(key: "key \(index)", variant: KernelParameters(["NN_TILE": 8]), seconds: 1))
                }
            }
        }
        let (entries, warning) = cache.load()
        #expect(warning == nil)
        #expect(!entries.isEmpty)
    }
}
