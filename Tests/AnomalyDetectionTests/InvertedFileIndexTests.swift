@testable import AnomalyDetection
import Compute
import Testing
import TestSupport

/// The inverted-file index (faiss IVFFlat's design): exact at `probes == lists`, every row filed under its nearest
/// centroid, recall growing with the probes, deterministic per seed, and clear errors for impossible settings.
@Suite struct InvertedFileIndexTests {
    /// `clusters` Gaussian-ish blobs of `perCluster` rows in `depth` dimensions, plus queries near random rows.
    static func data(clusters: Int, perCluster: Int, depth: Int, queries: Int, seed: UInt64)
        -> (bank: [Float], queries: [Float]) {
        var random = TestRandom(seed: seed)
        var bank: [Float] = []
        for _ in 0..<clusters {
            let centre = (0..<depth).map { _ in Float(random.unit() * 20 - 10) }
            for _ in 0..<perCluster { bank += centre.map { $0 + Float(random.unit() * 2 - 1) } }
        }
        let n = clusters * perCluster
        var q: [Float] = []
        for _ in 0..<queries {
            let row = random.integer(0...(n - 1))
            q += (0..<depth).map { bank[row * depth + $0] + Float(random.unit() - 0.5) }
        }
        return (bank, q)
    }

    @Test func allProbesEqualExactSearchBitForBitOnEveryDevice() throws {
        let (n, depth, m, k) = (389, 23, 37, 5)
        let (bank, queries) = Self.data(clusters: 7, perCluster: n / 7 + 1, depth: depth, queries: m, seed: 3)
        let rows = Array(bank[0..<(n * depth)])
        for device in try TestDevices.all {
            let b = try Tensor(rows, shape: [n, depth], on: device)
            let q = try Tensor(queries, shape: [m, depth], on: device)
            let index = try InvertedFileIndex(bank: b, settings: .init(lists: 11, probes: 11))
            #expect(index.listSizes.reduce(0, +) == n)
            let approximate = try index.search(queries: q, k: k)
            let exact = try device.nearestNeighbors(queries: q, bank: b, k: k, chunkRows: nil)
            #expect(approximate.indices == (try exact.indices.int32s()), "\(device.info.identifier)")
            #expect(approximate.distances == (try exact.distances.floats()), "\(device.info.identifier)")
        }
    }

    @Test func everyRowIsFiledUnderItsNearestCentroid() throws {
        let (n, depth) = (300, 9)
        let (bank, _) = Self.data(clusters: 5, perCluster: 60, depth: depth, queries: 0, seed: 5)
        let device = CPUDevice.reference
        let index = try InvertedFileIndex(bank: try Tensor(bank, shape: [n, depth], on: device),
                                          settings: .init(lists: 5, probes: 1))
        let centres = try index.centroids.floats()
        for (list, members) in index.listMembers.enumerated() {
            for row in members.map(Int.init) {
                let distances = (0..<5).map { c in
                    (0..<depth).reduce(0.0) { sum, d in
                        let t = Double(bank[row * depth + d]) - Double(centres[c * depth + d])
                        return sum + t * t
                    }
                }
                #expect(distances[list] <= distances.min()! * (1 + 1e-5), "row \(row) in list \(list)")
            }
        }
        // Well-separated blobs: k-means finds them, so no list is empty.
        #expect(index.listSizes.allSatisfy { $0 > 0 })
    }

    @Test func recallGrowsWithProbesAndTheIndexIsDeterministic() throws {
        let (n, depth, m, k) = (2_000, 16, 64, 4)
        let (bank, queries) = Self.data(clusters: 40, perCluster: 50, depth: depth, queries: m, seed: 9)
        let device = try Devices.select("cpu")
        let b = try Tensor(bank, shape: [n, depth], on: device), q = try Tensor(queries, shape: [m, depth], on: device)
        let index = try InvertedFileIndex(bank: b, settings: .init(lists: 45, probes: 1))
        let exact = try device.nearestNeighbors(queries: q, bank: b, k: k, chunkRows: nil).indices.int32s()
        let recalls = try [1, 2, 4, 45].map {
            InvertedFileIndex.recall(approximate: try index.search(queries: q, k: k, probes: $0).indices,
                                     exact: exact, k: k)
        }
        #expect(zip(recalls, recalls.dropFirst()).allSatisfy { $0 <= $1 }, "\(recalls)")
        #expect(recalls.last == 1)
        #expect(recalls.first! > 0.5, "\(recalls)")
        let again = try InvertedFileIndex(bank: b, settings: .init(lists: 45, probes: 1))
        #expect(try again.centroids.floats() == index.centroids.floats())
        #expect(again.listMembers == index.listMembers)
    }

    @Test func recallCountsTheExactNeighboursFound() {
        // Two queries, k = 2: the first finds both, the second one of two.
        #expect(InvertedFileIndex.recall(approximate: [1, 2, 5, 9], exact: [2, 1, 5, 6], k: 2) == 0.75)
    }

    @Test func impossibleSettingsAreRefused() throws {
        let device = CPUDevice.reference
        let bank = try Tensor([Float](repeating: 1, count: 20), shape: [10, 2], on: device)
        #expect(throws: ComputeError.self) { try InvertedFileIndex(bank: bank, settings: .init(lists: 11, probes: 1)) }
        #expect(throws: ComputeError.self) { try InvertedFileIndex(bank: bank, settings: .init(lists: 0, probes: 1)) }
        #expect(throws: ComputeError.self) { try InvertedFileIndex(bank: bank, settings: .init(lists: 3, probes: 4)) }
        let index = try InvertedFileIndex(bank: bank, settings: .init(lists: 2, probes: 1))
        #expect(throws: ComputeError.self) {
            try index.search(queries: try Tensor([1, 2, 3] as [Float], shape: [1, 3], on: device), k: 1)
        }
        #expect(throws: ComputeError.self) {
            try index.search(queries: try Tensor([1, 2] as [Float], shape: [1, 2], on: device), k: 1, probes: 3)
        }
    }
}
