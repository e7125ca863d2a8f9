@testable import AnomalyDetection
import Foundation
import Testing

@Suite struct PollutionProtocolTests {
    /// A category with `train` good images and the given defect counts in its test set (plus 10 good test images).
    static func category(train: Int, defects: [String: Int]) -> InspectionCategory {
        func sample(_ path: String, _ defect: String) -> InspectionSample {
            InspectionSample(image: URL(filePath: "/data/\(path).png"), mask: defect == "good" ? nil : URL(filePath: "/m/\(path).png"),
                             isAnomalous: defect != "good", defect: defect)
        }
        let trainSamples = (0..<train).map { sample("train/good/\($0)", "good") }
        var test = (0..<10).map { sample("test/good/\($0)", "good") }
        for (defect, count) in defects.sorted(by: { $0.key < $1.key }) {
            test += (0..<count).map { sample("test/\(defect)/\($0)", defect) }
        }
        return InspectionCategory(name: "widget", train: trainSamples, test: test)
    }

    static let widget = category(train: 100, defects: ["crack": 30, "hole": 12, "scratch": 18])

    /// The pollution set is 20 % of N, apportioned to defect types as in the test set (30:12:18 of 20 → 10:4:6), and
    /// removed from the test set; the training set keeps its size with exactly p·N defective images.
    @Test func thePollutionSetIsStratifiedAndLeavesTheTestSet() throws {
        let polluted = try PollutionProtocol(ratio: 0.15, seed: 3).apply(to: Self.widget)
        let counts = Dictionary(grouping: polluted.pollutionSet, by: \.defect).mapValues(\.count)
        #expect(counts == ["crack": 10, "hole": 4, "scratch": 6])
        let test = Set(polluted.category.test.map(\.image))
        #expect(polluted.pollutionSet.allSatisfy { !test.contains($0.image) })
        #expect(polluted.category.test.count == Self.widget.test.count - 20)
        #expect(polluted.category.test.filter { !$0.isAnomalous }.count == 10)
        #expect(polluted.category.train.count == 100)
        #expect(polluted.isPolluted.filter { $0 }.count == 15)
        for (sample, isPolluted) in zip(polluted.category.train, polluted.isPolluted) {
            #expect(sample.isAnomalous == isPolluted)
            if isPolluted { #expect(polluted.pollutionSet.contains(sample)) }
        }
        #expect(Set(polluted.category.train.map(\.image)).count == 100)
    }

    /// The same seed gives the same draw; another seed another; a higher ratio replaces a superset of the images a
    /// lower one replaced, from the same pollution set.
    @Test func drawsAreSeededAndNested() throws {
        let low = try PollutionProtocol(ratio: 0.05, seed: 9).apply(to: Self.widget)
        let high = try PollutionProtocol(ratio: 0.2, seed: 9).apply(to: Self.widget)
        let again = try PollutionProtocol(ratio: 0.05, seed: 9).apply(to: Self.widget)
        let other = try PollutionProtocol(ratio: 0.05, seed: 10).apply(to: Self.widget)
        #expect(low.category.train == again.category.train)
        #expect(low.category.train != other.category.train)
        #expect(low.pollutionSet == high.pollutionSet)
        #expect(low.category.test == high.category.test)
        for index in low.isPolluted.indices where low.isPolluted[index] {
            #expect(high.isPolluted[index])
            #expect(high.category.train[index] == low.category.train[index])
        }
        let clean = try PollutionProtocol(ratio: 0, seed: 9).apply(to: Self.widget)
        #expect(clean.category.train == Self.widget.train)
    }

    /// Seed 002 drops categories whose defects cannot fill the pollution set and still leave some to test; ratios
    /// beyond the pollution set are refused.
    @Test func badSettingsAndTooFewDefectsAreClearErrors() throws {
        let scarce = Self.category(train: 391, defects: ["crack": 18, "cut": 17, "hole": 18, "print": 17])
        #expect(throws: ProtocolError.self) { try PollutionProtocol(ratio: 0.1, seed: 0).apply(to: scarce) }
        do {
            _ = try PollutionProtocol(ratio: 0.1, seed: 0).apply(to: scarce)
        } catch let error as ProtocolError {
            #expect(error.message.contains("widget") && error.message.contains("70 defective"))
        }
        #expect(throws: ProtocolError.self) { try PollutionProtocol(ratio: 0.25, seed: 0) }
        #expect(throws: ProtocolError.self) { try PollutionProtocol(ratio: -0.01, seed: 0) }
        #expect(throws: ProtocolError.self) { try PollutionProtocol(ratio: 0.1, poolFraction: 1, seed: 0) }
    }
}
