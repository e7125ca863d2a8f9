/// A declared per-op tolerance: how far a device's result may lie from the reference loops' result.
///
/// - `exact`: every element has the reference's bit pattern (integer work: the chaos game, coreset codes, top-k on
///   integer data).
/// - `elementwise`: every element satisfies `|got − expected| ≤ absolute + relative·|expected|` (NaN must match NaN).
/// - `nmse`: the normalised mean squared error `Σ(got − expected)² / Σ expected²` stays within `limit` (reductions
///   such as GEMM and convolution, whose rounding grows with the reduction length; ggml's test-backend-ops metric).
public enum Tolerance: CustomStringConvertible, Sendable, Equatable {
    case exact
    case elementwise(absolute: Float, relative: Float)
    case nmse(Double)

    public var description: String {
        switch self {
        case .exact: "exact"
        case let .elementwise(a, r): "atol \(a) + rtol \(r)"
        case let .nmse(limit): "NMSE ≤ \(limit)"
        }
    }

    /// NMSE allowed between two float32 reductions of length `n` that sum in different orders (blocked, fused
    /// multiply-add or not). Each addition rounds with a relative error of at most ε = 2⁻²⁴; for inputs of random
    /// sign those errors add up like a random walk, so one implementation's NMSE against the exact result is about
    /// n·ε²/6. The limit allows 8·n·ε², about fifty times that (the worst case measured on PoCL and the fast CPU
    /// path used 3.5% of it), and still catches a single element off by 10⁻³ among hundreds.
    public static func reduction(_ n: Int) -> Tolerance {
        .nmse(8 * Double(max(n, 1)) * 0x1p-48)
    }

    /// Measures `got` against `expected`.
    public func compare(_ got: [Float], _ expected: [Float]) -> Comparison {
        Comparison(got, expected, self)
    }
}

/// The outcome of comparing one output with the reference under a ``Tolerance``.
public struct Comparison: Sendable {
    public let tolerance: Tolerance
    /// The number of values compared, or nil when the counts differ (which always fails).
    public let count: Int?
    /// The largest `|got − expected|` (infinity where one side is NaN and the other is not).
    public let maxError: Double
    /// `Σ(got − expected)² / Σ expected²` (the plain sum when the reference is all zeros).
    public let nmse: Double
    /// How many times its threshold the worst element (or the NMSE) uses: at most 1 passes.
    public let fraction: Double
    /// The element with the largest error relative to its threshold.
    public let worstIndex: Int
    /// Up to five elements outside the tolerance (elementwise and exact), in order.
    public let failing: [Int]
    /// How many elements lie outside the tolerance (elementwise and exact).
    public let mismatches: Int
    /// What went wrong, naming values; nil when the comparison passes.
    public let problem: String?

    public var passes: Bool { problem == nil }

    init(_ got: [Float], _ expected: [Float], _ tolerance: Tolerance) {
        self.tolerance = tolerance
        guard got.count == expected.count else {
            (count, maxError, nmse, fraction, worstIndex, failing) = (nil, .infinity, .infinity, .infinity, 0, [])
            mismatches = max(got.count, expected.count)
            problem = "\(got.count) values, expected \(expected.count)"
            return
        }
        count = got.count
        var largest = 0.0, squared = 0.0, norm = 0.0
        for (g, e) in zip(got, expected) {
            let error = g.isNaN != e.isNaN ? Double.infinity : Double(abs(g - e))
            if error > largest { largest = error }
            squared += Double(g - e) * Double(g - e)
            norm += Double(e) * Double(e)
        }
        maxError = largest
        nmse = norm == 0 ? squared : squared / norm
        func pairs(_ indices: [Int]) -> String {
            indices.map { "[\($0)] \(got[$0]) vs \(expected[$0])" }.joined(separator: ", ")
        }
        switch tolerance {
        case .exact:
            let differing = got.indices.filter { got[$0].bitPattern != expected[$0].bitPattern }
            failing = Array(differing.prefix(5))
            mismatches = differing.count
            worstIndex = differing.first ?? 0
            fraction = differing.isEmpty ? 0 : .infinity
            problem = differing.isEmpty ? nil
                : "\(differing.count) of \(got.count) differ; first at \(worstIndex): \(pairs(failing))"
        case let .elementwise(absolute, relative):
            var worst = 0.0, worstAt = 0, bad: [Int] = [], outside = 0
            for i in got.indices {
                let allowed = Double(absolute + relative * abs(expected[i]))
                let error = Double(abs(got[i] - expected[i]))
                let share = got[i].isNaN != expected[i].isNaN ? .infinity : error / max(allowed, .leastNonzeroMagnitude)
                if share > worst { (worst, worstAt) = (share, i) }
                if share > 1 {
                    outside += 1
                    if bad.count < 5 { bad.append(i) }
                }
            }
            (fraction, worstIndex, failing, mismatches) = (worst, worstAt, bad, outside)
            problem = worst <= 1 ? nil
                : "\(tolerance) exceeded, worst at \(worstAt) is \(worst)× the threshold; \(pairs(bad))"
        case let .nmse(limit):
            let worstAt = got.indices.max { abs(got[$0] - expected[$0]) < abs(got[$1] - expected[$1]) } ?? 0
            (fraction, worstIndex, failing, mismatches) = (nmse / limit, worstAt, [], nmse <= limit ? 0 : got.count)
            problem = nmse <= limit ? nil
                : "NMSE \(nmse) > \(limit) (\(nmse / limit)× the threshold); worst \(pairs([worstAt]))"
        }
    }
}
