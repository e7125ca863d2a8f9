import Compute
import Dispatch
import Imaging
import Synchronization

/// Training data from an ``ImageFolder``: images are decoded, augmented, normalised and mixed on the host by a
/// background thread (samples of a batch in parallel), up to two batches ahead of the device, then uploaded.
///
/// Augmentation (``AugmentationPreset``) is Imaging's ``TrainingAugmentation``, keyed by the sample's index and the
/// epoch; evaluation images are resized (shorter side) and centre-cropped. Evaluation uses the held-out split when
/// ``TrainingConfiguration/validationFraction`` is positive, else the training images themselves (as OFDB does).
public final class ImageFolderData: TrainingData, Sendable {
    public let folder: ImageFolder
    public let configuration: TrainingConfiguration
    public let device: any Device
    public let trainingIndices: [Int]
    public let validationIndices: [Int]
    private let order: EpochOrder
    private let augmentation: TrainingAugmentation?

    /// - Throws: ``BackboneError/invalidDataset(_:)`` when the folder has more classes than the model or fewer
    ///   than two training images.
    public init(folder: ImageFolder, configuration: TrainingConfiguration, device: any Device) throws {
        guard folder.classes.count <= configuration.classes else {
            throw BackboneError.invalidDataset("\(folder.root.path) has \(folder.classes.count) classes but the model "
                + "has \(configuration.classes) outputs")
        }
        self.folder = folder
        self.configuration = configuration
        self.device = device
        (trainingIndices, validationIndices) = folder.split(validationFraction: configuration.validationFraction,
                                                            seed: configuration.seed)
        guard trainingIndices.count >= 2 else {
            throw BackboneError.invalidDataset("\(folder.root.path): \(trainingIndices.count) training images; "
                + "training needs at least 2")
        }
        order = EpochOrder(sampleCount: trainingIndices.count, batchSize: configuration.batchSize,
                           seed: configuration.seed)
        let size = configuration.imageSize
        let crop = RandomResizedCrop(width: size, height: size)
        switch configuration.augmentation {
        case .none:
            augmentation = nil
        case .basic:
            augmentation = TrainingAugmentation(seed: configuration.seed, crop: crop, autoAugment: nil)
        case .ofdb:
            augmentation = TrainingAugmentation(seed: configuration.seed, crop: crop, autoAugment: AutoAugment(),
                                                erasing: RandomErasing(probability: 0.5))
        }
    }

    public var classCount: Int { configuration.classes }
    public var epochSize: Int { trainingIndices.count }

    public var evaluationDescription: String {
        validationIndices.isEmpty ? "the \(trainingIndices.count) training images, not augmented"
            : "\(validationIndices.count) held-out images"
    }

    public func trainingBatches(from start: BatchPosition, endEpoch: Int) throws -> BatchStream {
        let positions = order.positions(from: start, endEpoch: endEpoch)
        let prefetcher = Prefetcher(count: positions.count) { [self] in try self.hostBatch(positions[$0]) }
        return BatchStream { [self] in try prefetcher.next().map { try self.upload($0) } }
    }

    public func evaluationBatches() throws -> BatchStream {
        let samples = validationIndices.isEmpty ? trainingIndices : validationIndices
        let batch = configuration.batchSize
        let count = (samples.count + batch - 1) / batch
        let prefetcher = Prefetcher(count: count) { [self] index in
            try self.evaluationBatch(Array(samples[(index * batch)..<min(samples.count, (index + 1) * batch)]))
        }
        return BatchStream { [self] in try prefetcher.next().map { try self.upload($0) } }
    }

    /// A batch in host memory.
    struct HostBatch: Sendable {
        var images: [Float], targets: [Float], labels: [Int]
    }

    func hostBatch(_ position: BatchPosition) throws -> HostBatch {
        let samples = order.slots(epoch: position.epoch, batch: position.batch).map { trainingIndices[$0] }
        let labels = samples.map { folder.samples[$0].label }
        let images = try planes(samples) { [augmentation] image, sample in
            try augmentation.map { try $0(image, index: sample, epoch: position.epoch) } ?? Self.evaluationPlanes(
                image, size: self.configuration.imageSize)
        }
        let choice = MixingChoice(configuration: configuration, position: position)
        guard let mixing = choice.mixing else {
            return HostBatch(images: images, targets: oneHot(labels, classes: classCount), labels: labels)
        }
        var random = choice.random
        let size = configuration.imageSize
        let mixed = try mixing.apply(images: images, shape: (samples.count, 3, size, size), labels: labels,
                                     classCount: classCount, random: &random)
        return HostBatch(images: mixed.images, targets: mixed.targets, labels: labels)
    }

    private func evaluationBatch(_ samples: [Int]) throws -> HostBatch {
        let labels = samples.map { folder.samples[$0].label }
        let images = try planes(samples) { image, _ in
            try Self.evaluationPlanes(image, size: self.configuration.imageSize)
        }
        return HostBatch(images: images, targets: oneHot(labels, classes: classCount), labels: labels)
    }

    /// `[N, 3, S, S]` from `transform` applied to each sample's image, samples in parallel.
    private func planes(_ samples: [Int], _ transform: @Sendable (ByteImage, Int) throws -> [Float]) throws
        -> [Float] {
        let size = configuration.imageSize, plane = 3 * size * size
        var images = [Float](repeating: 0, count: samples.count * plane)
        let failure = Mutex<(any Error)?>(nil)
        images.withUnsafeMutableBufferPointer { buffer in
            let base = UncheckedPointer(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: samples.count) { i in
                do {
                    let image = try folder.image(samples[i])
                    let values = try transform(image.channels == 3 ? image : try image.converted(toChannels: 3),
                                               samples[i])
                    (base.pointer + i * plane).update(from: values, count: plane)
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return images
    }

    /// torchvision `Resize(size)` (shorter side, bilinear) → `CenterCrop(size)` → `ToTensor` → `Normalize`.
    static func evaluationPlanes(_ image: ByteImage, size: Int) throws -> [Float] {
        try image.resize(shorterSide: size).centerCrop(width: size, height: size)
            .normalizedPlanes(mean: ByteImage.imageNetMean, std: ByteImage.imageNetStd)
    }

    private func upload(_ batch: HostBatch) throws -> TrainingBatch {
        let n = batch.labels.count, size = configuration.imageSize
        return TrainingBatch(images: try Tensor(batch.images, shape: [n, 3, size, size], on: device),
                             targets: try Tensor(batch.targets, shape: [n, classCount], on: device),
                             labels: try Tensor(batch.labels.map(Int32.init), shape: [n], on: device))
    }
}
