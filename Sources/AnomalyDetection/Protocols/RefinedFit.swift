import Compute
import Foundation

/// Refinement for `fit` and `evaluate`: a ``Refinement`` and the detector that ranks the training images.
public struct RefinementOption: Sendable {
    public var refinement: Refinement
    /// The ranking detector (seed 002 recommends Mahalanobis, `gaussian`), or nil for the fitted detector itself.
    public var refiner: (any AnomalyDetector)?

    public init(refinement: Refinement, refiner: (any AnomalyDetector)?) {
        self.refinement = refinement
        self.refiner = refiner
    }

    /// For report notes: `sroc 0.2`, `stoc(5) 0.1 by gaussian`.
    public var description: String {
        "\(refinement.strategy) \(refinement.ratio)" + (refiner.map { " by \(type(of: $0).method.rawValue)" } ?? "")
    }
}

extension AnomalyDetector {
    /// Fits on defect-free image files after refining them (seed 002's SROC and its alternatives): the images are
    /// embedded once, ranked, the top `refinement.ratio` removed, and the model fitted on the rest.
    /// - Parameter progress: called with `(images done, total)` while features are extracted.
    /// - Returns: the model and the refinement's result (indices into `trainImages`).
    public func fit(_ trainImages: [URL], refining option: RefinementOption, progress: (Int, Int) -> Void = { _, _ in })
        throws -> (model: Model, refinement: RefinementResult) {
        guard !trainImages.isEmpty else { throw DatasetError("no training images") }
        let samples = trainImages.map { InspectionSample(image: $0, mask: nil, isAnomalous: false, defect: "good") }
        let category = InspectionCategory(name: "training images", train: samples, test: [])
        let embedded = try EmbeddedCategory(detector: self, category: category, progress: progress)
        let scorer = try option.refiner.map {
            try $0.refinementScorers(for: category, cancellation: cancellation)(samples)
        }
        let fitted = try embedded.fit(samples, refinement: option.refinement, refiner: scorer)
        return (fitted.model, fitted.refinement!)
    }

    /// This detector as the ranking detector of a refinement: `category`'s images embedded once, then a scorer for
    /// any training set drawn from them.
    /// - Parameters:
    ///   - cancellation: the flag of the run it serves, checked while embedding and scoring.
    ///   - progress: called with `(images done, total)` while features are extracted.
    public func refinementScorers(for category: InspectionCategory, cancellation: CancellationFlag,
                                  progress: (Int, Int) -> Void = { _, _ in }) throws
        -> ([InspectionSample]) -> any RefinementScorer {
        var refiner = self
        refiner.cancellation = cancellation
        let embedded = try EmbeddedCategory(detector: refiner, category: category, progress: progress)
        return { DetectorScorer(embedded: embedded, samples: $0) }
    }
}
