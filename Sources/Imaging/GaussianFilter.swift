import Foundation

extension FloatMap {
    /// `scipy.ndimage.gaussian_filter(map, sigma, mode="reflect", truncate=truncate)` for a float32 map: a separable
    /// Gaussian of radius `Int(truncate·σ + 0.5)` with weights `exp(−x²/2σ²)` normalised to sum 1, applied along y
    /// then x; borders reflect with the edge sample repeated (`d c b a | a b c d | d c b a`). Like scipy, each pass
    /// accumulates in Double (centre tap first, then symmetric pairs from the outermost in) and stores Float.
    ///
    /// PatchCore smooths its upsampled anomaly maps with σ = 4.
    /// - Throws: `invalidArgument` for a negative or non-finite σ or truncate, or a radius above 65536.
    public func gaussianFiltered(sigma: Double, truncate: Double = 4) throws -> FloatMap {
        guard sigma >= 0, sigma.isFinite, truncate >= 0, truncate.isFinite, truncate * sigma <= 65_536 else {
            throw ImagingError(.invalidArgument, "invalid Gaussian sigma \(sigma) or truncate \(truncate) (the "
                + "radius truncate·σ must be at most 65536)")
        }
        let weights = Self.gaussianWeights(sigma: sigma, truncate: truncate)
        let vertical = Self.filterLines(values, count: width, length: height, stride: width, step: 1, weights)
        let both = Self.filterLines(vertical, count: height, length: width, stride: 1, step: width, weights)
        return FloatMap(validatedWidth: width, height: height, values: both)
    }

    /// The weights from the centre outwards: `weights[j]` multiplies the samples at offsets ±j.
    static func gaussianWeights(sigma: Double, truncate: Double) -> [Double] {
        let radius = Int(truncate * sigma + 0.5)
        guard sigma > 0, radius > 0 else { return [1] }
        let raw = (0...radius).map { exp(-0.5 / (sigma * sigma) * Double($0 * $0)) }
        let total = pairwiseSum(raw.reversed() + raw.dropFirst())
        return raw.map { $0 / total }
    }

    /// numpy's pairwise summation (what `phi_x.sum()` in scipy's `_gaussian_kernel1d` computes), so the
    /// normalisation rounds as scipy's does.
    static func pairwiseSum(_ a: ArraySlice<Double>) -> Double {
        let n = a.count, base = a.startIndex
        if n < 8 { return a.reduce(0, +) }
        if n > 128 {
            let half = n / 2 - (n / 2) % 8
            return pairwiseSum(a.prefix(half)) + pairwiseSum(a.dropFirst(half))
        }
        var r = Array(a[base..<(base + 8)])
        var i = 8
        while i < n - n % 8 {
            for j in 0..<8 { r[j] += a[base + i + j] }
            i += 8
        }
        var sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n {
            sum += a[base + i]
            i += 1
        }
        return sum
    }

    static func pairwiseSum(_ a: [Double]) -> Double { pairwiseSum(a[...]) }

    /// scipy's "reflect" boundary: index `i` of a line of `n` samples mapped into 0..<n.
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        var j = i % (2 * n)
        if j < 0 { j += 2 * n }
        return j < n ? j : 2 * n - 1 - j
    }

    /// Correlates `count` lines of `length` samples (sample `k` of line `l` at `l·step + k·stride`).
    private static func filterLines(_ input: [Float], count: Int, length: Int, stride: Int, step: Int,
                                    _ weights: [Double]) -> [Float] {
        let radius = weights.count - 1
        var output = input
        var line = [Double](repeating: 0, count: length + 2 * radius)
        for l in 0..<count {
            for k in 0..<(length + 2 * radius) {
                line[k] = Double(input[l * step + reflect(k - radius, length) * stride])
            }
            for k in 0..<length {
                let centre = k + radius
                var sum = line[centre] * weights[0]
                var j = radius
                while j >= 1 {
                    sum += (line[centre - j] + line[centre + j]) * weights[j]
                    j -= 1
                }
                output[l * step + k * stride] = Float(sum)
            }
        }
        return output
    }
}
