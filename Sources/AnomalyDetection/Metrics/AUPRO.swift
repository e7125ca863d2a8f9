/// One point of a PRO curve: at threshold `t`, the false-positive rate over all normal pixels and the mean,
/// over all ground-truth regions, of the fraction of the region's pixels scoring `≥ t`.
public struct PROPoint: Sendable, Equatable {
    public let falsePositiveRate: Double
    public let perRegionOverlap: Double
    /// The score of this point; `+infinity` for the starting point (0, 0).
    public let threshold: Double
}

/// The normalised area under the per-region-overlap curve up to a false-positive-rate limit, by the MVTec
/// evaluation code's definition (Bergmann et al., "The MVTec Anomaly Detection Dataset", IJCV 2021;
/// reference-anomaly-detection.md §3):
///
/// 1. regions are the 8-connected components of every mask (``ConnectedComponents``);
/// 2. every distinct score is a threshold, visited in decreasing order;
/// 3. FPR(t) = normal pixels `≥ t` / all normal pixels of the evaluated images (normal images included);
/// 4. PRO(t) = mean over all regions of the covered fraction (each region weighs the same);
/// 5. the curve starts at (0, 0); tied scores give one point; it ends at (1, 1);
/// 6. the trapezoid rule integrates it from 0 to `integrationLimit`, with PRO linearly interpolated at the limit
///    when no point lies on it, and the area is divided by `integrationLimit`.
///
/// Normal-pixel counts are integers (no float32 cumulative sums, which lose exactness beyond 2²⁴ pixels); the
/// region weights 1/size are summed with compensation.
public struct AUPRO: Sendable, Equatable {
    /// The area divided by ``integrationLimit``, in [0, 1].
    public let value: Double
    public let integrationLimit: Double
    /// PRO at FPR = ``integrationLimit`` (interpolated between the points around it).
    public let proAtLimit: Double
    /// The points with FPR ≤ ``integrationLimit``, from (0, 0) in decreasing threshold order (thinned as the
    /// evaluation's ``CurveDetail`` says).
    public let points: [PROPoint]
    public let regionCount: Int
}

/// Builds an ``AUPRO`` from score groups given in decreasing score order.
struct PROAccumulator {
    let normals: Int
    let regions: Int
    let limit: Double
    private var falsePositives = 0
    private var previous = (fpr: 0.0, pro: 0.0)
    /// `Σ Δfp · (pro_before + pro_after)` over the segments left of the limit: twice the area times `normals`.
    private var twiceAreaTimesNormals = CompensatedSum()
    /// Area between the last point left of the limit and the limit; nil until the limit is passed.
    private var tail: (area: Double, pro: Double)?
    private var recorder: CurveRecorder<PROPoint>

    init(normals: Int, regions: Int, limit: Double, detail: CurveDetail) {
        self.normals = normals
        self.regions = regions
        self.limit = limit
        recorder = CurveRecorder(detail)
        recorder.offer(PROPoint(falsePositiveRate: 0, perRegionOverlap: 0, threshold: .infinity), x: 0, y: 0)
    }

    /// Adds the group of pixels whose score is exactly `threshold`: `groupNormals` normal pixels, and
    /// `coveredOverlap`, the running sum over every anomalous pixel seen so far of 1 / (its region's size).
    mutating func add(threshold: Double, normals groupNormals: Int, coveredOverlap: Double) {
        guard tail == nil else { return }
        falsePositives += groupNormals
        let fpr = Double(falsePositives) / Double(normals)
        let pro = min(coveredOverlap / Double(regions), 1)
        if fpr <= limit {
            twiceAreaTimesNormals.add(Double(groupNormals) * (previous.pro + pro))
            recorder.offer(PROPoint(falsePositiveRate: fpr, perRegionOverlap: pro, threshold: threshold), x: fpr, y: pro)
            previous = (fpr, pro)
        } else {
            let proAtLimit = previous.pro + (pro - previous.pro) * (limit - previous.fpr) / (fpr - previous.fpr)
            tail = (0.5 * (proAtLimit + previous.pro) * (limit - previous.fpr), proAtLimit)
        }
    }

    /// The result once every group was added. The last group always reaches FPR 1, so the limit has been passed
    /// unless it is 1 itself.
    mutating func finish() -> AUPRO {
        let tail = tail ?? (0, previous.pro)
        let area = twiceAreaTimesNormals.value / (2 * Double(normals)) + tail.area
        return AUPRO(value: area / limit, integrationLimit: limit, proAtLimit: tail.pro, points: recorder.finish(),
                     regionCount: regions)
    }
}
