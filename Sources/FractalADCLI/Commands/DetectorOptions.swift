import AnomalyDetection
import Compute
import Foundation

/// `--method` and the detector it builds from the options, shared by `fit` and `evaluate`.
enum DetectorOptions {
    static let method = OptionSpec.value(
        "method", "M", DetectionMethod.allCases.map(\.rawValue).joined(separator: "|") + " (default patchcore)")

    /// Options of the methods other than PatchCore (whose options are ``PatchCoreOptions/settings``).
    static let settings: [OptionSpec] = [
        .value("features", "D", "padim: channels kept of the stages (default 100 for ≤ 448 channels, else 550)"),
        .value("covariance", "C", "padim: regularized (unbiased + 0.01·I, default) or ledoit-wolf"),
    ]

    /// Options that only one method reads.
    static let methodOptions: [DetectionMethod: Set<String>] = [
        .patchcore: ["preset", "coreset", "index", "lists", "probes"],
        .padim: ["features", "covariance"],
    ]

    /// The detector `--method` names, with its settings from the options and the backbone of `--backbone`/`--arch`.
    static func detector(_ arguments: Arguments, device: any Device) throws -> any AnomalyDetector {
        let method: DetectionMethod = try arguments.choice("method", default: .patchcore)
        for (other, names) in methodOptions where other != method {
            for name in names.sorted() where arguments.string(name) != nil {
                throw UsageError("--\(name) is a \(other.rawValue) option, but --method is \(method.rawValue)")
            }
        }
        return try detector(method, arguments, device: device)
    }

    /// The detector of `method` with its settings from the options and the backbone of `--backbone`/`--arch`.
    static func detector(_ method: DetectionMethod, _ arguments: Arguments, device: any Device) throws
        -> any AnomalyDetector {
        let extractor = try PatchCoreOptions.extractor(arguments, device: device)
        let batch = try PatchCoreOptions.batchSize(arguments)
        do {
            switch method {
            case .patchcore:
                return try PatchCore(settings: try PatchCoreOptions.settings(arguments), extractor: extractor,
                                     batchSize: batch)
            case .padim:
                var settings = PaDiMSettings.official
                try common(arguments, &settings.stages, &settings.preprocessing, &settings.seed)
                settings.featureCount = try arguments.int("features", in: 1...PaDiMSettings.maximumFeatureCount)
                settings.covariance = try arguments.choice("covariance", default: settings.covariance)
                return try PaDiM(settings: settings, extractor: extractor, batchSize: batch)
            case .gaussian:
                var settings = GaussianADSettings.official
                var seed: UInt64 = 0
                try common(arguments, &settings.stages, &settings.preprocessing, &seed)
                return try GaussianAD(settings: settings, extractor: extractor, batchSize: batch)
            case .spade:
                var settings = SPADESettings.official
                var seed: UInt64 = 0
                try common(arguments, &settings.stages, &settings.preprocessing, &seed)
                settings.neighbors = try arguments.int("neighbors", default: settings.neighbors, in: 1...16)!
                return try SPADE(settings: settings, extractor: extractor, batchSize: batch)
            }
        } catch let error as DetectorError {
            throw UsageError(error.description)
        }
    }

    /// `--layers`, `--image-size`, `--crop` and `--seed`.
    private static func common(_ arguments: Arguments, _ stages: inout [String], _ preprocessing: inout Preprocessing,
                               _ seed: inout UInt64) throws {
        if let layers = try arguments.list("layers") { stages = layers }
        preprocessing.resize = try arguments.int("image-size", default: preprocessing.resize, in: 16...4096)!
        if let crop = try arguments.int("crop", in: 0...4096) { preprocessing.crop = crop == 0 ? nil : crop }
        seed = try arguments.uint64("seed", default: 0)
    }
}
