import Compute

/// Chaos-game records built by hand from real-valued maps (the Fractals module builds them from sampled systems),
/// for the tests and the self-test of the chaos-game ops.
public enum ChaosGameSamples {
    /// Sierpinski triangle, a three-map system with a reflection, and a two-map spiral.
    public static let systems: [[[Double]]] = [
        [[0.5, 0, 0, 0.5, 0, 0], [0.5, 0, 0, 0.5, 0.5, 0], [0.5, 0, 0, 0.5, 0.25, 0.5]],
        [[0.6, -0.2, 0.1, -0.5, 0.3, -0.1], [-0.4, 0.3, 0.35, 0.45, -0.6, 0.2], [0.2, 0.7, -0.3, 0.1, 0.1, 0.9]],
        [[0.82, -0.3, 0.3, 0.82, 0.1, 0.05], [0.25, 0, 0, 0.25, -0.7, 0.4]],
    ]

    /// The `[64]` system record of `maps` (``ChaosGameLayout``): Q2.29 coefficients, Q11.20 translations,
    /// probabilities ∝ |det|, starting at the fixed point of map 0.
    public static func systemRecord(_ maps: [[Double]], imageIndex: Int32, attempt: Int32) -> [Int32] {
        var record = [Int32](repeating: 0, count: ChaosGameLayout.systemWords)
        let determinants = maps.map { abs($0[0] * $0[3] - $0[1] * $0[2]) }
        let total = determinants.reduce(0, +)
        var cumulative = 0.0
        for (k, map) in maps.enumerated() {
            for i in 0..<4 { record[6 * k + i] = Int32((map[i] * 0x1p29).rounded()) }
            for i in 4..<6 { record[6 * k + i] = Int32((map[i] * 0x1p20).rounded()) }
            cumulative += determinants[k] / total
            record[ChaosGameLayout.thresholds + k] = Int32(bitPattern: UInt32(min(cumulative * 0x1p32, 0xffff_ffff)))
        }
        record[ChaosGameLayout.mapCount] = Int32(maps.count)
        // Fixed point of map 0: (I - A)^-1 b.
        let m = maps[0]
        let det = (1 - m[0]) * (1 - m[3]) - m[1] * m[2]
        let x = ((1 - m[3]) * m[4] + m[1] * m[5]) / det
        let y = (m[2] * m[4] + (1 - m[0]) * m[5]) / det
        record[ChaosGameLayout.start] = Int32((x * 0x1p20).rounded())
        record[ChaosGameLayout.start + 1] = Int32((y * 0x1p20).rounded())
        record[ChaosGameLayout.imageIndex] = imageIndex
        record[ChaosGameLayout.attempt] = attempt
        return record
    }

    /// A view covering each image's bounds, with the given flips and patch mask.
    public static func viewRecords(bounds: [Int32], batch: Int, walkers: Int, size: Int, flips: [Int32], masks: [Int32])
        -> [Int32] {
        var views: [Int32] = []
        for b in 0..<batch {
            var box = (Int64.max, Int64.max, Int64.min, Int64.min)
            for w in 0..<walkers {
                let o = (b * walkers + w) * 4
                guard bounds[o] <= bounds[o + 2] else { continue }
                box = (min(box.0, Int64(bounds[o])), min(box.1, Int64(bounds[o + 1])),
                       max(box.2, Int64(bounds[o + 2])), max(box.3, Int64(bounds[o + 3])))
            }
            let spanX = max(box.2 - box.0, 1), spanY = max(box.3 - box.1, 1)
            let wide = [box.0, box.1, spanX, spanY, (Int64(size - 1) << 32) / spanX, (Int64(size - 1) << 32) / spanY]
            var record = [Int32](repeating: 0, count: ChaosGameLayout.viewWords)
            for (i, value) in wide.enumerated() {
                record[2 * i] = Int32(truncatingIfNeeded: value)
                record[2 * i + 1] = Int32(truncatingIfNeeded: value >> 32)
            }
            record[ChaosGameLayout.flips] = flips[b % flips.count]
            record[ChaosGameLayout.patchMask] = masks[b % masks.count]
            views += record
        }
        return views
    }

    /// `[batch, 8]` colour records: even images unblurred, odd ones blurred with growing side weights.
    public static func colorRecords(batch: Int) -> [Int32] {
        var records: [Int32] = []
        for b in 0..<batch {
            let side: Int32 = b % 2 == 0 ? 0 : 12_000 + Int32(b) * 1_000
            let centre: Int32 = side == 0 ? 65_536 : 65_536 - 2 * side
            let hue = Int32(37 * b % 256), saturation = Int32(100 + 40 * b % 155), value = Int32(140 + 30 * b % 115)
            records += [hue, saturation, value, side, centre, 0, 0, 0]
        }
        return records
    }
}
