@_exported import Verification
import Testing

/// Compares `got` with `expected` under `tolerance`; on failure records one issue that names the case, the worst
/// error as a fraction of the threshold, and the first mismatching pairs.
public func expectClose(_ got: [Float], _ expected: [Float], _ tolerance: Tolerance, _ label: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    if let problem = tolerance.compare(got, expected).problem {
        Issue.record("\(label): \(problem)", sourceLocation: sourceLocation)
    }
}

/// Exact comparison of integer results that reports the first difference instead of both arrays.
public func expectIdentical<T: Equatable>(_ got: [T], _ expected: [T], _ label: String,
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
