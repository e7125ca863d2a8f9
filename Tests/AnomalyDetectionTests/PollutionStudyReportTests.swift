@testable import AnomalyDetection
import Foundation
import Testing

@Suite struct PollutionStudyReportTests {
    static func cell(_ method: String, _ pollution: Double, _ refinement: Double?, seed: Int, auroc: Double,
                     category: String, quality: RefinementQuality? = nil) -> PollutionCell {
        PollutionCell(key: PollutionCellKey(pollution: pollution, refinement: refinement, seed: seed), method: method,
                      metrics: CategoryMetrics(category: category, imageAUROC: auroc, pixelAUROC: nil, aupro: nil,
                                               imageF1Max: nil, pixelF1Max: nil, normalImageCount: 5,
                                               anomalousImageCount: 5),
                      quality: quality)
    }

    /// Per seed the mean over categories, then mean and population std over seeds: seed 0 → (0.8 + 0.6) / 2 = 0.7,
    /// seed 1 → (0.9 + 0.7) / 2 = 0.8; mean 0.75, std 0.05.
    @Test func summaryAveragesCategoriesPerSeedThenSeeds() throws {
        let plan = try PollutionStudyPlan(pollutionRatios: [0.2], refinementRatios: [0, 0.2], seeds: 2)
        let quality = RefinementQuality(removed: 4, polluted: 4, hits: 3)
        let a = [Self.cell("gaussian", 0.2, 0, seed: 0, auroc: 0.8, category: "a"),
                 Self.cell("gaussian", 0.2, 0, seed: 1, auroc: 0.9, category: "a"),
                 Self.cell("gaussian", 0.2, 0.2, seed: 0, auroc: 0.85, category: "a", quality: quality),
                 Self.cell("gaussian", 0.2, nil, seed: 0, auroc: 0.95, category: "a")]
        let b = [Self.cell("gaussian", 0.2, 0, seed: 0, auroc: 0.6, category: "b"),
                 Self.cell("gaussian", 0.2, 0, seed: 1, auroc: 0.7, category: "b")]
        let report = PollutionStudyReport(title: "t", notes: ["backbone": "x"], plan: plan, skipped: ["c": "too few"],
                                          cells: [("a", a), ("b", b)])
        let plain = try #require(report.summary.first { $0.refinement == 0 })
        #expect(plain.seeds == 2)
        #expect(abs(plain.imageAUROC!.mean - 0.75) < 1e-12 && abs(plain.imageAUROC!.std - 0.05) < 1e-12)
        #expect(plain.precision == nil && plain.pixelAUROC == nil)
        let refined = try #require(report.summary.first { $0.refinement == 0.2 })
        #expect(refined.precision?.mean == 0.75 && refined.recall?.mean == 0.75 && refined.seeds == 1)
        #expect(report.summary.contains { $0.refinement == nil && $0.imageAUROC?.mean == 0.95 })
        let markdown = report.markdown()
        #expect(markdown.contains("| gaussian | 20 % | 75.0 ± 5.0 |"))
        #expect(markdown.contains("| gaussian | perfect | 95.0 ± 0.0 |"))
        #expect(markdown.contains("skipped c: too few"))
        let csv = report.csv().split(separator: "\n")
        #expect(csv.count == 4)
        #expect(csv[1].hasPrefix("gaussian,0.20,0.00,2,0.750000,0.050000,"))
        let figure = try #require(try report.figure())
        #expect(figure.width == 960)
        let decoded = try JSONDecoder().decode(PollutionStudyReport.self, from: try report.json())
        #expect(decoded.summary == report.summary)
    }

    /// Seed-major cells; the perfect refinement only where the training set is polluted.
    @Test func planCellsCoverTheGrid() throws {
        let plan = try PollutionStudyPlan(pollutionRatios: [0.2, 0], refinementRatios: [0, 0.1], seeds: 2)
        #expect(plan.pollutionRatios == [0, 0.2])
        #expect(plan.cells.count == 2 * (2 + 3))
        #expect(plan.cells.first?.description == "p0.00-r0.00-s0" && plan.cells.last?.description == "p0.20-perfect-s1")
        #expect(throws: ProtocolError.self) { try PollutionStudyPlan(pollutionRatios: [0.3]) }
        #expect(throws: ProtocolError.self) { try PollutionStudyPlan(refinementRatios: [1]) }
        #expect(throws: ProtocolError.self) { try PollutionStudyPlan(seeds: 0) }
        #expect(throws: ProtocolError.self) { try PollutionStudyPlan(strategy: "magic") }
    }
}
