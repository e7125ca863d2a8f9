import Compute
import Foundation

/// The polluted training sets of seed 002 (Cordier et al., "Data refinement for fully unsupervised visual inspection
/// using pre-trained networks", §4.1, after STOC, Yoon et al. 2022).
///
/// For each category a *pollution set* of defective test images, `poolFraction` (20 %) of the training-set size, is
/// drawn stratified by defect type and removed from the test set. Then `ratio · N` random training images are
/// replaced by random images of the pollution set, so the training set keeps its size `N`. For one seed the draws
/// are nested: a higher ratio replaces a superset of the images a lower one replaced, as the paper's five seeds are
/// "the same for all pollution and refinement ratios".
public struct PollutionProtocol: Sendable, Equatable {
    /// Pollution ratio `p` in [0, `poolFraction`]: the fraction of training images replaced by defective ones.
    public var ratio: Double
    /// The pollution set's size as a fraction of the training-set size (0.2 in seed 002).
    public var poolFraction: Double
    public var seed: UInt64

    public init(ratio: Double, poolFraction: Double = 0.2, seed: UInt64) throws {
        guard poolFraction > 0, poolFraction < 1 else {
            throw ProtocolError("the pollution set fraction must lie in (0, 1), not \(poolFraction)")
        }
        guard ratio >= 0, ratio <= poolFraction else {
            throw ProtocolError("the pollution ratio must lie in [0, \(poolFraction)] (the pollution set's size), not \(ratio)")
        }
        self.ratio = ratio
        self.poolFraction = poolFraction
        self.seed = seed
    }

    /// The polluted category: training images with `ratio · N` of them defective, and the test set without the
    /// pollution set.
    /// - Throws: ``ProtocolError`` when the category's defective test images could not fill the pollution set and
    ///   still leave one for testing (seed 002 drops hazelnut and transistor for this reason).
    public func apply(to category: InspectionCategory) throws -> PollutedCategory {
        let trainCount = category.train.count
        let poolSize = Int((poolFraction * Double(trainCount)).rounded())
        let defective = category.test.indices.filter { category.test[$0].isAnomalous }
        guard defective.count > poolSize else {
            throw ProtocolError("category \(category.name) has \(defective.count) defective test images; a pollution "
                + "set of \(poolSize) (\(Int(poolFraction * 100)) % of \(trainCount) training images) would leave none "
                + "for testing")
        }
        let pool = stratifiedDraw(from: defective, of: category.test, count: poolSize)
        let replaced = Int((ratio * Double(trainCount)).rounded())
        var random = stream(2)
        let healthyOrder = shuffled(Array(category.train.indices), &random)
        let poolOrder = shuffled(pool, &random)
        var train = category.train
        var polluted = [Bool](repeating: false, count: trainCount)
        for slot in 0..<replaced {
            let position = healthyOrder[slot]
            train[position] = category.test[poolOrder[slot]]
            polluted[position] = true
        }
        let inPool = Set(pool)
        let test = category.test.indices.filter { !inPool.contains($0) }.map { category.test[$0] }
        return PollutedCategory(
            category: InspectionCategory(name: category.name, train: train, test: test),
            isPolluted: polluted, pollutionSet: pool.sorted().map { category.test[$0] })
    }

    /// `count` of the `defective` test indices, apportioned to defect types by their share of the test set (largest
    /// remainders, ties to the earlier type by name) and drawn at random within each type.
    func stratifiedDraw(from defective: [Int], of test: [InspectionSample], count: Int) -> [Int] {
        let byType = Dictionary(grouping: defective) { test[$0].defect }
        let types = byType.keys.sorted()
        let exact = types.map { Double(byType[$0]!.count) * Double(count) / Double(defective.count) }
        var quota = exact.map { Int($0.rounded(.down)) }
        let byRemainder = types.indices.sorted { exact[$0] - Double(quota[$0]) > exact[$1] - Double(quota[$1]) }
        for index in byRemainder.prefix(count - quota.reduce(0, +)) { quota[index] += 1 }
        var random = stream(1)
        return types.indices.flatMap { shuffled(byType[types[$0]]!, &random).prefix(quota[$0]) }
    }

    private func stream(_ purpose: UInt32) -> PhiloxStream {
        PhiloxStream(seed: seed, stream: (0x9011, purpose, 0))
    }
}

/// A category after ``PollutionProtocol/apply(to:)``.
public struct PollutedCategory: Sendable {
    /// The polluted training set (same size as the clean one) and the test set without the pollution set.
    public var category: InspectionCategory
    /// `isPolluted[i]`: training image `i` is a defective image from the pollution set.
    public var isPolluted: [Bool]
    /// Every image of the pollution set, used in training or not; none is in the test set.
    public var pollutionSet: [InspectionSample]
}

/// A seeded Fisher–Yates shuffle on a Philox stream (the same on every machine).
func shuffled<T>(_ values: [T], _ random: inout PhiloxStream) -> [T] {
    var values = values
    for index in stride(from: values.count - 1, to: 0, by: -1) {
        values.swapAt(index, random.integer(in: 0...index))
    }
    return values
}

/// A protocol setting or a dataset that a protocol cannot run on.
public struct ProtocolError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
