import Foundation

/// One map of an iterated function system: `x' = a·x + b·y + e`, `y' = c·x + d·y + f`.
public struct AffineMap: Sendable, Equatable, Codable {
    public var a, b, c, d, e, f: Double

    public init(a: Double, b: Double, c: Double, d: Double, e: Double, f: Double) {
        (self.a, self.b, self.c, self.d, self.e, self.f) = (a, b, c, d, e, f)
    }

    /// The six parameters in file order `[a, b, c, d, e, f]`.
    public var parameters: [Double] { [a, b, c, d, e, f] }

    public init(parameters p: [Double]) {
        self.init(a: p[0], b: p[1], c: p[2], d: p[3], e: p[4], f: p[5])
    }

    /// Determinant of the linear part; `|det|` is the map's area scale and its default sampling weight.
    public var determinant: Double { a * d - b * c }

    /// Singular values `σ1 ≥ σ2 ≥ 0` of the linear part (closed form for 2×2 matrices). The map is a contraction
    /// when `σ1 < 1`.
    public var singularValues: (Double, Double) {
        let s = a * a + b * b + c * c + d * d
        let det = abs(determinant)
        let root = (max(s * s - 4 * det * det, 0)).squareRoot()
        let largest = ((s + root) / 2).squareRoot()
        let smallest = largest > 0 ? det / largest : 0
        return (largest, smallest)
    }

    /// The map's fixed point `(I − A)⁻¹·(e, f)`, or nil when `I − A` is singular.
    public var fixedPoint: (x: Double, y: Double)? {
        let m = (1 - a) * (1 - d) - b * c
        guard abs(m) > 1e-12 else { return nil }
        return (((1 - d) * e + b * f) / m, (c * e + (1 - a) * f) / m)
    }

    /// The map with every parameter multiplied by `factor`.
    public func scaled(by factor: Double) -> AffineMap {
        AffineMap(a: a * factor, b: b * factor, c: c * factor, d: d * factor, e: e * factor, f: f * factor)
    }
}
