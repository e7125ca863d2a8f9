import Foundation

/// The learning rate per epoch of timm's `CosineLRScheduler` as OFDB configures it: one cosine cycle over
/// `t_initial = epochs`, `warmup_t` linear warm-up epochs from `warmup_lr_init`, stepped once per epoch, no
/// warm-up prefix (Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017).
///
/// For epoch `t`: `t < warmup`: `lr = warmupStart + t·(base − warmupStart)/warmup`; otherwise
/// `lr = minimum + ½(base − minimum)(1 + cos(π·t/epochs))` while `t < epochs`, and `minimum` after.
public struct CosineSchedule: Sendable, Equatable, Codable {
    public var baseLearningRate: Double
    public var epochs: Int
    public var warmupEpochs: Int
    public var warmupStart: Double
    public var minimum: Double

    public init(baseLearningRate: Double = 0.1, epochs: Int, warmupEpochs: Int = 5, warmupStart: Double = 1e-6,
                minimum: Double = 1e-5) {
        self.baseLearningRate = baseLearningRate
        self.epochs = epochs
        self.warmupEpochs = warmupEpochs
        self.warmupStart = warmupStart
        self.minimum = minimum
    }

    /// The learning rate used throughout epoch `epoch` (0-based).
    public func learningRate(epoch: Int) -> Double {
        if epoch < warmupEpochs {
            return warmupStart + Double(epoch) * (baseLearningRate - warmupStart) / Double(warmupEpochs)
        }
        guard epoch < epochs, epochs > 0 else { return minimum }
        return minimum + 0.5 * (baseLearningRate - minimum) * (1 + cos(Double.pi * Double(epoch) / Double(epochs)))
    }
}
