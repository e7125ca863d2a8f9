import Compute
import Foundation
import Testing
@testable import AnomalyDetection

/// Issue 9 item 6: PatchCore as seed 002 runs it, k = 5 neighbours over an inverted-file index, with its recall
/// against exact search in the model.
@Suite struct PatchCoreIVFTests {
    static func settings(lists: Int?, probes: Int) -> PatchCoreSettings {
        var settings = PatchCoreTests.settings(ratio: 0.5)
        settings.neighbors = 5
        settings.ivf = IVFSettings(lists: lists, probes: probes)
        return settings
    }

    @Test func probingEveryListEqualsExactSearch() throws {
        let fixture = try ImageFolderFixture()
        let train = try (0..<3).map { try fixture.image("train\($0)", seed: $0) }
        let extractor = PoolingExtractor(device: CPUDevice.reference)
        let ivf = try PatchCore(settings: Self.settings(lists: 6, probes: 6), extractor: extractor)
        var exactSettings = Self.settings(lists: 6, probes: 6)
        exactSettings.ivf = nil
        let exact = try PatchCore(settings: exactSettings, extractor: extractor)
        let model = try ivf.fit(train)
        #expect(model.ivfRecall == 1)
        let test = try ivf.prepare([try fixture.image("bad", seed: 9, defect: true)])
        let approximate = try ivf.loaded(model).score(test)[0]
        var exactModel = model
        exactModel.settings = exactSettings
        exactModel.ivfRecall = nil
        let reference = try exact.loaded(exactModel).score(test)[0]
        #expect(approximate.patchScores == reference.patchScores && approximate.score == reference.score)
    }

    @Test func recallIsMeasuredAndKeptInTheModelFile() throws {
        let fixture = try ImageFolderFixture()
        let train = try (0..<3).map { try fixture.image("train\($0)", seed: $0) }
        let patchCore = try PatchCore(settings: Self.settings(lists: nil, probes: 1),
                                      extractor: PoolingExtractor(device: CPUDevice.reference))
        let model = try patchCore.fit(train)
        let recall = try #require(model.ivfRecall)
        #expect(recall > 0 && recall < 1)
        // ⌈√384⌉ = 20 lists for the 384-patch bank, all 768 training patches as queries.
        #expect(model.summary.hasSuffix(String(format: "IVF 20 lists, 1 probes, recall@5 %.3f against exact search "
            + "on 768 training patches", recall)), "\(model.summary)")
        let url = fixture.root.appending(path: "ivf.patchcore")
        try model.write(to: url)
        let read = try PatchCoreModel.read(url)
        #expect(read.ivfRecall == recall && read.settings == model.settings)
        let scores = try patchCore.loaded(read).score(try patchCore.prepare(train))
        #expect(scores.allSatisfy { $0.score.isFinite && $0.score >= 0 })
    }
}
