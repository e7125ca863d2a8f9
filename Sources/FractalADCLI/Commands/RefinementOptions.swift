import AnomalyDetection
import Compute
import Foundation

/// `--refine`, `--refine-with` and `--refine-strategy` for `fit` and `evaluate`: data refinement of a training folder
/// that may hold defective images (seed 002).
enum RefinementOptions {
    static let options: [OptionSpec] = [
        .value("refine", "R", "remove the top R in [0, 1) of the training images as ranked by a detector fitted on "
            + "all of them (SROC, seed 002), then refit"),
        .value("refine-with", "M", "rank the training images with this method (seed 002 recommends gaussian)"),
        .value("refine-strategy", "S", "sroc|random|cross-validation|stoc (default sroc)"),
    ]

    /// The refinement the options ask for, or nil without `--refine`.
    static func option(_ arguments: Arguments, device: any Device) throws -> RefinementOption? {
        guard let ratio = try arguments.double("refine") else {
            for name in ["refine-with", "refine-strategy"] where arguments.string(name) != nil {
                throw UsageError("--\(name) needs --refine R")
            }
            return nil
        }
        let refinement: Refinement
        do {
            refinement = try Refinement(ratio: ratio, strategy: try RefinementStrategy(parsing: arguments.string("refine-strategy") ?? "sroc"))
        } catch let error as ProtocolError {
            throw UsageError(error.message)
        }
        let method = try arguments.string("refine-with").map(PollutionStudyCommand.method)
        let refiner = try method.map { try DetectorOptions.detector($0, arguments, device: device) }
        return RefinementOption(refinement: refinement, refiner: refiner)
    }
}
