import Compute
import Testing

/// Known-answer vectors of Random123's `kat_vectors` file (philox4x32, 10 rounds): counter, key, expected.
@Suite struct PhiloxTests {
    static let vectors: [((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32), (UInt32, UInt32, UInt32, UInt32))] = [
        ((0, 0, 0, 0), (0, 0), (0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
        ((0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff), (0xffff_ffff, 0xffff_ffff),
         (0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
        ((0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), (0xa409_3822, 0x299f_31d0),
         (0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
    ]

    @Test func matchesRandom123KnownAnswers() {
        for (counter, key, expected) in Self.vectors {
            let block = Philox4x32(key: key).block(counter)
            #expect(block == expected)
        }
    }

    @Test func streamsAreReproducibleAndDistinct() {
        var a = PhiloxStream(seed: 42, stream: (1, 2, 3))
        var b = PhiloxStream(seed: 42, stream: (1, 2, 3))
        var c = PhiloxStream(seed: 42, stream: (1, 2, 4))
        let first = (0..<100).map { _ in a.nextUInt32() }
        #expect(first == (0..<100).map { _ in b.nextUInt32() })
        #expect(first != (0..<100).map { _ in c.nextUInt32() })
    }

    @Test func uniformDrawsCoverTheirRange() {
        var stream = PhiloxStream(seed: 7, stream: (0, 0, 0))
        var sum = 0.0
        for _ in 0..<20_000 {
            let u = stream.nextUnit()
            #expect(u >= 0 && u < 1)
            sum += u
        }
        #expect(abs(sum / 20_000 - 0.5) < 0.01)
        var seen = Set<Int>()
        for _ in 0..<2_000 { seen.insert(stream.integer(in: 2...4)) }
        #expect(seen == [2, 3, 4])
    }
}
