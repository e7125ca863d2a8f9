import Foundation

/// Defect types of the synthetic inspection set; each marks the pixels it changes in the ground-truth mask.
public enum SyntheticDefect: String, CaseIterable, Sendable {
    /// A thin bright or dark curve.
    case scratch
    /// A soft dark stain.
    case spot
    /// A jagged dark line with a branch.
    case crack
    /// A piece of the object (or of the texture's pattern) is gone.
    case missing

    func apply(to canvas: inout Canvas, shape: Shape, background: (Float, Float, Float), random: inout SyntheticRandom)
        -> Mask {
        let size = canvas.width
        var mask: Mask? = Mask(width: size, height: canvas.height)
        let start = shape.randomInteriorPoint(size: size, random: &random)
        let inside = { (x: Double, y: Double) in shape.coverage(x, y) }
        switch self {
        case .scratch:
            let length = Double(size) * random.uniform(0.18, 0.35), angle = random.uniform(0, .pi)
            let end = (start.0 + length * cos(angle), start.1 + length * sin(angle))
            let bend = (random.uniform(-0.25, 0.25) * length, random.uniform(-0.25, 0.25) * length)
            let control = ((start.0 + end.0) / 2 + bend.0, (start.1 + end.1) / 2 + bend.1)
            let points = (0...24).map { i -> (Double, Double) in
                let t = Double(i) / 24
                return ((1 - t) * (1 - t) * start.0 + 2 * (1 - t) * t * control.0 + t * t * end.0,
                        (1 - t) * (1 - t) * start.1 + 2 * (1 - t) * t * control.1 + t * t * end.1)
            }
            let width = random.uniform(0.9, 1.8)
            let tone: Float = random.coin() ? 0.95 : 0.12
            drawPolyline(points, width: width, color: (tone, tone, tone * 0.97), on: &canvas, within: inside,
                         mask: &mask)
        case .spot:
            let radius = (random.uniform(4, 11) * Double(size) / 256, random.uniform(4, 11) * Double(size) / 256)
            let angle = random.uniform(0, .pi)
            let tint: (Float, Float, Float) = random.coin() ? (0.25, 0.17, 0.10) : (0.12, 0.14, 0.18)
            canvas.blend({ _, _ in tint }, coverage: { x, y in
                let (dx, dy) = (x - start.0, y - start.1)
                let u = (dx * cos(angle) + dy * sin(angle)) / radius.0, v = (-dx * sin(angle) + dy * cos(angle)) / radius.1
                return min(max((1 - (u * u + v * v)) * 3, 0), 0.85) * inside(x, y)
            }, in: box(around: start, radius: max(radius.0, radius.1) + 2), mask: &mask)
        case .crack:
            var points = [start]
            var heading = random.uniform(0, 2 * .pi)
            let steps = random.integer(10...16), step = Double(size) / 64
            for _ in 0..<steps {
                heading += random.uniform(-0.7, 0.7)
                let last = points[points.count - 1]
                points.append((last.0 + step * cos(heading), last.1 + step * sin(heading)))
            }
            drawPolyline(points, width: 1.1, color: (0.08, 0.07, 0.07), on: &canvas, within: inside, mask: &mask)
            var branch = [points[steps / 2]]
            heading += random.coin() ? 1.1 : -1.1
            for _ in 0..<(steps / 2) {
                heading += random.uniform(-0.6, 0.6)
                let last = branch[branch.count - 1]
                branch.append((last.0 + step * cos(heading), last.1 + step * sin(heading)))
            }
            drawPolyline(branch, width: 0.9, color: (0.08, 0.07, 0.07), on: &canvas, within: inside, mask: &mask)
        case .missing:
            // A random convex-ish polygon around the start point, filled with the background (objects) or with a
            // flat average of the texture (textures lose their pattern there).
            let radius = Double(size) * random.uniform(0.05, 0.09)
            let corners = (0..<7).map { i -> (Double, Double) in
                let a = Double(i) / 7 * 2 * .pi + random.uniform(-0.3, 0.3), r = radius * random.uniform(0.6, 1.2)
                return (start.0 + r * cos(a), start.1 + r * sin(a))
            }
            let fill: (Float, Float, Float) = shape.isEverywhere ? average(canvas) : background
            canvas.blend({ _, _ in fill }, coverage: { x, y in
                polygonContains(corners, (x, y)) ? inside(x, y) : 0
            }, in: box(around: start, radius: radius * 1.3 + 2), mask: &mask)
        }
        return mask!
    }
}

private func box(around p: (Double, Double), radius: Double) -> (x0: Int, y0: Int, x1: Int, y1: Int) {
    (Int(p.0 - radius), Int(p.1 - radius), Int(p.0 + radius) + 2, Int(p.1 + radius) + 2)
}

private func drawPolyline(_ points: [(Double, Double)], width: Double, color: (Float, Float, Float),
                          on canvas: inout Canvas, within inside: @escaping (Double, Double) -> Double,
                          mask: inout Mask?) {
    for (a, b) in zip(points, points.dropFirst()) {
        let lo = (min(a.0, b.0) - width - 2, min(a.1, b.1) - width - 2)
        let hi = (max(a.0, b.0) + width + 2, max(a.1, b.1) + width + 2)
        canvas.blend({ _, _ in color }, coverage: { x, y in
            min(max(width / 2 + 0.5 - distanceToSegment((x, y), a, b), 0), 1) * inside(x, y)
        }, in: (Int(lo.0), Int(lo.1), Int(hi.0) + 1, Int(hi.1) + 1), mask: &mask)
    }
}

private func polygonContains(_ polygon: [(Double, Double)], _ p: (Double, Double)) -> Bool {
    var inside = false
    var j = polygon.count - 1
    for i in polygon.indices {
        let (a, b) = (polygon[i], polygon[j])
        if (a.1 > p.1) != (b.1 > p.1), p.0 < (b.0 - a.0) * (p.1 - a.1) / (b.1 - a.1) + a.0 { inside.toggle() }
        j = i
    }
    return inside
}

private func average(_ canvas: Canvas) -> (Float, Float, Float) {
    var sum: (Float, Float, Float) = (0, 0, 0)
    let n = Float(canvas.width * canvas.height)
    for i in 0..<(canvas.width * canvas.height) {
        sum.0 += canvas.pixels[3 * i]; sum.1 += canvas.pixels[3 * i + 1]; sum.2 += canvas.pixels[3 * i + 2]
    }
    return (sum.0 / n, sum.1 / n, sum.2 / n)
}

extension Shape {
    var isEverywhere: Bool {
        if case .everywhere = self { return true }
        return false
    }
}
