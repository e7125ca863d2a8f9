import Compute
import Foundation

/// Seeded random numbers for the synthetic inspection set (a Philox stream per image).
struct SyntheticRandom {
    private var stream: PhiloxStream

    init(seed: UInt64, category: Int, item: Int) {
        stream = PhiloxStream(seed: seed, stream: (0x5E_7E57, UInt32(category), UInt32(item)))
    }

    mutating func uniform(_ low: Double, _ high: Double) -> Double { stream.uniform(low, high) }
    mutating func integer(_ range: ClosedRange<Int>) -> Int { stream.integer(in: range) }
    mutating func coin() -> Bool { stream.bernoulli(0.5) }
    mutating func seed() -> UInt64 { stream.nextUInt64() }
}
