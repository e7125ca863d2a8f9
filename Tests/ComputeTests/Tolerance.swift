import Compute
import Testing

/// A declared per-op tolerance.
///
/// `elementwise`: every element must satisfy `|got − expected| ≤ absolute + relative·|expected|`.
/// `nmse`: the normalised mean squared error `Σ(got − expected)² / Σ expected²` must not exceed `limit` (for
/// reductions such as GEMM and convolution, whose rounding grows with the reduction length).
enum Tolerance: CustomStringConvertible, Sendable {
    case elementwise(absolute: Float, relative: Float)
    case nmse(Double)
    case exact

    var description: String {
        switch self {
        case let .elementwise(a, r): "atol \(a) + rtol \(r)"
        case let .nmse(limit): "NMSE ≤ \(limit)"
        case .exact: "exact"
        }
    }
}

/// Compares `got` with `expected` under `tolerance`; on failure records one issue that names the case, the
/// worst error as a fraction of the threshold, and the first mismatching pairs.
func expectClose(_ got: [Float], _ expected: [Float], _ tolerance: Tolerance, _ label: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard got.count == expected.count else {
        Issue.record("\(label): \(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    switch tolerance {
    case .exact:
        if let i = got.indices.first(where: { got[$0].bitPattern != expected[$0].bitPattern }) {
            Issue.record("\(label): first difference at \(i): \(got[i]) vs \(expected[i])", sourceLocation: sourceLocation)
        }
    case let .elementwise(absolute, relative):
        var worst = 0.0, worstIndex = 0
        var bad: [Int] = []
        for i in got.indices {
            let allowed = Double(absolute + relative * abs(expected[i]))
            let error = Double(abs(got[i] - expected[i]))
            let fraction = got[i].isNaN != expected[i].isNaN ? .infinity : error / max(allowed, .leastNonzeroMagnitude)
            if fraction > worst { worst = fraction; worstIndex = i }
            if fraction > 1 && bad.count < 5 { bad.append(i) }
        }
        if worst > 1 {
            let pairs = bad.map { "[\($0)] \(got[$0]) vs \(expected[$0])" }.joined(separator: ", ")
            Issue.record("\(label): \(tolerance) exceeded, worst at \(worstIndex) is \(worst)× the threshold; \(pairs)",
                         sourceLocation: sourceLocation)
        }
    case let .nmse(limit):
        var error = 0.0, norm = 0.0
        for i in got.indices {
            error += Double(got[i] - expected[i]) * Double(got[i] - expected[i])
            norm += Double(expected[i]) * Double(expected[i])
        }
        let nmse = norm == 0 ? error : error / norm
        if !(nmse <= limit) {
            let i = got.indices.max { abs(got[$0] - expected[$0]) < abs(got[$1] - expected[$1]) } ?? 0
            Issue.record("\(label): NMSE \(nmse) > \(limit) (\(nmse / limit)× the threshold); worst [\(i)] \(got[i]) vs \(expected[i])",
                         sourceLocation: sourceLocation)
        }
    }
}

/// Exact comparison of integer results that reports the first difference instead of both arrays.
func expectIdentical<T: Equatable>(_ got: [T], _ expected: [T], _ label: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
    guard got.count == expected.count else {
        Issue.record("\(label): \(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    if let i = got.indices.first(where: { got[$0] != expected[$0] }) {
        let differing = got.indices.filter { got[$0] != expected[$0] }.count
        Issue.record("\(label): \(differing) of \(got.count) differ; first at \(i): \(got[i]) vs \(expected[i])",
                     sourceLocation: sourceLocation)
    }
}

/// Deterministic test data uniform on [low, high).
func testValues(_ count: Int, seed: UInt64, low: Float = -2, high: Float = 2) -> [Float] {
    var stream = PhiloxStream(seed: seed, stream: (9, 9, 9))
    return (0..<count).map { _ in low + (high - low) * Float(stream.nextUnit()) }
}

/// NMSE allowed between two float32 reductions of length `n` that sum in different orders (blocked, fused
/// multiply-add or not). Each addition rounds with a relative error of at most ε = 2⁻²⁴; for inputs of random
/// sign those errors add up like a random walk, so one implementation's NMSE against the exact result is about
/// n·ε²/6. The limit allows 8·n·ε², about fifty times that (the worst case measured on PoCL and the fast CPU path
/// used 3.5% of it), and still catches a single element off by 10⁻³ among hundreds.
func reductionTolerance(_ n: Int) -> Tolerance {
    .nmse(8 * Double(max(n, 1)) * 0x1p-48)
}

/// Checks analytic gradients against centred differences `(L(p + h) − L(p − h)) / 2h` of a loss computed in Double,
/// one parameter element at a time.
/// - Parameters:
///   - parameters: the arrays the loss depends on.
///   - gradients: the analytic gradient of each array, same shapes.
///   - names: labels for failures.
func expectFiniteDifferences(_ parameters: [[Float]], gradients: [[Float]], names: [String], step h: Float = 0.25,
                             tolerance: Double = 1e-4, sourceLocation: SourceLocation = #_sourceLocation,
                             loss: ([[Float]]) throws -> Double) rethrows {
    for (p, values) in parameters.enumerated() {
        for i in values.indices {
            var plus = parameters, minus = parameters
            plus[p][i] += h
            minus[p][i] -= h
            let numeric = (try loss(plus) - loss(minus)) / Double(2 * h)
            #expect(abs(numeric - Double(gradients[p][i])) < tolerance, "\(names[p])[\(i)]",
                    sourceLocation: sourceLocation)
        }
    }
}
