import Foundation

/// Categories of the synthetic inspection set: three textures and two objects on a dark background, in the spirit of
/// MVTec AD's texture and object categories (Bergmann et al., CVPR 2019).
public enum SyntheticCategory: String, CaseIterable, Sendable {
    /// Over–under woven threads.
    case weave
    /// Wood-like grain stripes.
    case grain
    /// Ceramic tiles with grout lines.
    case tiles
    /// A metal washer: a shaded ring.
    case washer
    /// A brushed plate with four holes, slightly rotated.
    case plate

    var isObject: Bool { self == .washer || self == .plate }

    /// A defect-free image: the category's pattern with per-image pose, lighting and noise variation.
    func render(size: Int, random: inout SyntheticRandom) -> (Canvas, Shape) {
        let s = Double(size)
        let light = Float(random.uniform(0.93, 1.07))
        let noiseSeed = random.seed()
        var canvas = Canvas(width: size, height: size, fill: (0.06, 0.06, 0.07))
        var shape = Shape.everywhere
        switch self {
        case .weave:
            let period = s / random.uniform(14, 16), phase = (random.uniform(0, period), random.uniform(0, period))
            let fibres = ValueNoise(seed: random.seed(), cell: 3)
            canvas.paint { x, y in
                let u = (x + phase.0) / period, v = (y + phase.1) / period
                let horizontalOnTop = (Int(floor(u)) + Int(floor(v))) % 2 == 0
                let across = horizontalOnTop ? v - floor(v) : u - floor(u)
                let shade = 0.55 + 0.35 * sin(.pi * across) + 0.08 * (fibres(x, y) - 0.5)
                let tone = Float(shade) * light
                return horizontalOnTop ? (0.80 * tone, 0.72 * tone, 0.55 * tone) : (0.72 * tone, 0.64 * tone, 0.48 * tone)
            }
        case .grain:
            let period = s / random.uniform(9, 11), wobble = random.uniform(4, 9), phase = random.uniform(0, 2 * .pi)
            let knots = ValueNoise(seed: random.seed(), cell: s / 6)
            canvas.paint { x, y in
                let w = sin((y + wobble * sin(x / (s / 5) + phase) + 14 * knots(x, y)) * 2 * .pi / period)
                let tone = Float(0.62 + 0.16 * w) * light
                return (0.78 * tone, 0.52 * tone, 0.30 * tone)
            }
        case .tiles:
            let count = Double(random.integer(4...5)), cell = s / count, grout = cell * 0.06
            let offset = (random.uniform(0, cell), random.uniform(0, cell))
            let tint = ValueNoise(seed: random.seed(), cell: cell)
            canvas.paint { x, y in
                let u = (x + offset.0).truncatingRemainder(dividingBy: cell)
                let v = (y + offset.1).truncatingRemainder(dividingBy: cell)
                if u < grout || v < grout { return (0.35 * light, 0.35 * light, 0.33 * light) }
                let t = Float(0.84 + 0.08 * tint(floor((x + offset.0) / cell) * cell, floor((y + offset.1) / cell) * cell))
                return (0.86 * t * light, 0.88 * t * light, 0.90 * t * light)
            }
        case .washer:
            let centre = (s / 2 + random.uniform(-4, 4), s / 2 + random.uniform(-4, 4))
            let outer = s * random.uniform(0.34, 0.36), inner = outer * 0.45
            shape = .ring(centre: centre, inner: inner, outer: outer)
            var none: Mask?
            canvas.blend({ x, y in
                let angle = atan2(y - centre.1, x - centre.0)
                let tone = Float(0.55 + 0.25 * cos(angle - 0.8)) * light
                return (tone, tone * 0.98, tone * 0.95)
            }, coverage: { shape.coverage($0, $1) }, in: shape.box(size: size), mask: &none)
        case .plate:
            let centre = (s / 2 + random.uniform(-4, 4), s / 2 + random.uniform(-4, 4))
            let half = (s * 0.34, s * 0.24), angle = random.uniform(-0.09, 0.09)
            shape = .plate(centre: centre, half: half, angle: angle, hole: s * 0.035)
            let brush = ValueNoise(seed: random.seed(), cell: 2)
            var none: Mask?
            canvas.blend({ x, y in
                let tone = Float(0.62 + 0.06 * (brush(x * 0.2, y * 6) - 0.5)) * light
                return (tone * 0.95, tone, tone * 1.02)
            }, coverage: { shape.coverage($0, $1) }, in: shape.box(size: size), mask: &none)
        }
        canvas.addNoise(sigma: 0.012, seed: noiseSeed)
        return (canvas, shape)
    }
}

/// The part of the image a defect may touch: everywhere for textures, the object's area for objects.
enum Shape {
    case everywhere
    case ring(centre: (Double, Double), inner: Double, outer: Double)
    case plate(centre: (Double, Double), half: (Double, Double), angle: Double, hole: Double)

    /// Anti-aliased coverage of the pixel centred at `(x, y)`.
    func coverage(_ x: Double, _ y: Double) -> Double {
        switch self {
        case .everywhere:
            return 1
        case let .ring(centre, inner, outer):
            let r = ((x - centre.0) * (x - centre.0) + (y - centre.1) * (y - centre.1)).squareRoot()
            return min(max(outer - r + 0.5, 0), 1) * min(max(r - inner + 0.5, 0), 1)
        case let .plate(centre, half, angle, hole):
            let (dx, dy) = (x - centre.0, y - centre.1)
            let u = dx * cos(angle) + dy * sin(angle), v = -dx * sin(angle) + dy * cos(angle)
            let body = min(max(half.0 - abs(u) + 0.5, 0), 1) * min(max(half.1 - abs(v) + 0.5, 0), 1)
            let holeCentre = (half.0 * 0.78, half.1 * 0.7)
            let d = ((abs(u) - holeCentre.0) * (abs(u) - holeCentre.0) + (abs(v) - holeCentre.1) * (abs(v) - holeCentre.1)).squareRoot()
            return body * min(max(d - hole + 0.5, 0), 1)
        }
    }

    func box(size: Int) -> (x0: Int, y0: Int, x1: Int, y1: Int) { (0, 0, size, size) }

    /// A random point well inside the shape.
    func randomInteriorPoint(size: Int, random: inout SyntheticRandom) -> (Double, Double) {
        let margin = Double(size) * 0.12
        for _ in 0..<200 {
            let p = (random.uniform(margin, Double(size) - margin), random.uniform(margin, Double(size) - margin))
            if coverage(p.0, p.1) >= 1 && coverage(p.0 + 6, p.1) >= 1 && coverage(p.0 - 6, p.1) >= 1 {
                return p
            }
        }
        return (Double(size) / 2, Double(size) / 2)
    }
}
