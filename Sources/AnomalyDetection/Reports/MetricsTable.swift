import Foundation
import Imaging

/// A file format of ``MetricsTable``.
public enum ReportFormat: String, Sendable, CaseIterable {
    /// The seed paper's layout: one row per category and a mean row, metrics in percent with one decimal.
    case markdown = "md"
    /// Fractions at full precision, for scripts; empty cells for missing metrics.
    case csv
    /// Title, ``EvaluationSettings``, rows and the mean row, fractions at full precision, null for missing metrics.
    case json
}

/// Per-category results of one evaluation run and their mean, rendered as Markdown, CSV or JSON.
///
/// The mean row averages each metric over the categories, as the seed paper's "Model Avg" rows do; it is missing
/// (rendered "–") for a metric that some category lacks, since a mean over a subset of categories would not be
/// comparable. Image counts are summed.
public struct MetricsTable: Sendable, Equatable {
    public var title: String
    public var settings: EvaluationSettings
    public var rows: [CategoryMetrics]

    public init(title: String, settings: EvaluationSettings, rows: [CategoryMetrics]) {
        self.title = title
        self.settings = settings
        self.rows = rows
    }

    /// Reads a table written in ``ReportFormat/json``.
    public init(json: Data) throws {
        let document = try JSONDecoder().decode(Document.self, from: json)
        self.init(title: document.title, settings: document.settings, rows: document.rows)
    }

    public var meanRow: CategoryMetrics {
        var mean = CategoryMetrics(category: "Mean", imageAUROC: nil, pixelAUROC: nil, aupro: nil, imageF1Max: nil,
                                   pixelF1Max: nil, normalImageCount: rows.reduce(0) { $0 + $1.normalImageCount },
                                   anomalousImageCount: rows.reduce(0) { $0 + $1.anomalousImageCount })
        for column in CategoryMetrics.metricColumns {
            let values = rows.compactMap { $0[keyPath: column.value] }
            guard !rows.isEmpty, values.count == rows.count else { continue }
            mean[keyPath: column.value] = values.reduce(0, +) / Double(values.count)
        }
        return mean
    }

    public func rendered(_ format: ReportFormat) throws -> Data {
        switch format {
        case .markdown: Data(markdown().utf8)
        case .csv: Data(csv().utf8)
        case .json: try json()
        }
    }

    /// Writes the table in `format` to `url` atomically: a temporary file in the same folder, flushed, then renamed
    /// over `url`; on failure nothing is left behind and an existing file at `url` is untouched.
    /// - Throws: ``MetricsError/fileWriteFailed(path:reason:)``.
    public func write(_ format: ReportFormat, to url: URL) throws {
        do {
            try AtomicFile.write(rendered(format), to: url)
        } catch let error as ImagingError {
            throw MetricsError.fileWriteFailed(path: url.path, reason: error.description)
        }
    }

    func markdown() -> String {
        let titles = ["Category"] + CategoryMetrics.metricColumns.map(\.title) + ["Normal images", "Anomalous images"]
        var lines = ["## \(title)", "", settings.summary, "",
                     "| " + titles.joined(separator: " | ") + " |",
                     "|---" + String(repeating: "|---:", count: titles.count - 1) + "|"]
        func line(_ name: String, _ row: CategoryMetrics) -> String {
            let cells = [name] + CategoryMetrics.metricColumns.map { percent(row[keyPath: $0.value]) }
                + [String(row.normalImageCount), String(row.anomalousImageCount)]
            return "| " + cells.joined(separator: " | ") + " |"
        }
        lines += rows.map { line(escapedMarkdown($0.category), $0) }
        lines.append(line("**Mean**", meanRow))
        return lines.joined(separator: "\n") + "\n"
    }

    func csv() -> String {
        let header = ["category"] + CategoryMetrics.metricColumns.map(\.csvName) + ["normal_images", "anomalous_images"]
        var lines = [header.joined(separator: ",")]
        for row in rows + [meanRow] {
            let cells = [escapedCSV(row.category)] + CategoryMetrics.metricColumns.map { row[keyPath: $0.value].map { "\($0)" } ?? "" }
                + [String(row.normalImageCount), String(row.anomalousImageCount)]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Document(title: title, settings: settings, rows: rows, mean: meanRow))
    }

    /// The JSON layout; `mean` is written for readers and recomputed when reading.
    private struct Document: Codable {
        var title: String
        var settings: EvaluationSettings
        var rows: [CategoryMetrics]
        var mean: CategoryMetrics?
    }
}

/// "98.2" for 0.98164; "–" for a missing value.
private func percent(_ value: Double?) -> String {
    guard let value else { return "–" }
    return String(format: "%.1f", value * 100)
}

/// A category name safe inside a Markdown table cell.
private func escapedMarkdown(_ text: String) -> String {
    text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
}

/// RFC 4180 quoting: fields containing a comma, quote or line break are quoted, quotes doubled.
private func escapedCSV(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
