import AnomalyDetection
import Compute
import Foundation
import Testing
import TestSupport

/// Points and plain double-precision geometry for checking a coreset in the original feature space.
struct CoresetFixture {
    let values: [Float]
    let n: Int
    let depth: Int

    /// Uniform points in [−1, 1)^D.
    static func uniform(n: Int, depth: Int, seed: UInt64) -> CoresetFixture {
        var stream = PhiloxStream(seed: seed, stream: (7, 7, 7))
        return CoresetFixture(values: (0..<(n * depth)).map { _ in Float(stream.uniform(-1, 1)) }, n: n, depth: depth)
    }

    /// `clusters` tight blobs of `perCluster` points around centres far apart; point `i` belongs to cluster
    /// `i % clusters`.
    static func clustered(clusters: Int, perCluster: Int, depth: Int, seed: UInt64) -> CoresetFixture {
        var stream = PhiloxStream(seed: seed, stream: (8, 8, 8))
        let centres = (0..<(clusters * depth)).map { _ in stream.uniform(-20, 20) }
        var values: [Float] = []
        for i in 0..<(clusters * perCluster) {
            let cluster = i % clusters
            for d in 0..<depth { values.append(Float(centres[cluster * depth + d] + stream.uniform(-0.3, 0.3))) }
        }
        return CoresetFixture(values: values, n: clusters * perCluster, depth: depth)
    }

    func tensor(on device: any Device) throws -> Tensor {
        try Tensor(values, shape: [n, depth], on: device)
    }

    func distance(_ i: Int, _ j: Int) -> Double {
        var sum = 0.0
        for d in 0..<depth {
            let difference = Double(values[i * depth + d]) - Double(values[j * depth + d])
            sum += difference * difference
        }
        return sum.squareRoot()
    }

    /// The largest distance from any point to its nearest selected point.
    func coveringRadius(_ selected: [Int]) -> Double {
        (0..<n).map { i in selected.map { distance(i, $0) }.min() ?? .infinity }.max() ?? 0
    }

    /// Exact greedy k-centre in the original space, starting from the point farthest from point 0.
    func exactGreedy(count: Int) -> [Int] {
        var nearest = (0..<n).map { distance($0, 0) }
        var selected: [Int] = []
        for _ in 0..<count {
            let pick = nearest.indices.max { nearest[$0] < nearest[$1] } ?? 0
            selected.append(pick)
            for i in 0..<n { nearest[i] = min(nearest[i], distance(i, pick)) }
        }
        return selected
    }
}

@Suite struct CoresetTests {
    @Test func selectionIsDeterministicForASeedAndChangesWithIt() throws {
        let points = CoresetFixture.uniform(n: 400, depth: 24, seed: 1)
        let features = try points.tensor(on: CPUDevice.reference)
        let sampler = GreedyCoresetSampler(ratio: 0.1, seed: 42)
        let first = try sampler.select(features: features)
        #expect(first.count == 40)
        #expect(try sampler.select(features: features) == first)
        #expect(try GreedyCoresetSampler(ratio: 0.1, seed: 43).select(features: features) != first)
    }

    @Test(arguments: [GreedyCoresetSampler.Start.patchCore, .randomPointIncluded])
    func everyDeviceSelectsTheSamePoints(_ start: GreedyCoresetSampler.Start) throws {
        let points = CoresetFixture.uniform(n: 731, depth: 37, seed: 2)
        let sampler = GreedyCoresetSampler(ratio: 0.1, seed: 7, start: start)
        let expected = try sampler.select(features: points.tensor(on: CPUDevice.reference))
        #expect(expected.count == 73)
        #expect(Set(expected).count == expected.count, "repeated picks")
        for device in try TestDevices.underTest {
            let got = try sampler.select(features: points.tensor(on: device))
            #expect(got == expected, "\(start) on \(device.info.identifier) differs from the reference")
        }
    }

    @Test func selectedIndicesAreDistinctEvenWhenEveryPointIsTheSame() throws {
        let points = CoresetFixture(values: [Float](repeating: 0.5, count: 50 * 8), n: 50, depth: 8)
        for device in try TestDevices.all {
            for start in [GreedyCoresetSampler.Start.patchCore, .randomPointIncluded] {
                let all = try GreedyCoresetSampler(ratio: 1, seed: 3, start: start)
                    .select(features: points.tensor(on: device))
                #expect(all.sorted() == Array(0..<50), "\(start) on \(device.info.identifier)")
            }
        }
    }

