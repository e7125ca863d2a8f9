import Compute
import Dispatch
import Fractals
import Imaging
import Synchronization

/// Training data rendered on the fly by the chaos-game pipeline on the training device: class `c` is system `c`,
/// and every sample is a fresh render (its image index is unique over the whole run, so the renderer's parameter
/// jitter, view jitter, flips, colours and blur never repeat).
///
/// Without per-image augmentation (``AugmentationPreset/none``, the default for this source) a batch never leaves
/// the device: `renderTensor` gives uint8 `[B, S, S, 3]`, CutMix pastes its box there with buffer copies, `imageBatch`
/// normalises to `[B, 3, S, S]`, and MixUp blends with the batch rolled by one through `scale` and `axpy`. λ and the
/// CutMix box are the ones Imaging's ``BatchMixing`` draws for the same stream. With another preset the rendered
/// bytes are read back and augmented on the host as an ``ImageFolderData`` batch is.
///
/// Evaluation renders `evaluationRenders` further images (class `i mod K`) from an index range disjoint from
/// training, the same ones at every evaluation.
public final class FractalStreamData: TrainingData {
    public let systems: [IFSystem]
    public let renderer: FractalRenderer
    public let configuration: TrainingConfiguration
    private let order: EpochOrder
    /// First image index of the evaluation renders (training indices stay far below it).
    static let evaluationBase = 1 << 46

    /// - Parameters:
    ///   - systems: at least `configuration.classes` systems; the first `classes` are used.
    ///   - render: how images are rendered; `size` is replaced by the configuration's image size.
    /// - Throws: ``BackboneError/invalidDataset(_:)`` when there are fewer systems than classes.
    public init(systems: SystemsFile, render: RenderSettings, configuration: TrainingConfiguration,
                device: any Device) throws {
        guard systems.systems.count >= configuration.classes else {
            throw BackboneError.invalidDataset("\(systems.systems.count) systems for \(configuration.classes) classes; "
                + "each class needs its own system")
        }
        self.systems = Array(systems.systems.prefix(configuration.classes))
        var settings = render
        settings.size = configuration.imageSize
        renderer = try FractalRenderer(device: device, settings: settings, seed: configuration.seed)
        self.configuration = configuration
        order = EpochOrder(sampleCount: configuration.classes * configuration.rendersPerClass,
                           batchSize: configuration.batchSize, seed: configuration.seed)
        guard order.batchesPerEpoch > 0 else {
            throw BackboneError.invalidDataset("an epoch of \(order.sampleCount) render(s) holds no batch of 2 or more")
        }
        // Training renders are numbered epoch · epochSize + slot and must stay below the evaluation renders.
        let (renders, overflow) = configuration.epochs.multipliedReportingOverflow(by: order.sampleCount)
        guard !overflow, renders <= Self.evaluationBase else {
            throw BackboneError.invalidArgument("\(configuration.epochs) epochs of \(order.sampleCount) renders exceed "
                + "the \(Self.evaluationBase) image indices below the evaluation renders")
        }
    }

    public var device: any Device { renderer.device }
    public var classCount: Int { configuration.classes }
    public var epochSize: Int { order.sampleCount }

    public var evaluationDescription: String {
        "\(configuration.evaluationRenders) fresh renders (indices from \(Self.evaluationBase))"
    }

    public func trainingBatches(from start: BatchPosition, endEpoch: Int) throws -> BatchStream {
        var remaining = order.positions(from: start, endEpoch: endEpoch)[...]
        return BatchStream { [self] in
            guard let position = remaining.popFirst() else { return nil }
            let slots = order.slots(epoch: position.epoch, batch: position.batch)
            return try batch(classes: slots.map { $0 % classCount },
                             imageIndices: slots.map { position.epoch * epochSize + $0 }, position: position)
        }
    }

    public func evaluationBatches() throws -> BatchStream {
        let total = configuration.evaluationRenders, size = configuration.batchSize
        var start = 0
        return BatchStream { [self] in
            guard start < total else { return nil }
            let indices = Array(start..<min(total, start + size))
            start += size
            return try batch(classes: indices.map { $0 % classCount },
                             imageIndices: indices.map { Self.evaluationBase + $0 }, position: nil)
        }
    }

