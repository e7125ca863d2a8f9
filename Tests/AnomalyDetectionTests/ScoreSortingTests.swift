@testable import AnomalyDetection
import Testing

@Suite struct ScoreSortingTests {
    static let orderedScores: [Float] = [-.infinity, -.greatestFiniteMagnitude, -1e20, -2, -1, -.leastNormalMagnitude,
                                         -.leastNonzeroMagnitude, 0, .leastNonzeroMagnitude, .leastNormalMagnitude,
                                         1e-30, 0.5, 1, 1.0000001, 3e38, .greatestFiniteMagnitude, .infinity]

    @Test func keysPreserveOrderAndRoundTrip() {
        let keys = Self.orderedScores.map(ScoreKey.key)
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
        #expect(keys.map(ScoreKey.score) == Self.orderedScores)
        #expect(ScoreKey.key(-0.0) == ScoreKey.key(0.0))
    }

    /// Random keys (many duplicates) sorted by every chunk count equal the standard sort; arrays above the
    /// chunking size of 65,536 per chunk exercise the concurrent histogram and scatter.
    @Test(arguments: [0, 1, 2, 1000, 140_000, 300_001])
    func radixSortMatchesStandardSort(count: Int) {
        var random = TestRandom(seed: UInt64(count) + 5)
        let values = (0..<count).map { _ in ScoreKey.key(random.quantised(levels: 5000, scale: 20, offset: -10)) }
        let expected = values.sorted()
        var scratch: [UInt32] = []
        for chunks in [1, 2, 3] {
            var sorted = values
            RadixSort.sort(&sorted, keyShift: 0, scratch: &scratch, chunks: chunks)
            #expect(sorted == expected, "\(chunks) chunks")
        }
    }

    /// 64-bit records are ordered by their upper 32 bits only; the payload travels with its key.
    @Test func recordsSortByTheirKeyAndKeepTheirPayload() {
        var random = TestRandom(seed: 77)
        let records = (0..<5000).map { index in UInt64(random.integer(0...40)) << 32 | UInt64(index) }
        var sorted = records, scratch: [UInt64] = []
        RadixSort.sort(&sorted, keyShift: 32, scratch: &scratch, chunks: 1)
        #expect(sorted.map { $0 >> 32 } == records.map { $0 >> 32 }.sorted())
        #expect(Set(sorted) == Set(records))
        // Stable: equal keys keep their input order.
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0 >> 32 < $1 >> 32 || $0 < $1 })
    }

    /// A scratch buffer left larger by an earlier, bigger sort must not leak into a smaller result.
    @Test func largerScratchFromAnEarlierSort() {
        var scratch: [UInt32] = []
        var large = (0..<500).map { UInt32(500 - $0) }
        RadixSort.sort(&large, keyShift: 0, scratch: &scratch, chunks: 1)
        for count in [499, 37, 2] {
            var small = (0..<count).map { UInt32(($0 * 7919) % count) << 12 | UInt32($0 % 3) }
            let expected = small.sorted()
            RadixSort.sort(&small, keyShift: 0, scratch: &scratch, chunks: 1)
            #expect(small == expected, "\(count) after 500")
        }
        #expect(large == (1...500).map(UInt32.init))
    }

    /// All keys equal: every pass is skipped, nothing moves.
    @Test func constantKeysAreLeftInPlace() {
        var values = [UInt32](repeating: ScoreKey.key(0.25), count: 100)
        var scratch: [UInt32] = []
        RadixSort.sort(&values, keyShift: 0, scratch: &scratch, chunks: 2)
        #expect(values == [UInt32](repeating: ScoreKey.key(0.25), count: 100))
    }
}
