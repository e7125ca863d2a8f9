import Compute
import Imaging
import Synchronization

/// One batch on the device.
public struct TrainingBatch {
    /// `[N, 3, S, S]` normalised images.
    public var images: Tensor
    /// `[N, K]` soft targets (one-hot rows unless the batch was mixed).
    public var targets: Tensor
    /// int32 `[N]`: each image's own class, for accuracy.
    public var labels: Tensor
    public var count: Int { images.shape[0] }

    public init(images: Tensor, targets: Tensor, labels: Tensor) {
        self.images = images
        self.targets = targets
        self.labels = labels
    }
}

/// Where training and evaluation batches come from: an ``ImageFolderData`` set on disk or a ``FractalStreamData``
/// stream rendered on the device.
public protocol TrainingData: AnyObject {
    var classCount: Int { get }
    /// Training samples per epoch.
    var epochSize: Int { get }
    /// What evaluation accuracy is measured on, for the log.
    var evaluationDescription: String { get }
    /// The training batches from `start` to the end of epoch `endEpoch − 1`, in order.
    func trainingBatches(from start: BatchPosition, endEpoch: Int) throws -> BatchStream
    /// The evaluation batches (no augmentation, no mixing); empty when there is nothing to evaluate on.
    func evaluationBatches() throws -> BatchStream
}

/// A sequence of batches produced on demand by `produce`.
public final class BatchStream {
    private let produce: () throws -> TrainingBatch?

    public init(_ produce: @escaping () throws -> TrainingBatch?) { self.produce = produce }

    /// The next batch, or nil at the end.
    public func next() throws -> TrainingBatch? { try produce() }
}

/// A batch's place in training: epoch and batch index within it (both 0-based).
public struct BatchPosition: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var epoch: Int
    public var batch: Int

    public init(epoch: Int, batch: Int) {
        self.epoch = epoch
        self.batch = batch
    }

    public static func < (a: BatchPosition, b: BatchPosition) -> Bool { (a.epoch, a.batch) < (b.epoch, b.batch) }

    public var description: String { "epoch \(epoch + 1), batch \(batch + 1)" }
}

/// The seeded order of an epoch's samples and its division into batches (`drop_last=False`, except that a last
/// batch of a single sample is dropped, since batch norm cannot train on one value per channel).
final class EpochOrder: Sendable {
    let sampleCount: Int
    let batchSize: Int
    let seed: UInt64
    private let latest = Mutex<(epoch: Int, order: [Int])?>(nil)

    init(sampleCount: Int, batchSize: Int, seed: UInt64) {
        self.sampleCount = sampleCount
        self.batchSize = batchSize
        self.seed = seed
    }

    var batchesPerEpoch: Int { sampleCount / batchSize + (sampleCount % batchSize >= 2 ? 1 : 0) }

    /// Sample slots `0..<sampleCount` of batch `batch` in epoch `epoch`.
    func slots(epoch: Int, batch: Int) -> [Int] {
        let order = latest.withLock { cached -> [Int] in
            if let cached, cached.epoch == epoch { return cached.order }
            var order = Array(0..<sampleCount)
            var random = PhiloxStream(seed: seed, stream: (TrainingStreams.order, UInt32(truncatingIfNeeded: epoch),
                                                           0))
            random.shuffle(&order)
            cached = (epoch, order)
            return order
        }
        return Array(order[(batch * batchSize)..<min(sampleCount, (batch + 1) * batchSize)])
    }

    /// The positions from `start` up to the end of epoch `endEpoch − 1`, computed on demand (a run may have
    /// millions of epochs).
    func positions(from start: BatchPosition, endEpoch: Int) -> BatchPositions {
        BatchPositions(start: start, endEpoch: endEpoch, batchesPerEpoch: batchesPerEpoch)
    }
}

/// The batch positions of a run from `start` (a batch index past the epoch's last means the next epoch) up to the
/// end of epoch `endEpoch − 1`, in order.
struct BatchPositions: RandomAccessCollection {
    /// The run-wide index of the first position (`epoch · batchesPerEpoch + batch`).
    private let first: Int
    private let batchesPerEpoch: Int
    let startIndex = 0
    let endIndex: Int

    init(start: BatchPosition, endEpoch: Int, batchesPerEpoch: Int) {
        self.batchesPerEpoch = batchesPerEpoch
        let normalised = start.batch < batchesPerEpoch ? start : BatchPosition(epoch: start.epoch + 1, batch: 0)
        first = normalised.epoch * batchesPerEpoch + normalised.batch
        endIndex = batchesPerEpoch > 0 ? Swift.max(0, endEpoch * batchesPerEpoch - first) : 0
    }

    subscript(index: Int) -> BatchPosition {
        let run = first + index
        return BatchPosition(epoch: run / batchesPerEpoch, batch: run % batchesPerEpoch)
    }
}

/// Whether and how a batch is mixed (OFDB: with probability `p`, CutMix or MixUp with equal odds, λ ~ Beta(α, α)),
/// drawn from the seed, epoch and batch index.
struct MixingChoice {
    let mixing: BatchMixing?
    let random: PhiloxStream

    init(configuration: TrainingConfiguration, position: BatchPosition) {
        var draw = PhiloxStream(seed: configuration.seed, stream: (TrainingStreams.mixing,
                                                                   UInt32(truncatingIfNeeded: position.batch),
                                                                   UInt32(truncatingIfNeeded: position.epoch)))
        if draw.bernoulli(configuration.mixProbability) {
            let alpha = configuration.mixAlpha
            mixing = draw.bernoulli(0.5) ? .cutMix(alpha: alpha) : .mixUp(alpha: alpha)
        } else {
            mixing = nil
        }
        random = .augmentation(seed: configuration.seed, index: position.batch, epoch: position.epoch,
                               step: .batchMixing)
    }
}

/// One-hot rows for `labels`.
func oneHot(_ labels: [Int], classes: Int) -> [Float] {
    var targets = [Float](repeating: 0, count: labels.count * classes)
    for (row, label) in labels.enumerated() { targets[row * classes + label] = 1 }
    return targets
}
