@testable import AnomalyDetection

/// Independent, deliberately naive implementations of the metrics, straight from their definitions, used as the
/// oracle for random inputs. They share no code with the library except its input types.
enum BruteForce {
    /// AUROC as the Mann–Whitney statistic: every (anomalous, normal) pair, a win counts 1 and a tie ½. O(P·N).
    static func auroc(scores: [Double], labels: [Bool]) -> Double {
        let positives = scores.indices.filter { labels[$0] }.map { scores[$0] }
        let negatives = scores.indices.filter { !labels[$0] }.map { scores[$0] }
        var wins = 0.0
        for p in positives {
            for n in negatives { wins += p > n ? 1 : (p == n ? 0.5 : 0) }
        }
        return wins / Double(positives.count * negatives.count)
    }

    /// F1-max by thresholding at every distinct score and counting directly; the lowest threshold wins ties.
    static func f1Max(scores: [Double], labels: [Bool]) -> (value: Double, threshold: Double) {
        let positives = labels.filter { $0 }.count
        var best = (value: -1.0, threshold: Double.nan)
        for threshold in Set(scores).sorted(by: >) {
            let called = scores.indices.filter { scores[$0] >= threshold }
            let truePositives = called.filter { labels[$0] }.count
            let precision = Double(truePositives) / Double(called.count)
            let recall = Double(truePositives) / Double(positives)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            if f1 >= best.value - 1e-15 { best = (max(f1, best.value), threshold) }
        }
        return best
    }

    /// 8-connected labels by flood fill from each unlabelled anomalous pixel in raster order.
    static func labels(_ mask: GroundTruthMask) -> (labels: [Int32], count: Int) {
        var labels = [Int32](repeating: 0, count: mask.isAnomalous.count)
        var count: Int32 = 0
        for start in labels.indices where mask.isAnomalous[start] && labels[start] == 0 {
            count += 1
            labels[start] = count
            var stack = [start]
            while let index = stack.popLast() {
                let x = index % mask.width, y = index / mask.width
                for dy in -1...1 {
                    for dx in -1...1 {
                        let nx = x + dx, ny = y + dy
                        guard nx >= 0, nx < mask.width, ny >= 0, ny < mask.height else { continue }
                        let neighbour = ny * mask.width + nx
                        if mask.isAnomalous[neighbour] && labels[neighbour] == 0 {
                            labels[neighbour] = count
                            stack.append(neighbour)
                        }
                    }
                }
            }
        }
        return (labels, Int(count))
    }

    /// The MVTec AUPRO from its definition: for every distinct score t, FPR(t) and PRO(t) are counted from
    /// scratch; the curve gets (0, 0) and (1, 1) and is integrated with the trapezoid rule up to `limit`, PRO being
    /// interpolated linearly at the limit, then divided by `limit`. O(thresholds · pixels).
    static func aupro(maps: [ScoreMap], masks: [GroundTruthMask], limit: Double) -> Double {
        var normalScores: [Float] = []
        var regions: [[Float]] = []
        for (map, mask) in zip(maps, masks) {
            let (labels, count) = labels(mask)
            var imageRegions = [[Float]](repeating: [], count: count)
            for index in labels.indices {
                if labels[index] == 0 { normalScores.append(map.scores[index]) }
                else { imageRegions[Int(labels[index]) - 1].append(map.scores[index]) }
            }
            regions += imageRegions
        }
        let thresholds = Set(maps.flatMap(\.scores).map { $0 + 0 }).sorted(by: >)
        var x: [Double] = [0], y: [Double] = [0]
        for t in thresholds {
            x.append(Double(normalScores.filter { $0 >= t }.count) / Double(normalScores.count))
            let covered = regions.map { region in Double(region.filter { $0 >= t }.count) / Double(region.count) }
            y.append(covered.reduce(0, +) / Double(regions.count))
        }
        x.append(1)
        y.append(1)
        return trapezoid(x: x, y: y, limit: limit) / limit
    }

    /// Trapezoid rule over the points with x ≤ limit, plus the piece up to the limit under the line to the next
    /// point when the limit is not itself a sample.
    static func trapezoid(x: [Double], y: [Double], limit: Double) -> Double {
        var area = 0.0
        var last = 0
        for i in 1..<x.count where x[i] <= limit {
            area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2
            last = i
        }
        if !x.contains(limit), let next = x.firstIndex(where: { $0 > limit }) {
            let yLimit = y[last] + (y[next] - y[last]) * (limit - x[last]) / (x[next] - x[last])
            area += (limit - x[last]) * (yLimit + y[last]) / 2
        }
        return area
    }
}
