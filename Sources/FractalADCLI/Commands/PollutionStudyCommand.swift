import AnomalyDetection
import Compute
import Foundation
import Imaging

/// `fractalad pollution-study`: seed 002's experiment on an MVTec AD / VisA folder — detectors fitted on polluted
/// training sets, refined, and tested — with its tables and figure.
enum PollutionStudyCommand: Command {
    static let name = "pollution-study"
    static let summary = "fit detectors on polluted training sets, refine them (SROC, random, cross-validation, STOC) and test; write seed 002's tables and figure (a rerun keeps finished cells)"
    static let synopsis = "--dataset mvtec|visa --root DIR [--methods a,b] [--pollution LIST] [--refinement LIST] [--seeds N] [--out DIR] [options]"
    static let options: [OptionSpec] = [
        .value("dataset", "KIND", "mvtec or visa (required)"),
        .value("root", "DIR", "dataset root (required)"),
        .value("categories", "LIST", "comma-separated categories (default: all)"),
        .value("methods", "LIST", "detectors to study: " + DetectionMethod.allCases.map(\.rawValue).joined(separator: ",")
            + " (default: all)"),
        .value("pollution", "LIST", "pollution ratios in [0, 0.2] (default 0,0.1,0.2)"),
        .value("refinement", "LIST", "refinement ratios in [0, 1) (default 0,0.1,0.2,0.3,0.4)"),
        .value("seeds", "N", "pollution draws per cell, reported as mean ± std (default 5)"),
        .value("strategy", "S", "sroc|random|cross-validation|stoc (default sroc)"),
        .value("refine-with", "M", "rank training images with this method instead of each method itself"),
        .value("out", "DIR", "results folder (default ./fractalad-pollution)"),
    ] + PatchCoreOptions.backbone + PatchCoreOptions.settings + DetectorOptions.settings
        + [CommonOptions.device, CommonOptions.verbose]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let format: InspectionDatasetFormat = try arguments.choice("dataset", default: .mvtec)
        guard arguments.string("dataset") != nil else { throw UsageError("--dataset is required") }
        let root = URL(fileURLWithPath: try arguments.required("root"))
        let out = URL(fileURLWithPath: arguments.string("out") ?? "fractalad-pollution")
        let methods = try (arguments.list("methods") ?? DetectionMethod.allCases.map(\.rawValue)).map(method)
        let refineWith = try arguments.string("refine-with").map(method)
        let plan: PollutionStudyPlan
        do {
            plan = try PollutionStudyPlan(
                pollutionRatios: try ratios(arguments, "pollution") ?? [0, 0.1, 0.2],
                refinementRatios: try ratios(arguments, "refinement") ?? [0, 0.1, 0.2, 0.3, 0.4],
                seeds: try arguments.int("seeds", default: 5, in: 1...100)!,
                strategy: arguments.string("strategy") ?? "sroc", refineWith: refineWith?.rawValue)
        } catch let error as ProtocolError {
            throw UsageError(error.message)
        }
        let categories = try InspectionDataset.categories(root: root, format: format, only: try arguments.list("categories"))
        let device = try CommonOptions.device(arguments, console)
        let detectors = try methods.map { try DetectorOptions.detector($0, arguments, device: device) }
        let refiner = try refineWith.map { try DetectorOptions.detector($0, arguments, device: device) }
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancellation, console: console)
        let study = PollutionStudyRun(plan: plan, out: out, console: console, cancellation: cancellation)
        let report = try study.run(categories, detectors: detectors, refiner: refiner,
                                   datasetName: "\(format.rawValue) \(root.lastPathComponent)")
        guard let report else {
            console.note("stopped; finished cells are kept in \(out.path)/cells — rerun the same command to continue")
            return 130
        }
        console.print(report.markdown())
        console.print("results: \(out.path)/results.{md,csv,json}" + (try report.figure() != nil ? ", refinement.png" : ""))
        return 0
    }

    static func method(_ name: String) throws -> DetectionMethod {
        guard let method = DetectionMethod(rawValue: name) else {
            throw UsageError("unknown method '\(name)'; use " + DetectionMethod.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return method
    }

    static func ratios(_ arguments: Arguments, _ name: String) throws -> [Double]? {
        try arguments.list(name)?.map { text in
            guard let value = Double(text), value.isFinite else { throw UsageError("--\(name): '\(text)' is not a number") }
            return value
        }
    }
}

/// Runs the study's cells category by category, saving each finished cell so that an interrupted run resumes.
struct PollutionStudyRun {
    let plan: PollutionStudyPlan
    let out: URL
    let console: Console
    let cancellation: CancellationFlag

    /// The report, or nil when cancelled.
    func run(_ categories: [InspectionCategory], detectors: [any AnomalyDetector], refiner: (any AnomalyDetector)?,
             datasetName: String) throws -> PollutionStudyReport? {
        var skipped: [String: String] = [:], results: [(category: String, cells: [PollutionCell])] = []
        for category in categories {
            do {
                _ = try PollutionProtocol(ratio: 0, poolFraction: plan.poolFraction, seed: 0).apply(to: category)
            } catch let error as ProtocolError {
                console.note("skipping \(category.name): \(error.message)")
                skipped[category.name] = error.message
                continue
            }
            var cells: [PollutionCell] = []
            var scorers: (([InspectionSample]) -> any RefinementScorer)?
            do {
                for detector in detectors {
                    cells += try study(category, detector: detector) {
                        if scorers == nil, let refiner {
                            let display = ProgressDisplay(console, label: "\(category.name) refiner features",
                                                          unit: "images")
                            scorers = try refiner.refinementScorers(for: category, cancellation: cancellation) {
                                display.update(done: $0, total: $1)
                            }
                        }
                        return scorers
                    }
                }
            } catch is CancellationError {
                return nil
            }
            results.append((category.name, cells))
        }
        guard !results.isEmpty else {
            throw DatasetError("no category has enough defective test images for a pollution set of "
                + "\(Int(plan.poolFraction * 100)) % of its training set")
        }
        let first = detectors.first
        let notes = ["backbone": first.map { $0.extractor.reference.checkpoint ?? "random \($0.extractor.reference.architecture)" } ?? "–"]
        let report = PollutionStudyReport(title: "Pollution study on \(datasetName)", notes: notes, plan: plan,
                                          skipped: skipped, cells: results)
        try report.write(to: out)
        return report
    }

    /// One method's cells on one category: kept ones from an earlier run, the rest computed on features extracted
    /// once (only when a cell is missing).
    private func study<Detector: AnomalyDetector>(
        _ category: InspectionCategory, detector: Detector,
        refiner: () throws -> (([InspectionSample]) -> any RefinementScorer)?) throws -> [PollutionCell] {
        var detector = detector
        detector.cancellation = cancellation
        let method = Detector.method.rawValue
        let saved = out.appending(path: "cells/\(category.name)/\(method).json")
        let fingerprint = try self.fingerprint(detector)
        var finished: [String: PollutionCell] = [:]
        if let data = try? Data(contentsOf: saved), let file = try? JSONDecoder().decode(CellFile.self, from: data),
           file.fingerprint == fingerprint {
            finished = file.cells
        }
        let missing = plan.cells.filter { finished[$0.description] == nil }
        if !missing.isEmpty {
            try FileManager.default.createDirectory(at: saved.deletingLastPathComponent(), withIntermediateDirectories: true)
            let embedding = ProgressDisplay(console, label: "\(category.name) \(method) features", unit: "images")
            let embedded = try EmbeddedCategory(detector: detector, category: category) {
                embedding.update(done: $0, total: $1)
            }
            let runner = PollutionStudyRunner(plan: plan, embedded: embedded, refiner: try refiner())
            let display = ProgressDisplay(console, label: "\(category.name) \(method)", unit: "cells")
            let total = plan.cells.count
            for (index, key) in missing.enumerated() {
                finished[key.description] = try runner.run(key)
                try AtomicFile.write(try JSONEncoder().encode(CellFile(fingerprint: fingerprint, cells: finished)),
                                     to: saved)
                display.update(done: total - missing.count + index + 1, total: total, skipped: total - missing.count)
            }
        } else {
            console.note("\(category.name) \(method): all \(plan.cells.count) cells kept from an earlier run")
        }
        return plan.cells.map { finished[$0.description]! }
    }

    /// What determines a cell's numbers besides its key: the method's settings, the backbone, and the plan's
    /// strategy, refiner and pollution-set size.
    private func fingerprint<Detector: AnomalyDetector>(_ detector: Detector) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let settings = String(decoding: try encoder.encode(detector.settings), as: UTF8.self)
        let backbone = String(decoding: try encoder.encode(detector.extractor.reference), as: UTF8.self)
        return [Detector.method.rawValue, settings, backbone, plan.strategy, plan.refineWith ?? "-",
                "\(plan.poolFraction)"].joined(separator: "|")
    }

    private struct CellFile: Codable {
        var fingerprint: String
        var cells: [String: PollutionCell]
    }
}
