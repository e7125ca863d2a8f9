import Compute
import Foundation

/// Packs render plans into the int32 records of the chaos-game ops (``ChaosGameLayout``).
enum ChaosGameRecords {
    static func system(_ plan: RenderPlan) -> [Int32] {
        var record = [Int32](repeating: 0, count: ChaosGameLayout.systemWords)
        let coefficientScale = Double(1 << ChaosGameLayout.coefficientFractionBits)
        let positionScale = Double(1 << ChaosGameLayout.positionFractionBits)
        var cumulative = 0.0
        for (k, map) in plan.system.maps.enumerated() {
            let base = ChaosGameLayout.coefficients + 6 * k
            for (i, value) in [map.a, map.b, map.c, map.d].enumerated() {
                record[base + i] = Int32(clamping: Int64((value * coefficientScale).rounded()))
            }
            record[base + 4] = Int32(clamping: Int64((map.e * positionScale).rounded()))
            record[base + 5] = Int32(clamping: Int64((map.f * positionScale).rounded()))
            cumulative += plan.system.probabilities[k]
            let threshold = UInt32(clamping: Int64((cumulative * 0x1p32).rounded(.down)))
            record[ChaosGameLayout.thresholds + k] = Int32(bitPattern: threshold)
        }
        record[ChaosGameLayout.mapCount] = Int32(plan.system.maps.count)
        let start = plan.system.maps[0].fixedPoint ?? (0, 0)
        record[ChaosGameLayout.start] = Int32(clamping: Int64((start.x * positionScale).rounded()))
        record[ChaosGameLayout.start + 1] = Int32(clamping: Int64((start.y * positionScale).rounded()))
        record[ChaosGameLayout.imageIndex] = Int32(truncatingIfNeeded: plan.imageIndex)
        record[ChaosGameLayout.attempt] = Int32(truncatingIfNeeded: plan.attempt)
        return record
    }

    /// The view window of one image from its walkers' bounds `[W, 4]` and the plan's jitter.
    static func view(_ plan: RenderPlan, walkerBounds: ArraySlice<Int32>, size: Int) -> [Int32] {
        var low = (Int64.max, Int64.max), high = (Int64.min, Int64.min)
        var index = walkerBounds.startIndex
        while index < walkerBounds.endIndex {
            let b = walkerBounds[index..<(index + 4)].map(Int64.init)
            if b[0] <= b[2] {
                low = (min(low.0, b[0]), min(low.1, b[1]))
                high = (max(high.0, b[2]), max(high.1, b[3]))
            }
            index += 4
        }
        if low.0 > high.0 { low = (0, 0); high = (0, 0) }
        func axis(_ lo: Int64, _ hi: Int64, shift: Double, zoom: Double) -> (origin: Int64, span: Int64) {
            let extent = hi > lo ? Double(hi - lo) : Double(1 << ChaosGameLayout.positionFractionBits)
            let centre = (Double(lo) + Double(hi)) / 2 + extent * shift
            let width = extent * zoom
            return (Int64((centre - width / 2).rounded(.down)), max(1, Int64(width.rounded())))
        }
        let x = axis(low.0, high.0, shift: plan.centreShift.x, zoom: plan.zoom.x)
        let y = axis(low.1, high.1, shift: plan.centreShift.y, zoom: plan.zoom.y)
        let scaleX = (Int64(size - 1) << 32) / x.span, scaleY = (Int64(size - 1) << 32) / y.span
        var record = [Int32](repeating: 0, count: ChaosGameLayout.viewWords)
        for (i, value) in [x.origin, y.origin, x.span, y.span, scaleX, scaleY].enumerated() {
            record[2 * i] = Int32(truncatingIfNeeded: value)
            record[2 * i + 1] = Int32(truncatingIfNeeded: value >> 32)
        }
        record[ChaosGameLayout.flips] = plan.flips
        record[ChaosGameLayout.patchMask] = plan.patchMask
        return record
    }

    static func color(_ plan: RenderPlan) -> [Int32] {
        var record = [Int32](repeating: 0, count: ChaosGameLayout.colorWords)
        record[ChaosGameLayout.hueOffset] = plan.hueOffset
        record[ChaosGameLayout.saturation] = plan.saturation
        record[ChaosGameLayout.value] = plan.value
        record[ChaosGameLayout.blurSide] = plan.blurSide
        record[ChaosGameLayout.blurCentre] = 65_536 - 2 * plan.blurSide
        return record
    }
}

extension RenderPlan {
    /// The plan's system record for ``ChaosGameOps/chaosGameWalk(systems:seed:walkers:pointsPerImage:warmup:)``.
    public var systemRecord: [Int32] { ChaosGameRecords.system(self) }
}
