/// The Philox4x32-10 counter-based random number generator (Salmon, Moraes, Dror, Shaw: "Parallel random numbers:
/// as easy as 1, 2, 3", SC 2011).
///
/// A block of four 32-bit words is a pure function of a 128-bit counter and a 64-bit key, so any work-item of any
/// device can draw the number it needs without shared state. `Kernels/philox.h`-style code in `chaos_game.cl`
/// implements the same function; the tests check both against the Random123 known-answer vectors.
public struct Philox4x32: Sendable, Equatable {
    public var key: (UInt32, UInt32)

    public init(key: (UInt32, UInt32)) { self.key = key }

    /// Splits a 64-bit seed into the key words (low word first).
    public init(seed: UInt64) { key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)) }

    public static func == (lhs: Philox4x32, rhs: Philox4x32) -> Bool { lhs.key == rhs.key }

    /// The four words for `counter`.
    @inlinable
    public func block(_ counter: (UInt32, UInt32, UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = counter
        var k = key
        for round in 0..<10 {
            if round > 0 {
                k.0 &+= 0x9E37_79B9
                k.1 &+= 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
            c = (UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k.0, UInt32(truncatingIfNeeded: p1),
                 UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k.1, UInt32(truncatingIfNeeded: p0))
        }
        return c
    }
}

/// A sequential stream of uniform numbers drawn from Philox blocks, for host-side sampling.
///
/// The stream is identified by three counter words (for example: purpose, item index, attempt); the fourth word
/// counts blocks. Two streams with different identifiers never overlap.
public struct PhiloxStream: Sendable {
    public let generator: Philox4x32
    public let stream: (UInt32, UInt32, UInt32)
    private var blockIndex: UInt32 = 0
    private var buffered: [UInt32] = []

    public init(seed: UInt64, stream: (UInt32, UInt32, UInt32)) {
        generator = Philox4x32(seed: seed)
        self.stream = stream
    }

    /// The next 32 random bits.
    public mutating func nextUInt32() -> UInt32 {
        if buffered.isEmpty {
            let b = generator.block((stream.0, stream.1, stream.2, blockIndex))
            blockIndex &+= 1
            buffered = [b.3, b.2, b.1, b.0]
        }
        return buffered.removeLast()
    }

    /// The next 64 random bits.
    public mutating func nextUInt64() -> UInt64 {
        UInt64(nextUInt32()) << 32 | UInt64(nextUInt32())
    }

    /// A double uniform on [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(nextUInt64() >> 11) * 0x1.0p-53
    }

    /// A double uniform on [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextUnit()
    }

    /// An integer uniform on `range` (unbiased, by rejection).
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        let limit = UInt64.max - UInt64.max % width
        var draw = nextUInt64()
        while draw >= limit { draw = nextUInt64() }
        return range.lowerBound + Int(draw % width)
    }

    /// True with probability `p`.
    public mutating func bernoulli(_ p: Double) -> Bool { nextUnit() < p }
}
