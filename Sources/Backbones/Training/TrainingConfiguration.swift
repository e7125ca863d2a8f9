import Foundation

/// Per-image augmentation presets for training.
public enum AugmentationPreset: String, Sendable, Codable, CaseIterable {
    /// No per-image augmentation: images are resized (shorter side) and centre-cropped to the training size.
    case none
    /// RandomResizedCrop and horizontal flip.
    case basic
    /// OFDB's pipeline: RandomResizedCrop, horizontal flip, AutoAugment (ImageNet policy), RandomErasing (p ½).
    case ofdb
}

/// Everything that defines a training run; stored in every training checkpoint so `--resume` can check that it
/// continues the same run.
public struct TrainingConfiguration: Sendable, Codable, Equatable {
    public var architecture = "resnet18"
    /// Number of classes (outputs of `fc`).
    public var classes = 1000
    public var epochs = 100
    public var batchSize = 128
    /// Side of the square training images in pixels.
    public var imageSize = 224
    /// SGD with momentum and weight decay on every parameter (OFDB: 0.1, 0.9, 1e-4).
    public var learningRate = 0.1
    public var momentum = 0.9
    public var weightDecay = 1e-4
    /// timm cosine schedule settings (OFDB: 5 warm-up epochs from 1e-6, minimum 1e-5).
    public var warmupEpochs = 5
    public var warmupStart = 1e-6
    public var minimumLearningRate = 1e-5
    public var labelSmoothing = 0.0
    /// Probability that a batch is mixed, and then CutMix or MixUp with equal probability, λ ~ Beta(α, α).
    public var mixProbability = 0.8
    public var mixAlpha = 1.0
    public var augmentation = AugmentationPreset.ofdb
    /// Seed of the initial weights, data order, augmentation and renders.
    public var seed: UInt64 = 0
    /// ImageFolder data: fraction of each class held out for evaluation (0: evaluate on the training images
    /// without augmentation, as OFDB does).
    public var validationFraction = 0.0
    /// Fractal streams: renders per class in one epoch, and fresh renders used for evaluation.
    public var rendersPerClass = 1
    public var evaluationRenders = 1000

    public init() {}

    /// The learning-rate schedule of this run.
    public var schedule: CosineSchedule {
        CosineSchedule(baseLearningRate: learningRate, epochs: epochs, warmupEpochs: warmupEpochs,
                       warmupStart: warmupStart, minimum: minimumLearningRate)
    }

    /// Checks ranges, the same the command line allows (not the architecture name, which the trainer resolves);
    /// the message names the setting.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw BackboneError.invalidArgument(message) }
        }
        try check((1...10_000_000).contains(classes), "classes must be in 1...10000000, got \(classes)")
        try check((1...10_000_000).contains(epochs), "epochs must be in 1...10000000, got \(epochs)")
        try check((2...65_536).contains(batchSize),
                  "batch size must be in 2...65536 (batch norm needs 2), got \(batchSize)")
        try check((32...4096).contains(imageSize), "image size must be in 32...4096, got \(imageSize)")
        try check(learningRate > 0 && learningRate <= 100, "learning rate must be in (0, 100], got \(learningRate)")
        try check((0..<1).contains(momentum), "momentum must be in [0, 1), got \(momentum)")
        try check((0...1).contains(weightDecay), "weight decay must be in [0, 1], got \(weightDecay)")
        try check((0...10_000_000).contains(warmupEpochs),
                  "warm-up epochs must be in 0...10000000, got \(warmupEpochs)")
        try check((0...100).contains(warmupStart) && (0...100).contains(minimumLearningRate),
                  "warm-up start and minimum rate must be in [0, 100]")
        try check((0...1).contains(labelSmoothing), "label smoothing must be in [0, 1], got \(labelSmoothing)")
        try check((0...1).contains(mixProbability), "mix probability must be in [0, 1], got \(mixProbability)")
        try check((0..<1).contains(validationFraction),
                  "validation fraction must be in [0, 1), got \(validationFraction)")
        try check((1...1_000_000).contains(rendersPerClass),
                  "renders per class must be in 1...1000000, got \(rendersPerClass)")
        try check((0...10_000_000).contains(evaluationRenders),
                  "evaluation renders must be in 0...10000000, got \(evaluationRenders)")
        try check((1e-6...1000).contains(mixAlpha), "mix alpha must be in [1e-6, 1000], got \(mixAlpha)")
    }

    /// The settings that differ from `other`, by name (for refusing a resume with another configuration).
    public func differences(from other: TrainingConfiguration) -> [String] {
        let mine = Self.fields(self), theirs = Self.fields(other)
        return mine.keys.sorted().filter { mine[$0] != theirs[$0] }
            .map { "\($0): \(theirs[$0] ?? "-") → \(mine[$0]!)" }
    }

    private static func fields(_ configuration: TrainingConfiguration) -> [String: String] {
        guard let data = try? JSONEncoder().encode(configuration),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.mapValues { "\($0)" }
    }
}