    @Test func theCoveringRadiusShrinksAsTheRatioGrows() throws {
        let points = CoresetFixture.uniform(n: 600, depth: 16, seed: 4)
        let features = try points.tensor(on: CPUDevice.fastShared)
        let ratios = [0.01, 0.03, 0.1, 0.3, 1.0]
        let selections = try ratios.map { try GreedyCoresetSampler(ratio: $0, seed: 5).select(features: features) }
        let radii = selections.map(points.coveringRadius)
        for (smaller, larger) in zip(selections, selections.dropFirst()) {
            #expect(Array(larger.prefix(smaller.count)) == smaller, "a larger ratio must extend the greedy sequence")
        }
        for (r, next) in zip(radii, radii.dropFirst()) { #expect(next < r, "radii \(radii)") }
        #expect(radii.last == 0)
    }

    @Test(arguments: [GreedyCoresetSampler.Start.patchCore, .randomPointIncluded])
    func everyClusterIsHit(_ start: GreedyCoresetSampler.Start) throws {
        let clusters = 12
        let points = CoresetFixture.clustered(clusters: clusters, perCluster: 40, depth: 64, seed: 6)
        let selected = try GreedyCoresetSampler(ratio: 0.025, seed: 8, start: start)
            .select(features: points.tensor(on: CPUDevice.fastShared))
        #expect(selected.count == 12)
        #expect(Set(selected.map { $0 % clusters }).count == clusters, "clusters hit: \(selected.map { $0 % clusters })")
    }

    @Test func theApproximationCoversAboutAsWellAsExactGreedy() throws {
        // Projection and quantisation distort distances a little; the covering radius should stay close to that of
        // exact greedy k-centre in the original space.
        let points = CoresetFixture.uniform(n: 500, depth: 48, seed: 9)
        let approximate = try GreedyCoresetSampler(ratio: 0.1, seed: 10)
            .select(features: points.tensor(on: CPUDevice.fastShared))
        let exact = points.exactGreedy(count: approximate.count)
        let ratio = points.coveringRadius(approximate) / points.coveringRadius(exact)
        #expect(ratio < 1.15, "covering radius \(ratio)× that of exact greedy")
    }

    @Test func anomalibConventionSelectsItsStartFirst() throws {
        let points = CoresetFixture.uniform(n: 200, depth: 10, seed: 11)
        let features = try points.tensor(on: CPUDevice.reference)
        let included = try GreedyCoresetSampler(ratio: 0.05, seed: 12, start: .randomPointIncluded)
            .select(features: features)
        #expect(included.count == 10)
        // The second pick is the point farthest from the start (up to projection error: compare in code space by
        // checking it is among the farthest few in the original space).
        let farthest = (0..<points.n).sorted { points.distance($0, included[0]) > points.distance($1, included[0]) }
        #expect(farthest.prefix(5).contains(included[1]))
    }

    @Test func badArgumentsThrowClearErrors() throws {
        let device = CPUDevice.reference
        let features = try CoresetFixture.uniform(n: 30, depth: 4, seed: 13).tensor(on: device)
        for ratio in [0, -0.1, 1.5, .nan] {
            let error = #expect(throws: CoresetError.self) {
                try GreedyCoresetSampler(ratio: ratio).select(features: features)
            }
            guard case .invalidRatio = error else {
                Issue.record("ratio \(ratio): expected invalidRatio, got \(String(describing: error))")
                continue
            }
        }
        #expect(throws: CoresetError.emptyFeatures) {
            try GreedyCoresetSampler().select(features: try Tensor(zeros: [0, 4], on: device))
        }
        #expect(throws: CoresetError.emptySelection(points: 5, ratio: 0.1)) {
            try GreedyCoresetSampler().select(features: try Tensor(zeros: [5, 4], on: device))
        }
        #expect(throws: CoresetError.invalidProjectionDimension(0)) {
            try GreedyCoresetSampler(projectionDimension: 0).select(features: features)
        }
        #expect(throws: CoresetError.invalidProjectionDimension(300)) {
            try GreedyCoresetSampler(projectionDimension: 300).select(features: features)
        }
        #expect(throws: CoresetError.invalidStartCount(0)) {
            try GreedyCoresetSampler(start: .meanDistanceToRandomPoints(count: 0)).select(features: features)
        }
        #expect(throws: CoresetError.self) {
            try GreedyCoresetSampler().select(features: try Tensor(zeros: [30, 4], dtype: .int32, on: device))
        }
        #expect(throws: CoresetError.self) {
            try GreedyCoresetSampler().select(features: try Tensor(zeros: [120], on: device))
        }
        var poisoned = CoresetFixture.uniform(n: 30, depth: 4, seed: 14).values
        poisoned[17] = .nan
        #expect(throws: CoresetError.nonFiniteFeatures) {
            try GreedyCoresetSampler().select(features: try Tensor(poisoned, shape: [30, 4], on: device))
        }
        #expect(CoresetError.invalidRatio(0).description.contains("(0, 1]"))
    }
}
