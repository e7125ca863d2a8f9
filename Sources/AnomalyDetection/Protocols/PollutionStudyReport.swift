import Foundation
import Imaging

/// A mean and (population) standard deviation over seeds.
public struct MeanStd: Sendable, Codable, Equatable {
    public var mean: Double
    public var std: Double

    /// nil for no values.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        self.mean = mean
        std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
    }
}

/// One line of the study's summary: a method at one pollution and refinement ratio, averaged over categories per
/// seed, then mean ± std over seeds (as seed 002 reports its five seeds).
public struct PollutionSummaryRow: Sendable, Codable, Equatable {
    public var method: String
    public var pollution: Double
    /// nil for the perfect refinement.
    public var refinement: Double?
    public var seeds: Int
    public var imageAUROC: MeanStd?
    public var pixelAUROC: MeanStd?
    public var aupro: MeanStd?
    /// AU-IoU to 30 % FPR (seed 002).
    public var auIoU: MeanStd?
    public var precision: MeanStd?
    public var recall: MeanStd?
    public var f1: MeanStd?
}

/// The cells of a pollution study and their summary tables (Markdown, CSV, JSON) and figure (PNG).
public struct PollutionStudyReport: Sendable, Codable {
    public var title: String
    /// Backbone and settings notes for the header.
    public var notes: [String: String]
    public var plan: PollutionStudyPlan
    /// Categories studied, in order.
    public var categories: [String]
    /// Categories left out, with the reason (too few defects for the pollution set).
    public var skipped: [String: String]
    /// Every cell, by category.
    public var cells: [String: [PollutionCell]]
    public var summary: [PollutionSummaryRow]

    public init(title: String, notes: [String: String], plan: PollutionStudyPlan, skipped: [String: String],
                cells: [(category: String, cells: [PollutionCell])]) {
        self.title = title
        self.notes = notes
        self.plan = plan
        self.skipped = skipped
        categories = cells.map(\.category)
        self.cells = Dictionary(cells.map { ($0.category, $0.cells) }, uniquingKeysWith: { $1 })
        summary = Self.summarise(cells.flatMap(\.cells), plan: plan)
    }

    static func summarise(_ cells: [PollutionCell], plan: PollutionStudyPlan) -> [PollutionSummaryRow] {
        let methods = cells.map(\.method).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var rows: [PollutionSummaryRow] = []
        for method in methods {
            for pollution in plan.pollutionRatios {
                for refinement in plan.refinementRatios.map(Optional.some) + (pollution > 0 ? [nil] : []) {
                    let matching = cells.filter {
                        $0.method == method && $0.key.pollution == pollution && $0.key.refinement == refinement
                    }
                    let bySeed = Dictionary(grouping: matching, by: \.key.seed).sorted { $0.key < $1.key }.map(\.value)
                    guard !bySeed.isEmpty else { continue }
                    func stat(_ value: (PollutionCell) -> Double?) -> MeanStd? {
                        MeanStd(bySeed.compactMap { seedCells in
                            let values = seedCells.compactMap(value)
                            return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
                        })
                    }
                    rows.append(PollutionSummaryRow(
                        method: method, pollution: pollution, refinement: refinement, seeds: bySeed.count,
                        imageAUROC: stat { $0.metrics.imageAUROC }, pixelAUROC: stat { $0.metrics.pixelAUROC },
                        aupro: stat { $0.metrics.aupro }, auIoU: stat { $0.metrics.auIoU }, precision: stat { $0.quality?.precision },
                        recall: stat { $0.quality?.recall }, f1: stat { $0.quality?.f1 }))
                }
            }
        }
        return rows
    }

    /// The highest pollution ratio above 0: where the refinement table and figure are drawn (seed 002: 20 %).
    var refinementPollution: Double? { plan.pollutionRatios.last(where: { $0 > 0 }) }

