import AnomalyDetection
import Compute
import Foundation

/// `--method` and the detector it builds from the options, shared by `fit` and `evaluate`.
enum DetectorOptions {
    static let method = OptionSpec.value(
        "method", "M", DetectionMethod.allCases.map(\.rawValue).joined(separator: "|") + " (default patchcore)")

    /// The detector `--method` names, with its settings from the options and the backbone of `--backbone`/`--arch`.
    static func detector(_ arguments: Arguments, device: any Device) throws -> any AnomalyDetector {
        let method: DetectionMethod = try arguments.choice("method", default: .patchcore)
        switch method {
        case .patchcore:
            return try PatchCore(settings: try PatchCoreOptions.settings(arguments),
                                 extractor: try PatchCoreOptions.extractor(arguments, device: device),
                                 batchSize: try PatchCoreOptions.batchSize(arguments))
        }
    }
}
