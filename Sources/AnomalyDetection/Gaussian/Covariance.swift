import Compute
import Foundation

/// How a covariance matrix is estimated from `N` feature vectors of dimension `d`.
public enum CovarianceEstimator: String, Sendable, Codable, CaseIterable {
    /// The unbiased sample covariance (`1/(N−1)`) plus `ε·I` (PaDiM: Defard et al., ICPR 2021, ε = 0.01).
    case regularized
    /// Ledoit–Wolf shrinkage towards `μ·I` (Ledoit & Wolf, "A well-conditioned estimator for large-dimensional
    /// covariance matrices", J. Multivariate Analysis 2004), as scikit-learn's `LedoitWolf` computes it; Gaussian AD
    /// (Rippel et al., ICPR 2020) and seed 002's PaDiM use it.
    case ledoitWolf = "ledoit-wolf"
}

/// The moments of one group of `N` feature vectors that every estimator needs.
struct SampleMoments: Sendable {
    var count: Int
    var dimension: Int
    /// `[d]`.
    var mean: [Double]
    /// `Σ_k x_k x_kᵀ` over the centred vectors `x_k`, `[d, d]` row-major.
    var scatter: [Double]
    /// `Σ_k ‖x_k‖⁴` over the centred vectors.
    var fourthMoment: Double
}

enum Covariance {
    /// Moments of groups of feature vectors; the scatter matrices are GEMMs (`Xᵀ·X` of the centred rows) on
    /// `device`.
    /// - Parameters:
    ///   - groups: per group, `[N, d]` row-major vectors.
    static func moments(_ groups: [[Float]], count: Int, dimension: Int, device: any Device) throws
        -> [SampleMoments] {
        try groups.map { rows in
            var mean = [Double](repeating: 0, count: dimension)
            for k in 0..<count {
                for j in 0..<dimension { mean[j] += Double(rows[k * dimension + j]) }
            }
            for j in 0..<dimension { mean[j] /= Double(count) }
            var centred = [Float](repeating: 0, count: count * dimension)
            var fourth = 0.0
            for k in 0..<count {
                var norm = 0.0
                for j in 0..<dimension {
                    let value = Double(rows[k * dimension + j]) - mean[j]
                    centred[k * dimension + j] = Float(value)
                    norm += value * value
                }
                fourth += norm * norm
            }
            let x = try Tensor(centred, shape: [count, dimension], on: device)
            let scatter = try device.gemm(x, x, transposeA: true).floats().map(Double.init)
            return SampleMoments(count: count, dimension: dimension, mean: mean, scatter: scatter,
                                 fourthMoment: fourth)
        }
    }

    /// `scatter/(N−1) + ε·I` (with one vector, `ε·I`).
    static func regularized(_ moments: SampleMoments, epsilon: Double) -> [Double] {
        let d = moments.dimension
        let scale = 1 / Double(max(moments.count - 1, 1))
        var covariance = moments.scatter.map { $0 * scale }
        for i in 0..<d { covariance[i * d + i] += epsilon }
        return covariance
    }

    /// Ledoit–Wolf: with the biased covariance `S = scatter/N`, `m = tr(S)/d`, `δ = (‖S‖²_F − d·m²)/d` and
    /// `β = min(δ, (Σ_k‖x_k‖⁴/N − ‖S‖²_F)/(d·N))`, the shrinkage is `ρ = β/δ` (0 when β = 0, and for d = 1) and the
    /// estimate `(1 − ρ)·S + ρ·m·I` (scikit-learn `ledoit_wolf_shrinkage`).
    static func ledoitWolf(_ moments: SampleMoments) -> (covariance: [Double], shrinkage: Double) {
        let d = moments.dimension, n = Double(moments.count)
        let biased = moments.scatter.map { $0 / n }
        var trace = 0.0
        for i in 0..<d { trace += biased[i * d + i] }
        let m = trace / Double(d)
        let frobenius = biased.reduce(0) { $0 + $1 * $1 }
        let delta = (frobenius - Double(d) * m * m) / Double(d)
        let beta = min(delta, (moments.fourthMoment / n - frobenius) / (Double(d) * n))
        let shrinkage = d == 1 || beta <= 0 || delta <= 0 ? 0 : beta / delta
        var covariance = biased.map { (1 - shrinkage) * $0 }
        for i in 0..<d { covariance[i * d + i] += shrinkage * m }
        return (covariance, shrinkage)
    }
}

/// Cholesky factorisation `A = L·Lᵀ` of symmetric positive definite matrices in float64, and the inverse through it
/// (`A⁻¹ = L⁻ᵀ·L⁻¹`), for the precision matrices of the Gaussian detectors.
enum Cholesky {
    struct NotPositiveDefinite: Error {
        /// The pivot that was not positive.
        var column: Int
    }

    /// The lower factor `L` of `a` (`[d, d]` row-major, only its lower triangle is read), row-major with zeros above.
    static func factor(_ a: [Double], dimension d: Int) throws -> [Double] {
        var l = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            var diagonal = a[j * d + j]
            for k in 0..<j { diagonal -= l[j * d + k] * l[j * d + k] }
            guard diagonal > 0, diagonal.isFinite else { throw NotPositiveDefinite(column: j) }
            let pivot = diagonal.squareRoot()
            l[j * d + j] = pivot
            for i in (j + 1)..<d {
                var value = a[i * d + j]
                for k in 0..<j { value -= l[i * d + k] * l[j * d + k] }
                l[i * d + j] = value / pivot
            }
        }
        return l
    }

    /// `a⁻¹` (`[d, d]` row-major, symmetric) through the Cholesky factor.
    static func inverse(_ a: [Double], dimension d: Int) throws -> [Double] {
        let l = try factor(a, dimension: d)
        // Forward substitution for the columns of L⁻¹ (lower triangular).
        var inverseL = [Double](repeating: 0, count: d * d)
        for column in 0..<d {
            inverseL[column * d + column] = 1 / l[column * d + column]
            for i in (column + 1)..<d {
                var sum = 0.0
                for k in column..<i { sum -= l[i * d + k] * inverseL[k * d + column] }
                inverseL[i * d + column] = sum / l[i * d + i]
            }
        }
        // A⁻¹ = L⁻ᵀ·L⁻¹: entry (i, j) = Σ_{k ≥ max(i, j)} L⁻¹[k, i]·L⁻¹[k, j].
        var result = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                var sum = 0.0
                for k in i..<d { sum += inverseL[k * d + i] * inverseL[k * d + j] }
                result[i * d + j] = sum
                result[j * d + i] = sum
            }
        }
        return result
    }
}

/// Mahalanobis distances `√((x − μ)ᵀ·P·(x − μ))` with a precision matrix `P`.
enum Mahalanobis {
    /// `(x − μ)ᵀ·P·(x − μ)`, accumulated in float64.
    /// - Parameters:
    ///   - x, mean: `d` values from their offsets; precision: `[d, d]` row-major from its offset.
    static func squared(_ x: UnsafePointer<Float>, mean: UnsafePointer<Float>, precision: UnsafePointer<Float>,
                        dimension d: Int, scratch: inout [Float]) -> Double {
        for j in 0..<d { scratch[j] = x[j] - mean[j] }
        var total = 0.0
        for i in 0..<d {
            let row = precision + i * d
            var dot: Float = 0
            for j in 0..<d { dot += row[j] * scratch[j] }
            total += Double(dot) * Double(scratch[i])
        }
        return total
    }
}
