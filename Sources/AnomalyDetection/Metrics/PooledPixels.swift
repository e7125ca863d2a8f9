import Dispatch

/// Every pixel of a test set as sorted score keys, split by what the pixel metrics need to count:
/// anomalous pixels (carrying the size of their ground-truth region), normal pixels of anomalous images, and
/// pixels of normal images. Memory: 4 bytes per normal pixel and 8 per anomalous pixel, plus a sorting scratch
/// buffer as large as the largest part (released before ``walk(_:)``).
struct PooledPixels {
    /// `ScoreKey << 32 | size of the pixel's 8-connected region`, ascending.
    private(set) var anomalous: [UInt64]
    private(set) var normalInAnomalousImages: [UInt32]
    private(set) var normalInNormalImages: [UInt32]
    let regionCount: Int
    let imageCount: Int
    let anomalousImageCount: Int

    /// Validates the inputs, labels the regions of every anomalous mask and sorts the three parts, using
    /// `threads` workers for both.
    init(maps: [ScoreMap], masks: [GroundTruthMask], threads: Int) throws {
        guard !maps.isEmpty else { throw MetricsError.emptyInput("no score maps") }
        guard masks.count == maps.count else {
            throw MetricsError.countMismatch("masks for \(maps.count) score maps", expected: maps.count, got: masks.count)
        }
        for (image, (map, mask)) in zip(maps, masks).enumerated()
        where map.width != mask.width || map.height != mask.height {
            throw MetricsError.sizeMismatch(image: image, mapWidth: map.width, mapHeight: map.height,
                                            maskWidth: mask.width, maskHeight: mask.height)
        }
        let counts = PooledPixels.anomalousCounts(masks, threads: threads)
        // Each image's first slot in each part: exclusive prefix sums of the per-image counts.
        var starts = (anomalous: [Int](), normalInAnomalous: [Int](), normalInNormal: [Int]())
        var totals = (anomalous: 0, normalInAnomalous: 0, normalInNormal: 0)
        for (image, count) in counts.enumerated() {
            starts.anomalous.append(totals.anomalous)
            starts.normalInAnomalous.append(totals.normalInAnomalous)
            starts.normalInNormal.append(totals.normalInNormal)
            if count > 0 {
                totals.anomalous += count
                totals.normalInAnomalous += maps[image].scores.count - count
            } else {
                totals.normalInNormal += maps[image].scores.count
            }
        }
        let offsets = starts  // an immutable copy for the concurrent closure
        // Every slot is written below (or the inputs are rejected), so the parts start uninitialised rather than
        // paying an extra pass over hundreds of megabytes to clear them.
        var anomalous = [UInt64](unsafeUninitializedCapacity: totals.anomalous) { $1 = totals.anomalous }
        var normalInAnomalous = [UInt32](unsafeUninitializedCapacity: totals.normalInAnomalous) { $1 = totals.normalInAnomalous }
        var normalInNormal = [UInt32](unsafeUninitializedCapacity: totals.normalInNormal) { $1 = totals.normalInNormal }
        let outcomes = anomalous.withUnsafeMutableBufferPointer { anomalousBuffer in
            normalInAnomalous.withUnsafeMutableBufferPointer { normalInAnomalousBuffer in
                normalInNormal.withUnsafeMutableBufferPointer { normalInNormalBuffer in
                    let writer = PartWriter(anomalous: SharedBuffer(anomalousBuffer),
                                            normalInAnomalous: SharedBuffer(normalInAnomalousBuffer),
                                            normalInNormal: SharedBuffer(normalInNormalBuffer))
                    return parallelMap(maps.count, threads: threads) { image in
                        writer.fill(maps[image], masks[image], anomalousCount: counts[image],
                                    at: (offsets.anomalous[image], offsets.normalInAnomalous[image],
                                         offsets.normalInNormal[image]))
                    }
                }
            }
        }
        var regionCount = 0
        for (image, outcome) in outcomes.enumerated() {
            switch outcome {
            case let .filled(regions):
                regionCount += regions
            case let .nonFiniteScore(pixel):
                throw MetricsError.nonFiniteScore(image: image, pixel: pixel, value: Double(maps[image].scores[pixel]))
            }
        }
        var scratch32: [UInt32] = []
        RadixSort.sort(&normalInNormal, keyShift: 0, scratch: &scratch32, chunks: threads)
        RadixSort.sort(&normalInAnomalous, keyShift: 0, scratch: &scratch32, chunks: threads)
        scratch32 = []
        var scratch64: [UInt64] = []
        RadixSort.sort(&anomalous, keyShift: 32, scratch: &scratch64, chunks: threads)
        self.anomalous = anomalous
        normalInAnomalousImages = normalInAnomalous
        normalInNormalImages = normalInNormal
        self.regionCount = regionCount
        imageCount = maps.count
        anomalousImageCount = counts.count { $0 > 0 }
    }

