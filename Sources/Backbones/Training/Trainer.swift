import Compute
import Foundation

/// Trains a ``ResNet`` classifier with the OFDB recipe: softmax cross-entropy on (possibly mixed) soft targets with
/// optional label smoothing, SGD with momentum and weight decay, the timm cosine schedule per epoch.
///
/// ``run(cancellation:checkpointEvery:evaluateEvery:directory:events:)`` trains from ``position`` to the last
/// epoch, reports progress through events, evaluates, and writes checkpoints; it stops cleanly between batches when
/// cancelled, saving a checkpoint that ``resume(from:)`` continues exactly (every random choice is keyed by the
/// seed, epoch and sample, not by how far a process got).
public final class Trainer {
    public let configuration: TrainingConfiguration
    public let model: ResNet
    public let optimizer: SGD
    public let data: any TrainingData
    /// The next batch to train.
    public private(set) var position = BatchPosition(epoch: 0, batch: 0)
    /// Sums over the batches of the current epoch trained so far.
    public private(set) var epochTotals = EpochTotals()

    /// File names inside a run's folder.
    public static let checkpointFile = "checkpoint.safetensors"
    public static let modelFile = "model.safetensors"
    public static let logFile = "log.csv"

    /// A fresh model (seeded by the configuration) and optimiser for `data`.
    /// - Parameter architecture: the network; by default the named architecture of the configuration. Another one
    ///   (a narrow variant, for tests) must carry the configuration's architecture name.
    public init(configuration: TrainingConfiguration, data: any TrainingData, device: any Device,
                architecture: ResNetArchitecture? = nil) throws {
        try configuration.validate()
        let network = try architecture ?? ResNetArchitecture.named(configuration.architecture)
        guard network.name == configuration.architecture else {
            throw BackboneError.invalidArgument("architecture \(network.name) given for a configuration of "
                + "\(configuration.architecture)")
        }
        self.configuration = configuration
        self.data = data
        model = try ResNet(network, classes: configuration.classes, seed: configuration.seed, device: device)
        optimizer = SGD(parameters: model.parameters,
                        configuration: SGDConfiguration(learningRate: Float(configuration.learningRate),
                                                        momentum: Float(configuration.momentum),
                                                        weightDecay: Float(configuration.weightDecay)))
    }

    /// The learning rate of epoch `epoch`.
    public func learningRate(epoch: Int) -> Float { Float(configuration.schedule.learningRate(epoch: epoch)) }

    /// One step on `batch`: forward, loss, backward, SGD update.
    /// - Returns: the batch's mean loss (`[1]`) and number of correct top-1 predictions (int32 `[1]`), still on the
    ///   device.
    public func trainStep(_ batch: TrainingBatch, learningRate: Float) throws -> (loss: Tensor, correct: Tensor) {
        let device = model.device
        let logits = try model.forward(batch.images, mode: .training)
        let (loss, gradient, correct) = try LayerProfile.shared.measure(.loss, device) {
            let (loss, gradient) = try device.softmaxCrossEntropy(logits: logits, targets: batch.targets,
                                                                  labelSmoothing: Float(configuration.labelSmoothing))
            return (loss, gradient, try device.countCorrect(logits: logits, labels: batch.labels))
        }
        try model.backward(gradient)
        try LayerProfile.shared.measure(.optimizer, device) { try optimizer.step(learningRate: learningRate) }
        return (loss, correct)
    }

    /// Top-1 accuracy and mean loss (without label smoothing) on the data's evaluation batches, in evaluation mode;
    /// nil when there is nothing to evaluate on.
    public func evaluate() throws -> (accuracy: Double, loss: Double)? {
        let batches = try data.evaluationBatches()
        var correct = 0, images = 0, lossSum = 0.0
        while let batch = try batches.next() {
            let logits = try model.forward(batch.images, mode: .evaluation)
            let loss = try model.device.softmaxCrossEntropy(logits: logits, targets: batch.targets, labelSmoothing: 0)
            correct += Int(try model.device.countCorrect(logits: logits, labels: batch.labels).int32s()[0])
            lossSum += Double(try loss.loss.floats()[0]) * Double(batch.count)
            images += batch.count
        }
        return images > 0 ? (Double(correct) / Double(images), lossSum / Double(images)) : nil
    }