    /// Renders and prepares one batch; `position` is nil for evaluation (no augmentation, no mixing).
    private func batch(classes: [Int], imageIndices: [Int], position: BatchPosition?) throws -> TrainingBatch {
        let jobs = zip(classes, imageIndices).map { RenderJob(system: systems[$0], imageIndex: $1) }
        let rendered = try renderer.renderTensor(jobs).images
        let labels = try Tensor(classes.map(Int32.init), shape: [classes.count], on: device)
        guard let position else {
            return TrainingBatch(images: try normalized(rendered),
                                 targets: try targets(oneHot(classes, classes: classCount)), labels: labels)
        }
        if configuration.augmentation != .none {
            return try hostAugmented(rendered, classes: classes, imageIndices: imageIndices, position: position,
                                     labels: labels)
        }
        let choice = MixingChoice(configuration: configuration, position: position)
        guard let mixing = choice.mixing else {
            return TrainingBatch(images: try normalized(rendered),
                                 targets: try targets(oneHot(classes, classes: classCount)), labels: labels)
        }
        // λ and the box come from Imaging's draw, so they equal what `BatchMixing.apply` would use.
        var random = choice.random
        let size = configuration.imageSize
        let draw = try mixing.draw(height: size, width: size, random: &random)
        let images: Tensor
        if let box = draw.box {
            images = try normalized(try pasteBoxes(rendered, box: box))
        } else {
            images = try normalized(rendered)
            let partners = try rolled(images)
            try device.scale(images, by: Float(draw.lambda))
            try device.axpy(Float(1 - draw.lambda), partners, images)
        }
        let soft = BatchMixing.targets(labels: classes, classCount: classCount, lambda: draw.lambda)
        return TrainingBatch(images: images, targets: try targets(soft), labels: labels)
    }

    private func normalized(_ images: Tensor) throws -> Tensor {
        try device.imageBatch(images, mean: ByteImage.imageNetMean, std: ByteImage.imageNetStd)
    }

    private func targets(_ values: [Float]) throws -> Tensor {
        try Tensor(values, shape: [values.count / classCount, classCount], on: device)
    }

    /// The batch rolled by one image (image `i` holds image `i − 1`, image 0 the last): two buffer copies.
    func rolled(_ images: Tensor) throws -> Tensor {
        let n = images.shape[0], bytes = images.byteCount / n
        let result = try Tensor(uninitialized: images.shape, on: device)
        try device.copy(from: images.buffer, sourceOffset: 0, to: result.buffer, destinationOffset: bytes,
                        byteCount: (n - 1) * bytes)
        try device.copy(from: images.buffer, sourceOffset: (n - 1) * bytes, to: result.buffer, destinationOffset: 0,
                        byteCount: bytes)
        return result
    }

    /// CutMix on uint8 `[N, S, S, 3]` images: the box of image `i` comes from image `i − 1`, one copy per image row
    /// of the box.
    func pasteBoxes(_ images: Tensor, box: (x0: Int, y0: Int, x1: Int, y1: Int)) throws -> Tensor {
        let n = images.shape[0], side = images.shape[1], imageBytes = side * side * 3
        let result = try Tensor(uninitialized: images.shape, dtype: .uint8, on: device)
        try device.copy(from: images.buffer, sourceOffset: 0, to: result.buffer, destinationOffset: 0,
                        byteCount: images.byteCount)
        let rowBytes = (box.x1 - box.x0) * 3
        guard rowBytes > 0 else { return result }
        for i in 0..<n {
            let partner = (i + n - 1) % n
            for y in box.y0..<box.y1 {
                let offset = (y * side + box.x0) * 3
                try device.copy(from: images.buffer, sourceOffset: partner * imageBytes + offset, to: result.buffer,
                                destinationOffset: i * imageBytes + offset, byteCount: rowBytes)
            }
        }
        return result
    }

    /// Reads the renders back and runs the host pipeline of ``ImageFolderData`` on them.
    private func hostAugmented(_ rendered: Tensor, classes: [Int], imageIndices: [Int], position: BatchPosition,
                               labels: Tensor) throws -> TrainingBatch {
        let size = configuration.imageSize, pixels = try rendered.bytes(), imageBytes = size * size * 3
        let crop = RandomResizedCrop(width: size, height: size)
        let augmentation = configuration.augmentation == .basic
            ? TrainingAugmentation(seed: configuration.seed, crop: crop, autoAugment: nil)
            : TrainingAugmentation(seed: configuration.seed, crop: crop, autoAugment: AutoAugment(),
                                   erasing: RandomErasing(probability: 0.5))
        let plane = 3 * size * size
        var images = [Float](repeating: 0, count: classes.count * plane)
        let failure = Mutex<(any Error)?>(nil)
        images.withUnsafeMutableBufferPointer { buffer in
            let base = UncheckedPointer(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: imageIndices.count) { i in
                do {
                    let image = try ByteImage(width: size, height: size, channels: 3,
                                              pixels: Array(pixels[(i * imageBytes)..<((i + 1) * imageBytes)]))
                    let values = try augmentation(image, index: imageIndices[i], epoch: position.epoch)
                    (base.pointer + i * plane).update(from: values, count: plane)
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        var soft = oneHot(classes, classes: classCount)
        let choice = MixingChoice(configuration: configuration, position: position)
        if let mixing = choice.mixing {
            var random = choice.random
            let mixed = try mixing.apply(images: images, shape: (classes.count, 3, size, size), labels: classes,
                                         classCount: classCount, random: &random)
            (images, soft) = (mixed.images, mixed.targets)
        }
        return TrainingBatch(images: try Tensor(images, shape: [classes.count, 3, size, size], on: device),
                             targets: try targets(soft), labels: labels)
    }
}
