import Foundation

/// A float RGB image `[H, W, 3]` in [0, 1] with the few drawing primitives the synthetic inspection set needs.
struct Canvas {
    let width: Int
    let height: Int
    var pixels: [Float]

    init(width: Int, height: Int, fill: (Float, Float, Float) = (0, 0, 0)) {
        self.width = width
        self.height = height
        pixels = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = fill }
    }

    subscript(x: Int, y: Int) -> (Float, Float, Float) {
        get { let i = 3 * (y * width + x); return (pixels[i], pixels[i + 1], pixels[i + 2]) }
        set { let i = 3 * (y * width + x); (pixels[i], pixels[i + 1], pixels[i + 2]) = newValue }
    }

    /// Sets every pixel from a function of its centre `(x + 0.5, y + 0.5)`.
    mutating func paint(_ color: (Double, Double) -> (Float, Float, Float)) {
        for y in 0..<height { for x in 0..<width { self[x, y] = color(Double(x) + 0.5, Double(y) + 0.5) } }
    }

    /// Blends `color` into the pixels where `coverage(x, y) > 0`, weighted by the coverage (0…1); marks them in
    /// `mask` when given.
    mutating func blend(_ color: (Double, Double) -> (Float, Float, Float), coverage: (Double, Double) -> Double,
                        in box: (x0: Int, y0: Int, x1: Int, y1: Int), mask: inout Mask?) {
        let (x0, x1) = (max(0, box.x0), min(width, box.x1)), (y0, y1) = (max(0, box.y0), min(height, box.y1))
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let alpha = Float(min(max(coverage(px, py), 0), 1))
                guard alpha > 0 else { continue }
                let (r, g, b) = color(px, py), old = self[x, y]
                self[x, y] = (old.0 + (r - old.0) * alpha, old.1 + (g - old.1) * alpha, old.2 + (b - old.2) * alpha)
                if alpha >= 0.25 { mask?.set(x, y) }
            }
        }
    }

    /// Adds zero-mean sensor noise (the sum of two hashed uniforms, standard deviation `sigma`) and clamps to
    /// [0, 1].
    mutating func addNoise(sigma: Float, seed: UInt64) {
        let scale = sigma * 6.0.squareRoot().float
        for i in pixels.indices {
            var h = seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
            h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 31
            let u = Float(h & 0xFFFF) / 65_536 + Float((h >> 16) & 0xFFFF) / 65_536 - 1
            pixels[i] = min(max(pixels[i] + scale * u, 0), 1)
        }
    }

    /// 8-bit RGB bytes.
    var bytes: [UInt8] { pixels.map { UInt8((min(max($0, 0), 1) * 255).rounded()) } }
}

extension Double {
    var float: Float { Float(self) }
}

/// A binary defect mask.
struct Mask {
    let width: Int
    let height: Int
    var values: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        values = [UInt8](repeating: 0, count: width * height)
    }

    mutating func set(_ x: Int, _ y: Int) { values[y * width + x] = 255 }
    var isEmpty: Bool { !values.contains(255) }
}

/// Distance from point `p` to the segment `a`–`b`.
func distanceToSegment(_ p: (Double, Double), _ a: (Double, Double), _ b: (Double, Double)) -> Double {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1)
    let length = dx * dx + dy * dy
    let t = length > 0 ? min(max(((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length, 0), 1) : 0
    let (cx, cy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1)
    return (cx * cx + cy * cy).squareRoot()
}

/// Smooth value noise on a lattice of `cell` pixels (bilinear interpolation of hashed lattice values in [0, 1]).
struct ValueNoise {
    let seed: UInt64
    let cell: Double

    func callAsFunction(_ x: Double, _ y: Double) -> Double {
        let gx = x / cell, gy = y / cell
        let ix = Int(floor(gx)), iy = Int(floor(gy))
        let fx = gx - Double(ix), fy = gy - Double(iy)
        let sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy)
        func lattice(_ i: Int, _ j: Int) -> Double {
            var h = seed ^ (UInt64(bitPattern: Int64(i)) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(bitPattern: Int64(j)) &* 0xC2B2_AE3D_27D4_EB4F)
            h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
            h = (h ^ (h >> 29)) &* 0x94D0_49BB_1331_11EB
            return Double((h ^ (h >> 32)) >> 11) * 0x1p-53
        }
        let top = lattice(ix, iy) * (1 - sx) + lattice(ix + 1, iy) * sx
        let bottom = lattice(ix, iy + 1) * (1 - sx) + lattice(ix + 1, iy + 1) * sx
        return top * (1 - sy) + bottom * sy
    }
}