    public func markdown() -> String {
        var lines = ["# \(title)", ""]
        lines.append("- " + notes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "))
        lines.append("- strategy: \(plan.strategy), ranked by \(plan.refineWith ?? "each method itself"); seeds: "
            + "\(plan.seeds); pollution set: \(Int(plan.poolFraction * 100)) % of the training set")
        lines.append("- categories: " + categories.joined(separator: ", "))
        for (category, reason) in skipped.sorted(by: { $0.key < $1.key }) { lines.append("- skipped \(category): \(reason)") }
        lines += ["", "Cells: image-level and pixel metrics on the test set without the pollution set, mean over "
            + "categories per seed, then mean ± std over seeds (%).", "",
            "## Robustness to pollution (no refinement)", "",
            "| Method | Pollution | Image AUROC | Pixel AUROC | AUPRO | AU-IoU |", "|---|---:|---:|---:|---:|---:|"]
        for row in summary where row.refinement == 0 {
            lines.append("| \(row.method) | \(percentText(row.pollution)) | \(cell(row.imageAUROC)) | \(cell(row.pixelAUROC)) | \(cell(row.aupro)) | \(cell(row.auIoU)) |")
        }
        if let pollution = refinementPollution {
            lines += ["", "## Refinement at \(percentText(pollution)) pollution", "",
                      "| Method | Refinement | Image AUROC | Pixel AUROC | AUPRO | AU-IoU | Precision | Recall | F1 |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
            for row in summary where row.pollution == pollution {
                let ratio = row.refinement.map(percentText) ?? "perfect"
                lines.append("| \(row.method) | \(ratio) | \(cell(row.imageAUROC)) | \(cell(row.pixelAUROC)) | "
                    + "\(cell(row.aupro)) | \(cell(row.auIoU)) | \(cell(row.precision)) | \(cell(row.recall)) | \(cell(row.f1)) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func csv() -> String {
        let metrics: [(String, (PollutionSummaryRow) -> MeanStd?)] = [
            ("image_auroc", \.imageAUROC), ("pixel_auroc", \.pixelAUROC), ("aupro", \.aupro), ("au_iou", \.auIoU),
            ("precision", \.precision), ("recall", \.recall), ("f1", \.f1),
        ]
        var lines = [(["method", "pollution", "refinement", "seeds"]
            + metrics.flatMap { ["\($0.0)_mean", "\($0.0)_std"] }).joined(separator: ",")]
        for row in summary {
            let values = metrics.flatMap { metric -> [String] in
                guard let value = metric.1(row) else { return ["", ""] }
                return [String(format: "%.6f", value.mean), String(format: "%.6f", value.std)]
            }
            lines.append(([row.method, ratioText(row.pollution), row.refinement.map(ratioText) ?? "perfect", "\(row.seeds)"]
                + values).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Seed 002's Figure 4: image AUROC against the refinement ratio at the highest pollution ratio, one line per
    /// method with ± std bars, and a dashed line per method for its perfect refinement. nil without a polluted
    /// ratio or with a single refinement ratio.
    public func figure() throws -> ByteImage? {
        guard let pollution = refinementPollution, plan.refinementRatios.count > 1 else { return nil }
        var series: [LineChart.Series] = []
        let methods = summary.map(\.method).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for (index, method) in methods.enumerated() {
            let rows = summary.filter { $0.method == method && $0.pollution == pollution }
            let points = rows.compactMap { row -> LineChart.Point? in
                guard let ratio = row.refinement, let auc = row.imageAUROC else { return nil }
                return LineChart.Point(x: ratio * 100, y: auc.mean * 100, error: auc.std * 100)
            }
            guard !points.isEmpty else { continue }
            series.append(.init(name: method, points: points, colour: index))
            if let perfect = rows.first(where: { $0.refinement == nil })?.imageAUROC {
                series.append(.init(name: "\(method) perfect",
                                    points: [plan.refinementRatios.first!, plan.refinementRatios.last!].map {
                                        LineChart.Point(x: $0 * 100, y: perfect.mean * 100)
                                    }, dashed: true, colour: index))
            }
        }
        guard !series.isEmpty else { return nil }
        return try LineChart(title: "Image AUROC against refinement ratio at \(percentText(pollution)) pollution",
                             xLabel: "refinement ratio (%)", yLabel: "image AUROC (%)", series: series).render()
    }

    /// Writes `results.md`, `results.csv`, `results.json` and, where drawn, `refinement.png` into `folder`.
    public func write(to folder: URL) throws {
        try AtomicFile.write(Data(markdown().utf8), to: folder.appending(path: "results.md"))
        try AtomicFile.write(Data(csv().utf8), to: folder.appending(path: "results.csv"))
        try AtomicFile.write(try json(), to: folder.appending(path: "results.json"))
        if let figure = try figure() { try PNG.write(figure, to: folder.appending(path: "refinement.png")) }
    }
}

private func cell(_ value: MeanStd?) -> String {
    value.map { String(format: "%.1f ± %.1f", $0.mean * 100, $0.std * 100) } ?? "–"
}

private func percentText(_ ratio: Double) -> String { String(format: "%g %%", ratio * 100) }
