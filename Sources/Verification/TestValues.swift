import Compute

/// Deterministic data uniform on [low, high): Philox4x32-10 (Salmon et al., SC 2011) keyed by `seed`, so every test
/// and every `selftest` run sees the same inputs on every machine.
public func testValues(_ count: Int, seed: UInt64, low: Float = -2, high: Float = 2) -> [Float] {
    var stream = PhiloxStream(seed: seed, stream: (7, 7, 7))
    return (0..<count).map { _ in low + (high - low) * Float(stream.nextUnit()) }
}
