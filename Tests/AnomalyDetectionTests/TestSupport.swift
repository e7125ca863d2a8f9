@testable import AnomalyDetection
import Foundation
import Testing

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny deterministic generator for test data.
struct TestRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func integer(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// A score on a grid of `levels + 1` values in [offset, offset + scale], so that ties are common; a zero
    /// score is −0 or +0 at random (they must tie).
    mutating func quantised(levels: Int, scale: Float = 1, offset: Float = 0) -> Float {
        let value = Float(integer(0...levels)) / Float(levels) * scale + offset
        return value == 0 && next() & 1 == 0 ? -0.0 : value
    }
}

/// One synthetic test set for pixel metrics: score maps with ties and masks with several regions.
struct SyntheticTestSet {
    var maps: [ScoreMap]
    var masks: [GroundTruthMask]

    /// `images` images of random sizes in `sizes`; the first `normalImages` have empty masks. Anomalous pixels get
    /// `lift` added to their score so that the metrics are neither 0.5 nor 1.
    init(seed: UInt64, images: Int, normalImages: Int, sizes: ClosedRange<Int>, levels: Int, lift: Float = 0.3,
         offset: Float = 0) throws {
        var random = TestRandom(seed: seed)
        maps = []
        masks = []
        for image in 0..<images {
            let width = random.integer(sizes), height = random.integer(sizes)
            var anomalous = [Bool](repeating: false, count: width * height)
            if image >= normalImages {
                for _ in 0..<random.integer(1...4) {
                    let cx = random.integer(0...width - 1), cy = random.integer(0...height - 1)
                    let rx = random.integer(0...2), ry = random.integer(0...1)
                    for y in max(0, cy - ry)...min(height - 1, cy + ry) {
                        for x in max(0, cx - rx)...min(width - 1, cx + rx) { anomalous[y * width + x] = true }
                    }
                }
                for index in anomalous.indices where random.unit() < 0.03 { anomalous[index] = true }
            }
            let scores = anomalous.map { isAnomalous in
                let score = random.quantised(levels: levels, offset: offset)
                return isAnomalous ? score + lift : score  // adding 0 would turn −0 into +0
            }
            maps.append(try ScoreMap(width: width, height: height, scores: scores))
            masks.append(try GroundTruthMask(width: width, height: height, isAnomalous: anomalous))
        }
    }
}

/// `|got − expected| ≤ tolerance`, with both values in the message.
func expectNear(_ got: Double, _ expected: Double, _ tolerance: Double = 1e-12, _ label: String = "",
                sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(got - expected) <= tolerance, "\(label): got \(got), expected \(expected) (± \(tolerance))",
            sourceLocation: sourceLocation)
}

/// Reads `Fixtures/<name>` from the test bundle.
func fixtureData(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
                           "missing fixture \(name)")
    return try Data(contentsOf: url)
}