    /// Trains until the last epoch or until `cancellation` is set.
    /// - Parameters:
    ///   - checkpointEvery: write the checkpoint after every this many epochs (and always at the end or when
    ///     stopped), when `directory` is given.
    ///   - evaluateEvery: evaluate after every this many epochs and after the last.
    ///   - directory: where `checkpoint.safetensors`, `model.safetensors` and `log.csv` go; nil writes nothing.
    /// - Returns: true when training finished, false when it stopped early.
    @discardableResult
    public func run(cancellation: CancellationFlag = CancellationFlag(), checkpointEvery: Int = 1,
                    evaluateEvery: Int = 1, directory: URL? = nil, events: (TrainingEvent) -> Void = { _ in })
        throws -> Bool {
        if position.epoch >= configuration.epochs {
            // A finished run's checkpoint: its weights are the final model.
            if let directory { try model.save(to: directory.appending(path: Self.modelFile)) }
            return true
        }
        let resuming = position != BatchPosition(epoch: 0, batch: 0)
        let log = try directory.map {
            try TrainingLog(url: $0.appending(path: Self.logFile), resumingAfter: resuming ? position.epoch : nil)
        }
        let batches = try data.trainingBatches(from: position, endEpoch: configuration.epochs)
        let run = RunClock(totalImages: (configuration.epochs - position.epoch) * data.epochSize
                           - epochTotals.images)
        var started = Date()
        while position.epoch < configuration.epochs {
            if cancellation.isCancelled {
                if let directory { try saveCheckpoint(in: directory, events: events) }
                return false
            }
            guard let batch = try batches.next() else { break }
            let learningRate = learningRate(epoch: position.epoch)
            let (loss, correct) = try trainStep(batch, learningRate: learningRate)
            epochTotals.lossSum += Double(try loss.floats()[0]) * Double(batch.count)
            epochTotals.correct += Int(try correct.int32s()[0])
            epochTotals.images += batch.count
            let now = Date()
            epochTotals.seconds += now.timeIntervalSince(started)
            started = now
            run.add(images: batch.count)
            position.batch += 1
            events(.batch(BatchProgress(position: position, batchesPerEpoch: batchesPerEpoch,
                                        totals: epochTotals, imagesPerSecond: run.rate,
                                        secondsRemaining: run.secondsRemaining)))
            guard position.batch >= batchesPerEpoch else { continue }
            let epoch = position.epoch
            var summary = EpochSummary(epoch: epoch, learningRate: Double(learningRate), totals: epochTotals,
                                       evaluation: nil, secondsRemaining: run.secondsRemaining)
            position = BatchPosition(epoch: epoch + 1, batch: 0)
            epochTotals = EpochTotals()
            let last = position.epoch == configuration.epochs
            if last || (epoch + 1) % max(evaluateEvery, 1) == 0 { summary.evaluation = try evaluate() }
            try log?.append(summary)
            events(.epoch(summary))
            if let directory, last || (epoch + 1) % max(checkpointEvery, 1) == 0 {
                try saveCheckpoint(in: directory, events: events)
            }
            started = Date()
        }
        return true
    }

    /// Batches in one epoch (a last batch of a single image is dropped; see ``EpochOrder``).
    public var batchesPerEpoch: Int {
        EpochOrder(sampleCount: data.epochSize, batchSize: configuration.batchSize, seed: 0).batchesPerEpoch
    }

    // MARK: Checkpoints

    /// The training state as a checkpoint.
    public func checkpoint() throws -> TrainingCheckpoint {
        TrainingCheckpoint(configuration: configuration, position: position, optimizerSteps: optimizer.steps,
                           partialEpoch: epochTotals, model: try model.stateTensors(),
                           momentum: try optimizer.momentumBuffers().mapValues { try $0.floats() })
    }

    /// Writes `checkpoint.safetensors` (training state) and `model.safetensors` (weights only, for torchvision and
    /// feature extraction) into `directory`, each atomically.
    public func saveCheckpoint(in directory: URL, events: (TrainingEvent) -> Void = { _ in }) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let state = try checkpoint()
        let url = directory.appending(path: Self.checkpointFile)
        try state.file(architecture: model.architecture.name, classes: model.classCount).write(to: url)
        try model.save(to: directory.appending(path: Self.modelFile))
        events(.checkpoint(url, position))
    }

    /// Continues from a checkpoint written by ``saveCheckpoint(in:events:)``.
    /// - Throws: ``BackboneError/cannotResume(source:reason:)`` when the checkpoint was made with another
    ///   configuration (the message lists the settings that differ) or lacks training state;
    ///   ``BackboneError/checkpointMismatch(_:)`` when its tensors do not fit the model.
    public func resume(from url: URL) throws {
        let file = try SafeTensorsFile.read(url)
        let saved = try TrainingCheckpoint(file: file, source: url.path)
        let differences = configuration.differences(from: saved.configuration)
        guard differences.isEmpty else {
            throw BackboneError.cannotResume(source: url.path, reason: "it was written with other settings ("
                + differences.joined(separator: "; ") + ")")
        }
        try checkCounters(of: saved, source: url.path)
        try model.loadState(SafeTensorsFile(tensors: saved.model), source: url.path, architecture: model.description)
        try optimizer.restore(momentumBuffers: saved.momentum, steps: saved.optimizerSteps, source: url.path)
        position = saved.position
        epochTotals = saved.partialEpoch
    }
}

