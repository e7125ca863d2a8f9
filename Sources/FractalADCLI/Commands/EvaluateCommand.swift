import AnomalyDetection
import Compute
import Foundation
import Imaging

/// `fractalad evaluate`: a detector on every category of an MVTec AD or VisA folder, with the paper's metrics.
enum EvaluateCommand: Command {
    static let name = "evaluate"
    static let summary = "fit and test a detector (PatchCore by default) per category of an MVTec AD / VisA folder; write the metrics table and heat maps (a rerun keeps finished categories)"
    static let synopsis = "--dataset mvtec|visa --root DIR [--method M] [--backbone FILE] [--categories a,b] [--out DIR] [options]"
    static let options: [OptionSpec] = [
        .value("dataset", "KIND", "mvtec (any folder in MVTec AD layout) or visa (required)"),
        .value("root", "DIR", "dataset root (required)"),
        .value("categories", "LIST", "comma-separated categories (default: all)"),
        .value("out", "DIR", "results folder (default ./fractalad-results)"),
        .flag("no-heatmaps", "skip the per-image heat-map panels"),
        .flag("save-models", "also write each category's model file"),
        DetectorOptions.method,
    ] + PatchCoreOptions.backbone + PatchCoreOptions.settings + DetectorOptions.settings + RefinementOptions.options
        + [CommonOptions.device, CommonOptions.verbose]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let format: InspectionDatasetFormat = try arguments.choice("dataset", default: .mvtec)
        guard arguments.string("dataset") != nil else { throw UsageError("--dataset is required") }
        let root = URL(fileURLWithPath: try arguments.required("root"))
        let out = URL(fileURLWithPath: arguments.string("out") ?? "fractalad-results")
        let only = try arguments.list("categories")
        let device = try CommonOptions.device(arguments, console)
        let refinement = try RefinementOptions.option(arguments, device: device)
        let detector = try DetectorOptions.detector(arguments, device: device)
        let categories = try InspectionDataset.categories(root: root, format: format, only: only)
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancellation, console: console)
        let table = try evaluate(detector, categories: categories,
                                 datasetName: "\(format.rawValue) \(root.lastPathComponent)", out: out,
                                 heatMaps: !arguments.flag("no-heatmaps"), saveModels: arguments.flag("save-models"),
                                 refinement: refinement, cancellation: cancellation, console: console)
        if cancellation.isCancelled {
            console.note("stopped after \(table.rows.count) of \(categories.count) categories; rerun the same command "
                + "to continue")
            return 130
        }
        console.print(String(decoding: try table.rendered(.markdown), as: UTF8.self))
        console.print("results: \(out.path)/results.{md,csv,json}")
        return 0
    }

    private static func evaluate<Detector: AnomalyDetector>(
        _ detector: Detector, categories: [InspectionCategory], datasetName: String, out: URL, heatMaps: Bool,
        saveModels: Bool, refinement: RefinementOption?, cancellation: CancellationFlag, console: Console) throws
        -> MetricsTable {
        try DetectorRun(detector: detector, console: console, cancellation: cancellation, refinement: refinement).evaluate(
            categories, datasetName: datasetName, out: out, heatMaps: heatMaps, saveModels: saveModels)
    }
}

/// Evaluates categories one after another and writes the tables; shared by `evaluate` and `demo`. A cancellation
/// stops it within the current batch or coreset step; the finished categories are kept for the next run, the
/// interrupted one is computed again.
struct DetectorRun<Detector: AnomalyDetector> {
    let detector: Detector
    let console: Console
    var cancellation = CancellationFlag()
    /// Refinement of each category's training images (`--refine`), or nil.
    var refinement: RefinementOption?

    func evaluate(_ categories: [InspectionCategory], datasetName: String, out: URL, heatMaps: Bool,
                  saveModels: Bool) throws -> MetricsTable {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var cancellable = detector
        cancellable.cancellation = cancellation
        var refinement = self.refinement
        refinement?.refiner?.cancellation = cancellation
        let evaluation = DetectorEvaluation(detector: cancellable,
                                             heatMaps: heatMaps ? out.appending(path: "heatmaps") : nil,
                                             refinement: refinement)
        let finished = out.appending(path: "categories")
        try FileManager.default.createDirectory(at: finished, withIntermediateDirectories: true)
        let fingerprint = try runFingerprint()
        var rows: [CategoryMetrics] = []
        for category in categories where !cancellation.isCancelled {
            // A rerun with the same settings keeps the categories an earlier (interrupted) run finished.
            let saved = finished.appending(path: "\(category.name).json")
            if let data = try? Data(contentsOf: saved), let done = try? JSONDecoder().decode(FinishedCategory.self, from: data),
               done.fingerprint == fingerprint, !saveModels {
                console.note("\(category.name): kept from an earlier run (\(saved.path))")
                rows.append(done.metrics)
                continue
            }
            let display = ProgressDisplay(console, label: category.name, unit: "images")
            let metrics: CategoryMetrics, model: Detector.Model
            do {
                (metrics, model) = try evaluation.evaluate(category) { phase, done, total in
                    display.update(done: done, total: total, force: done == total && phase == "fit")
                }
            } catch is CancellationError {
                display.finish()
                break
            }
            rows.append(metrics)
            if saveModels { try model.write(to: out.appending(path: "\(category.name).\(Detector.method.rawValue)")) }
            try AtomicFile.write(try JSONEncoder().encode(FinishedCategory(fingerprint: fingerprint, metrics: metrics)),
                                 to: saved)
        }
        let settings = detector.settings
        let backbone = detector.extractor.reference
        let side = settings.preprocessing.outputSide
        let resizing = settings.preprocessing.keepAspect
            ? "Resize(\(settings.preprocessing.resize))" + (settings.preprocessing.crop.map { " + CenterCrop(\($0))" } ?? "")
            : "Resize((\(settings.preprocessing.resize), \(settings.preprocessing.resize)))"
        let table = MetricsTable(
            title: "\(Detector.method.title) on \(datasetName)",
            settings: EvaluationSettings(
                evaluationWidth: side, evaluationHeight: side, resizing: resizing + ", masks nearest",
                maskBinarization: .nonZero,
                notes: settings.notes.merging(["method": Detector.method.rawValue,
                                               "backbone": backbone.checkpoint ?? "random \(backbone.architecture)"]
                                                  .merging(refinement.map { ["refinement": $0.description] } ?? [:]) { $1 })
                    { $1 }),
            rows: rows)
        // An interrupted run writes no table: results files always cover every category asked for.
        if !cancellation.isCancelled {
            for format in ReportFormat.allCases {
                try table.write(format, to: out.appending(path: "results.\(format.rawValue)"))
            }
        }
        return table
    }

    /// One category's result as kept between runs.
    private struct FinishedCategory: Codable {
        var fingerprint: String
        var metrics: CategoryMetrics
    }

    /// The settings and backbone that determine a category's numbers.
    private func runFingerprint() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let settings = String(decoding: try encoder.encode(detector.settings), as: UTF8.self)
        let backbone = String(decoding: try encoder.encode(detector.extractor.reference), as: UTF8.self)
        return Detector.method.rawValue + settings + backbone + (refinement.map { "|refined \($0.description)" } ?? "")
    }
}
