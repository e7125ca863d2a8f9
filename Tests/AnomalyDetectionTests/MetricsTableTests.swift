@testable import AnomalyDetection
import Foundation
import Testing

@Suite struct MetricsTableTests {
    static let settings = EvaluationSettings(evaluationWidth: 224, evaluationHeight: 224,
                                             resizing: "Resize(256) + CenterCrop(224), masks nearest",
                                             maskBinarization: .nonZero, notes: ["dataset": "MVTec AD", "backbone": "WRN50"])

    static let table = MetricsTable(title: "PatchCore, fractal pre-training", settings: settings, rows: [
        CategoryMetrics(category: "bottle", imageAUROC: 1, pixelAUROC: 0.98164, aupro: 0.9449, imageF1Max: 0.99206,
                        pixelF1Max: 0.75, normalImageCount: 20, anomalousImageCount: 63, auIoU: 0.5),
        CategoryMetrics(category: "cable", imageAUROC: 0.9875, pixelAUROC: 0.9849, aupro: 0.9101, imageF1Max: 0.96,
                        pixelF1Max: 0.6, normalImageCount: 58, anomalousImageCount: 92, auIoU: 0.25),
        CategoryMetrics(category: "grid, \"odd\" | name", imageAUROC: 0.5, pixelAUROC: nil, aupro: nil, imageF1Max: 0.25,
                        pixelF1Max: nil, normalImageCount: 21, anomalousImageCount: 57),
    ])

    @Test func meanRowAveragesCompleteColumnsAndSumsCounts() {
        let mean = Self.table.meanRow
        expectNear(try! #require(mean.imageAUROC), (1 + 0.9875 + 0.5) / 3, 1e-15, "image AUROC mean")
        expectNear(try! #require(mean.imageF1Max), (0.99206 + 0.96 + 0.25) / 3, 1e-15, "image F1 mean")
        #expect(mean.pixelAUROC == nil && mean.aupro == nil && mean.auIoU == nil && mean.pixelF1Max == nil)
        #expect(mean.normalImageCount == 99 && mean.anomalousImageCount == 212)
    }

    @Test func markdownLikeTheSeedPaper() throws {
        let text = String(decoding: try Self.table.rendered(.markdown), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "## PatchCore, fractal pre-training")
        #expect(lines[2] == "Evaluated at 224×224 (Resize(256) + CenterCrop(224), masks nearest); pixel metrics over all "
                + "test images; AUPRO and AU-IoU integrated to FPR 0.3; masks: non-zero is anomalous. backbone: WRN50. dataset: MVTec AD.")
        #expect(lines[4] == "| Category | Image AUROC | Pixel AUROC | AUPRO | AU-IoU | Image F1-max | Pixel F1-max | Normal images | Anomalous images |")
        #expect(lines[5] == "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        #expect(lines[6] == "| bottle | 100.0 | 98.2 | 94.5 | 50.0 | 99.2 | 75.0 | 20 | 63 |")
        #expect(lines[8] == "| grid, \"odd\" \\| name | 50.0 | – | – | – | 25.0 | – | 21 | 57 |")
        #expect(lines[9] == "| **Mean** | 82.9 | – | – | – | 73.4 | – | 99 | 212 |")
        #expect(lines.count == 11 && lines[10].isEmpty)
    }

    @Test func csvAtFullPrecision() throws {
        let lines = String(decoding: try Self.table.rendered(.csv), as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines[0] == "category,image_auroc,pixel_auroc,aupro,au_iou,image_f1_max,pixel_f1_max,normal_images,anomalous_images")
        #expect(lines[1] == "bottle,1.0,0.98164,0.9449,0.5,0.99206,0.75,20,63")
        #expect(lines[3] == "\"grid, \"\"odd\"\" | name\",0.5,,,,0.25,,21,57")
        #expect(lines[4].hasPrefix("Mean,0.829166666666666"))
        #expect(lines.count == 5)
    }

    @Test func jsonRecordsSettingsAndRoundTrips() throws {
        let data = try Self.table.rendered(.json)
        #expect(try MetricsTable(json: data) == Self.table)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let settings = try #require(object["settings"] as? [String: Any])
        #expect(settings["evaluationWidth"] as? Int == 224 && settings["pixelSubset"] as? String == "all-images")
        #expect(settings["proIntegrationLimit"] as? Double == 0.3)
        let mean = try #require(object["mean"] as? [String: Any])
        #expect(mean["category"] as? String == "Mean" && mean["normalImageCount"] as? Int == 99)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 3 && rows[2]["aupro"] is NSNull)
    }

    @Test func rowFromEvaluations() throws {
        let image = try ImageEvaluation(scores: [0.9, 0.8, 0.8, 0.8, 0.5, 0.3], labels: [true, true, false, true, false, false])
        let map = try ScoreMap(width: 4, height: 4, scores: PixelEvaluationTests.handScores)
        let mask = try GroundTruthMask(width: 4, height: 4, values: PixelEvaluationTests.handMask, rule: .strict)
        let pixel = try PixelEvaluation(maps: [map], masks: [mask]).allImages
        let row = CategoryMetrics(category: "hand", image: image, pixel: pixel)
        #expect(row.imageAUROC == image.auroc && row.pixelAUROC == pixel.auroc && row.aupro == pixel.aupro.value)
        #expect(row.auIoU == pixel.auIoU.value)
        #expect(row.imageF1Max == image.f1Max.value && row.pixelF1Max == pixel.f1Max.value)
        #expect(row.normalImageCount == 3 && row.anomalousImageCount == 3)
    }

    @Test func writesAtomicallyAndReplaces() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("results.json")
        try Data("old".utf8).write(to: url)
        for format in ReportFormat.allCases {
            let target = format == .json ? url : directory.appendingPathComponent("results.\(format.rawValue)")
            try Self.table.write(format, to: target)
            #expect(try Data(contentsOf: target) == Self.table.rendered(format))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                == ["results.csv", "results.json", "results.md"])
    }

    @Test func failedWritesLeaveNothingBehind() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The destination is a non-empty folder: the rename fails after the temporary file was written.
        let occupied = directory.appendingPathComponent("table.md")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
        try Data().write(to: occupied.appendingPathComponent("keep"))
        #expect(throws: MetricsError.self) { try Self.table.write(.markdown, to: occupied) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["table.md"])
        // A missing folder: nothing can be created.
        let missing = directory.appendingPathComponent("absent/table.csv")
        do {
            try Self.table.write(.csv, to: missing)
            Issue.record("write into a missing folder succeeded")
        } catch let MetricsError.fileWriteFailed(path, reason) {
            #expect(path == missing.path && reason.contains(missing.path))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("absent").path))
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-table-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        return url
    }
}