extension Trainer {
    /// Checks a checkpoint's position, step count and partial-epoch sums against this run, so that an edited or
    /// damaged file is refused (naming the field) instead of indexing out of range or overflowing.
    /// - Throws: ``BackboneError/cannotResume(source:reason:)``.
    func checkCounters(of saved: TrainingCheckpoint, source: String) throws {
        typealias Key = TrainingCheckpoint.Key
        func fail(_ field: String, _ problem: String) -> BackboneError {
            .cannotResume(source: source, reason: "field \(field) \(problem)")
        }
        let epochs = configuration.epochs, perEpoch = batchesPerEpoch
        let (epoch, batch) = (saved.position.epoch, saved.position.batch)
        guard (0...epochs).contains(epoch) else {
            throw fail(Key.epoch, "is \(epoch), outside 0...\(epochs) (the run has \(epochs) epochs)")
        }
        if epoch == epochs {
            guard batch == 0 else { throw fail(Key.batch, "is \(batch), but a finished run's next batch is 0") }
        } else {
            guard (0..<perEpoch).contains(batch) else {
                throw fail(Key.batch, "is \(batch), outside 0..<\(perEpoch) (batches per epoch)")
            }
        }
        let (done, overflow) = epoch.multipliedReportingOverflow(by: perEpoch)
        let expectedSteps = done &+ batch
        guard !overflow, expectedSteps >= done, saved.optimizerSteps == expectedSteps else {
            throw fail(Key.steps, "is \(saved.optimizerSteps), expected \(expectedSteps) (\(Key.epoch) × "
                + "\(perEpoch) batches per epoch + \(Key.batch)); was the data changed?")
        }
        let totals = saved.partialEpoch, most = batch * configuration.batchSize
        guard (0...most).contains(totals.images) else {
            throw fail(Key.totals, "counts \(totals.images) images, outside 0...\(most) for \(batch) batch(es)")
        }
        guard (0...totals.images).contains(totals.correct) else {
            throw fail(Key.totals, "counts \(totals.correct) correct of \(totals.images) images")
        }
        guard totals.lossSum.isFinite, totals.lossSum >= 0, totals.seconds.isFinite, totals.seconds >= 0 else {
            throw fail(Key.totals, "holds a negative or non-finite loss sum or time")
        }
    }
}

/// Progress reports of ``Trainer/run(cancellation:checkpointEvery:evaluateEvery:directory:events:)``.
public enum TrainingEvent {
    /// After every batch.
    case batch(BatchProgress)
    /// After every epoch (and its evaluation, when one was due).
    case epoch(EpochSummary)
    /// A checkpoint was written; training continues at the position.
    case checkpoint(URL, BatchPosition)
}

public struct BatchProgress: Sendable {
    /// The next batch (`batch` counts the batches done in the epoch).
    public var position: BatchPosition
    public var batchesPerEpoch: Int
    public var totals: EpochTotals
    /// Training images per second over this process's run so far.
    public var imagesPerSecond: Double
    public var secondsRemaining: Double
}

public struct EpochSummary: Sendable {
    public var epoch: Int
    public var learningRate: Double
    public var totals: EpochTotals
    /// Top-1 accuracy and mean loss on the evaluation data, when evaluated this epoch.
    public var evaluation: (accuracy: Double, loss: Double)?
    public var secondsRemaining: Double

    public var imagesPerSecond: Double { totals.seconds > 0 ? Double(totals.images) / totals.seconds : .nan }
}

/// Throughput and time left over one process's training run.
final class RunClock {
    private let started = Date()
    private let totalImages: Int
    private var images = 0

    init(totalImages: Int) { self.totalImages = totalImages }

    func add(images count: Int) { images += count }

    var rate: Double {
        let elapsed = Date().timeIntervalSince(started)
        return elapsed > 0 ? Double(images) / elapsed : .nan
    }

    var secondsRemaining: Double { Double(max(totalImages - images, 0)) / rate }
}
