@testable import AnomalyDetection
import Testing

@Suite struct ConnectedComponentsTests {
    private func mask(_ rows: [String]) throws -> GroundTruthMask {
        try GroundTruthMask(width: rows[0].count, height: rows.count, isAnomalous: rows.flatMap { $0.map { $0 == "#" } })
    }

    /// Diagonal contact joins regions (8-connectivity); a U shape whose arms meet only in a later row is merged
    /// into the label of its first pixel; labels follow the raster order of first pixels.
    @Test func handExample() throws {
        let components = ConnectedComponents(try mask([
            "#..#.#",
            "#..#..",
            "####.#",
            "......",
            ".#...#",
            "..#.#.",
        ]))
        #expect(components.labels == [
            1, 0, 0, 1, 0, 2,
            1, 0, 0, 1, 0, 0,
            1, 1, 1, 1, 0, 3,
            0, 0, 0, 0, 0, 0,
            0, 4, 0, 0, 0, 5,
            0, 0, 4, 0, 5, 0,
        ])
        #expect(components.regionSizes == [8, 1, 1, 2, 2])
    }

    /// A staircase that needs a merge of two already-merged trees (labels 1 and 2 meet through label 3).
    @Test func chainedMerges() throws {
        let components = ConnectedComponents(try mask([
            "#.#.#",
            "#.#.#",
            "#####",
        ]))
        #expect(components.regionSizes == [11])
        #expect(Set(components.labels) == [0, 1])
    }

    @Test func emptyAndFullMasks() throws {
        #expect(ConnectedComponents(try GroundTruthMask.normal(width: 5, height: 3)).regionCount == 0)
        let full = ConnectedComponents(try GroundTruthMask(width: 4, height: 3, isAnomalous: Array(repeating: true, count: 12)))
        #expect(full.regionSizes == [12])
        #expect(full.labels.allSatisfy { $0 == 1 })
    }

    /// Random masks of several densities and awkward shapes against flood fill.
    @Test(arguments: [(UInt64(11), 1, 1), (12, 1, 37), (13, 29, 1), (14, 17, 23), (15, 40, 31), (16, 64, 64)])
    func matchesFloodFill(seed: UInt64, width: Int, height: Int) throws {
        var random = TestRandom(seed: seed)
        for density in [0.1, 0.3, 0.45, 0.6, 0.9] {
            let mask = try GroundTruthMask(width: width, height: height,
                                           isAnomalous: (0..<width * height).map { _ in random.unit() < density })
            let components = ConnectedComponents(mask)
            let (labels, count) = BruteForce.labels(mask)
            #expect(components.labels == labels, "density \(density)")
            #expect(components.regionCount == count)
            #expect(components.regionSizes == (0..<count).map { k in labels.count { $0 == Int32(k + 1) } })
        }
    }
}
