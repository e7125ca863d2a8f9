import Compute
import Foundation

/// Random contractive systems as in Anderson & Farrell, "Improving Fractal Pre-training" (WACV 2022), §3.1.
///
/// Each map's linear part is `U·Σ·V` with `U`, `V` random rotations-or-reflections (`R(θ)·diag(±1, ±1)`,
/// `θ ~ U(−π, π)`) and `Σ = diag(σ1, σ2)`, `1 ≥ σ1 ≥ σ2 ≥ 0`. The σ-factor `α = Σ(σ1ᵢ + 2σ2ᵢ)` is drawn uniformly
/// from `[(5+N)/2, (6+N)/2]` and split over the maps by the exact sequential sampler of the reference code, so every
/// map is a contraction without rejection. Translations are uniform on `[−bound, bound]²`; probabilities are
/// `∝ |det Aᵢ|`. The number of maps `N` is uniform on `minMaps...maxMaps`.
public struct IFSSampler: Sendable {
    public var minMaps: Int
    public var maxMaps: Int
    public var translationBound: Double
    /// Bounds of the σ-factor; nil for the default `[(5+N)/2, (6+N)/2]`.
    public var sigmaFactorRange: ClosedRange<Double>?

    public init(minMaps: Int = 2, maxMaps: Int = 4, translationBound: Double = 1,
                sigmaFactorRange: ClosedRange<Double>? = nil) throws {
        guard 1 <= minMaps, minMaps <= maxMaps, maxMaps <= IFSystem.maxMaps else {
            throw IFSError.invalid("map counts must satisfy 1 ≤ min ≤ max ≤ \(IFSystem.maxMaps), got \(minMaps)...\(maxMaps)")
        }
        guard translationBound > 0, translationBound.isFinite else {
            throw IFSError.invalid("the translation bound must be positive, got \(translationBound)")
        }
        if let range = sigmaFactorRange {
            guard range.lowerBound >= 0, range.upperBound <= 3 * Double(minMaps) else {
                throw IFSError.invalid("σ-factor range \(range) must lie in [0, 3·min maps = \(3 * minMaps)]")
            }
        }
        self.minMaps = minMaps
        self.maxMaps = maxMaps
        self.translationBound = translationBound
        self.sigmaFactorRange = sigmaFactorRange
    }

    /// The default σ-factor bounds for `n` maps.
    public static func defaultSigmaFactorRange(maps n: Int) -> ClosedRange<Double> {
        (Double(5 + n) / 2)...(Double(6 + n) / 2)
    }

    /// System `index` of the sequence determined by `seed` (independent of how many others are drawn).
    public func system(index: Int, seed: UInt64) -> IFSystem {
        var random = PhiloxStream(seed: seed, stream: (RandomStreams.systemSampling, UInt32(truncatingIfNeeded: index),
                                                       UInt32(truncatingIfNeeded: index >> 32)))
        let n = random.integer(in: minMaps...maxMaps)
        let range = sigmaFactorRange ?? Self.defaultSigmaFactorRange(maps: n)
        let alpha = random.uniform(range.lowerBound, range.upperBound)
        let sigmas = Self.singularValues(sigmaFactor: alpha, maps: n, random: &random)
        var maps: [AffineMap] = []
        let angles = (0..<(2 * n)).map { _ in random.uniform(-.pi, .pi) }
        for i in 0..<n {
            let u = Self.rotationOrReflection(angles[i], random: &random)
            let v = Self.rotationOrReflection(angles[n + i], random: &random)
            let (s1, s2) = sigmas[i]
            // A = U · diag(s1, s2) · V
            let us = [u[0] * s1, u[1] * s2, u[2] * s1, u[3] * s2]
            let linear = [us[0] * v[0] + us[1] * v[2], us[0] * v[1] + us[1] * v[3],
                          us[2] * v[0] + us[3] * v[2], us[2] * v[1] + us[3] * v[3]]
            let e = random.uniform(-translationBound, translationBound)
            let f = random.uniform(-translationBound, translationBound)
            maps.append(AffineMap(parameters: (linear + [e, f]).map(Self.canonical)))
        }
        // Probabilities ∝ |det| = σ1·σ2; in the measure-zero case where every σ2 is 0 the maps are chosen uniformly.
        let weights = maps.map { abs($0.determinant) }
        let total = weights.reduce(0, +)
        return IFSystem(validatedMaps: maps,
                        probabilities: total > 0 ? weights.map { $0 / total } : Array(repeating: 1 / Double(n), count: n))
    }

    /// Splits the σ-factor `alpha` over `n` maps: the reference code's sequential sampler, exact by construction.
    static func singularValues(sigmaFactor alpha: Double, maps n: Int, random: inout PhiloxStream)
        -> [(Double, Double)] {
        var p = alpha, q = alpha - 3 * Double(n) + 3
        var result: [(Double, Double)] = []
        for _ in 0..<(n - 1) {
            let s1 = random.uniform(max(0, q / 3), min(1, p))
            p -= s1
            q -= s1
            let s2 = random.uniform(max(0, q / 2), min(s1, p / 2))
            q = q - 2 * s2 + 3
            p -= 2 * s2
            result.append((s1, s2))
        }
        let s2 = random.uniform(max(0, (p - 1) / 2), p / 3)
        result.append((p - 2 * s2, s2))
        return result
    }

    /// `R(θ)·diag(±1, ±1)` as a row-major 2×2 matrix.
    static func rotationOrReflection(_ theta: Double, random: inout PhiloxStream) -> [Double] {
        let s1: Double = random.bernoulli(0.5) ? 1 : -1
        let s2: Double = random.bernoulli(0.5) ? 1 : -1
        return [cos(theta) * s1, -sin(theta) * s2, sin(theta) * s1, cos(theta) * s2]
    }

    /// Parameters are stored with 12 significant digits, so the file and the rendering use the same numbers.
    static func canonical(_ value: Double) -> Double {
        Double(String(format: "%.12g", value)) ?? value
    }
}

/// First counter words of the host-side random streams, so different purposes never share numbers.
public enum RandomStreams {
    public static let systemSampling: UInt32 = 1
    public static let renderParameters: UInt32 = 2
    public static let background: UInt32 = 3
    public static let multiInstance: UInt32 = 4
    public static let training: UInt32 = 5
}
