/// Order-preserving 32-bit keys for float scores, so that integer radix sorting orders scores exactly.
///
/// Positive floats get their sign bit set; negative floats have all bits flipped, which reverses their
/// magnitude order and puts them below the positives. −0 is mapped to +0 first so that the two zeros tie, as they
/// do for scikit-learn. NaN has no place in the order and is rejected before keys are made.
enum ScoreKey {
    @inline(__always)
    static func key(_ score: Float) -> UInt32 {
        let bits = score == 0 ? 0 : score.bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    @inline(__always)
    static func score(_ key: UInt32) -> Float {
        Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }
}
