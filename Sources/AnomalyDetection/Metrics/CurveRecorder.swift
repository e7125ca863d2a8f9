/// How many points of a long curve to keep. Areas and maxima are always computed from every point; this only
/// bounds the memory of the curve handed back (a pooled pixel ROC can have one point per pixel).
public enum CurveDetail: Sendable, Equatable {
    /// One point per distinct threshold, like scikit-learn's `roc_curve(..., drop_intermediate=False)`. For pooled
    /// pixels that can be one point per pixel: 24 bytes each, per curve and image subset (about 2 GB and 10 s for
    /// an MVTec-sized test set with 42 M distinct scores, against under 2 s thinned).
    case full
    /// A point is kept when its false-positive rate or its y value moved by at least `step` since the last kept
    /// point; the first and the last points are always kept. Both coordinates are monotone in [0, 1], so at most
    /// about `2 / step` points remain. Pixel curves are traced only through the points where they can bend:
    /// a run of thresholds held by normal pixels alone is one horizontal segment and is visited as one point.
    case thinned(step: Double)

    func validate() throws {
        if case let .thinned(step) = self, !(step > 0 && step <= 1) {
            throw MetricsError.invalidArgument("curve thinning step \(step) is not in (0, 1]")
        }
    }
}

/// Collects curve points in threshold order, dropping the ones ``CurveDetail`` allows to drop.
struct CurveRecorder<Point> {
    let detail: CurveDetail
    private(set) var points: [Point] = []
    private var lastKept: (x: Double, y: Double)?
    private var unkept: Point?

    init(_ detail: CurveDetail) { self.detail = detail }

    mutating func offer(_ point: Point, x: Double, y: Double) {
        switch detail {
        case .full:
            points.append(point)
        case let .thinned(step):
            if let last = lastKept, max(abs(x - last.x), abs(y - last.y)) < step {
                unkept = point
            } else {
                points.append(point)
                lastKept = (x, y)
                unkept = nil
            }
        }
    }

    /// The kept points, ending with the last point offered.
    mutating func finish() -> [Point] {
        if let unkept { points.append(unkept) }
        unkept = nil
        return points
    }
}

/// Neumaier's compensated summation (Neumaier 1974, "Rundungsfehleranalyse einiger Verfahren zur Summation
/// endlicher Summen"): the running error of every addition is kept in a second accumulator, so millions of
/// region weights 1/size add up to within an ulp or two of the exact sum.
struct CompensatedSum {
    private var sum = 0.0
    private var compensation = 0.0

    var value: Double { sum + compensation }

    mutating func add(_ term: Double) {
        let total = sum + term
        compensation += abs(sum) >= abs(term) ? (sum - total) + term : (term - total) + sum
        sum = total
    }
}