    /// Visits the distinct scores from the highest to the lowest with the number of pixels of each part that
    /// have exactly that score, and the running sum, over all anomalous pixels visited so far (this group
    /// included), of 1 / (the size of the pixel's region).
    ///
    /// With `mergingNormalRuns`, consecutive scores held by normal pixels only are visited as one group, at the
    /// lowest of them. Between two scores held by anomalous pixels the ROC and PRO curves are horizontal lines and
    /// F1 only falls, so no metric needs the points in between; a test set with tens of millions of distinct
    /// scores then costs a scan of the sorted keys plus work per anomalous score.
    func walk(mergingNormalRuns: Bool, _ visit: (_ threshold: Double, _ anomalous: Int, _ normalInAnomalousImages: Int,
                                                 _ normalInNormalImages: Int, _ coveredOverlap: Double) -> Void) {
        anomalous.withUnsafeBufferPointer { anomalous in
            normalInAnomalousImages.withUnsafeBufferPointer { normalInAnomalous in
                normalInNormalImages.withUnsafeBufferPointer { normalInNormal in
                    // Each part is consumed from its end (its highest key); `remaining` counts what is left.
                    var remaining = (anomalous: anomalous.count, normalInAnomalous: normalInAnomalous.count,
                                     normalInNormal: normalInNormal.count)
                    var overlap = CompensatedSum()
                    func anomalousKey() -> UInt32? {
                        remaining.anomalous > 0 ? UInt32(truncatingIfNeeded: anomalous[remaining.anomalous - 1] >> 32) : nil
                    }
                    func normalKey() -> UInt32? {
                        let a = remaining.normalInAnomalous > 0 ? normalInAnomalous[remaining.normalInAnomalous - 1] : nil
                        let b = remaining.normalInNormal > 0 ? normalInNormal[remaining.normalInNormal - 1] : nil
                        guard let a, let b else { return a ?? b }
                        return max(a, b)
                    }
                    /// Consumes the normal keys `≥ lowest`; returns the smallest key consumed.
                    func consumeNormals(atLeast lowest: UInt32) -> UInt32 {
                        let start = remaining
                        while remaining.normalInAnomalous > 0, normalInAnomalous[remaining.normalInAnomalous - 1] >= lowest {
                            remaining.normalInAnomalous -= 1
                        }
                        while remaining.normalInNormal > 0, normalInNormal[remaining.normalInNormal - 1] >= lowest {
                            remaining.normalInNormal -= 1
                        }
                        return min(start.normalInAnomalous > remaining.normalInAnomalous ? normalInAnomalous[remaining.normalInAnomalous] : .max,
                                   start.normalInNormal > remaining.normalInNormal ? normalInNormal[remaining.normalInNormal] : .max)
                    }
                    while remaining.anomalous > 0 || remaining.normalInAnomalous > 0 || remaining.normalInNormal > 0 {
                        let start = remaining
                        let threshold: UInt32
                        let nextAnomalous = anomalousKey()
                        if let nextNormal = normalKey(), nextAnomalous.map({ nextNormal > $0 }) ?? true {
                            // Normal pixels only: one score, or every score above the next anomalous pixel's.
                            threshold = consumeNormals(atLeast: mergingNormalRuns ? nextAnomalous.map { $0 + 1 } ?? 0 : nextNormal)
                        } else {
                            threshold = nextAnomalous!
                            while remaining.anomalous > 0, anomalous[remaining.anomalous - 1] >> 32 == UInt64(threshold) {
                                overlap.add(1 / Double(UInt32(truncatingIfNeeded: anomalous[remaining.anomalous - 1])))
                                remaining.anomalous -= 1
                            }
                            _ = consumeNormals(atLeast: threshold)
                        }
                        visit(Double(ScoreKey.score(threshold)), start.anomalous - remaining.anomalous,
                              start.normalInAnomalous - remaining.normalInAnomalous,
                              start.normalInNormal - remaining.normalInNormal, overlap.value)
                    }
                }
            }
        }
    }

    private static func anomalousCounts(_ masks: [GroundTruthMask], threads: Int) -> [Int] {
        parallelMap(masks.count, threads: threads) { image in masks[image].isAnomalous.count { $0 } }
    }
}

/// What filling one image's pixels into the parts found.
private enum ImageFill {
    case filled(regions: Int)
    case nonFiniteScore(pixel: Int)
}

/// Writes the keys of one image into its slots of the three parts; images write disjoint slots, so they can be
/// filled concurrently.
private struct PartWriter: Sendable {
    let anomalous: SharedBuffer<UInt64>
    let normalInAnomalous: SharedBuffer<UInt32>
    let normalInNormal: SharedBuffer<UInt32>

    func fill(_ map: ScoreMap, _ mask: GroundTruthMask, anomalousCount: Int,
              at start: (anomalous: Int, normalInAnomalous: Int, normalInNormal: Int)) -> ImageFill {
        let scores = map.scores
        guard anomalousCount > 0 else {
            for pixel in scores.indices {
                guard scores[pixel].isFinite else { return .nonFiniteScore(pixel: pixel) }
                normalInNormal[start.normalInNormal + pixel] = ScoreKey.key(scores[pixel])
            }
            return .filled(regions: 0)
        }
        let regions = ConnectedComponents(mask)
        var next = start
        for pixel in scores.indices {
            guard scores[pixel].isFinite else { return .nonFiniteScore(pixel: pixel) }
            let key = ScoreKey.key(scores[pixel])
            let label = Int(regions.labels[pixel])
            if label == 0 {
                normalInAnomalous[next.normalInAnomalous] = key
                next.normalInAnomalous += 1
            } else {
                anomalous[next.anomalous] = UInt64(key) << 32 | UInt64(regions.regionSizes[label - 1])
                next.anomalous += 1
            }
        }
        return .filled(regions: regions.regionCount)
    }
}

/// `[body(0), …, body(count − 1)]`, computed on up to `threads` workers, worker `w` taking `w, w + workers, …`.
func parallelMap<T>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
    let workers = max(1, min(threads, count))
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        let results = SharedBuffer(buffer)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: count, by: workers) { (results.base + index).initialize(to: body(index)) }
        }
        initialized = count
    }
}
