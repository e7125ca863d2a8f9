import Foundation

/// The state a training run needs to continue exactly where it stopped, stored in one safetensors file: the model
/// under torchvision's names, each SGD momentum buffer as `optimizer.<parameter>.momentum`, and in `__metadata__`
/// the configuration, the next batch position, the optimiser step count and the partial epoch's running sums.
///
/// The model part loads into FractalAD with ``ResNet/load(from:options:)``; for torchvision, drop the `optimizer.`
/// keys or use the weights-only `model.safetensors` written next to it.
public struct TrainingCheckpoint {
    public static let optimizerPrefix = "optimizer."
    static let momentumSuffix = ".momentum"
    static let format = "fractalad-train"

    public var configuration: TrainingConfiguration
    /// The next batch to train.
    public var position: BatchPosition
    public var optimizerSteps: Int
    /// Sums over the batches of `position.epoch` already trained.
    public var partialEpoch: EpochTotals
    public var model: [String: SafeTensor]
    public var momentum: [String: [Float]]

    enum Key {
        static let configuration = "configuration"
        static let epoch = "next_epoch"
        static let batch = "next_batch"
        static let steps = "optimizer_steps"
        static let totals = "epoch_totals"
    }

    /// The checkpoint as a file.
    func file(architecture: String, classes: Int) throws -> SafeTensorsFile {
        var tensors = model
        for (name, values) in momentum {
            tensors[Self.optimizerPrefix + name + Self.momentumSuffix] = SafeTensor(values, shape: model[name]?.shape
                ?? [values.count])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let metadata = [
            ResNet.MetadataKey.format: Self.format,
            ResNet.MetadataKey.architecture: architecture,
            ResNet.MetadataKey.classes: String(classes),
            Key.configuration: String(decoding: try encoder.encode(configuration), as: UTF8.self),
            Key.epoch: String(position.epoch),
            Key.batch: String(position.batch),
            Key.steps: String(optimizerSteps),
            Key.totals: String(decoding: try encoder.encode(partialEpoch), as: UTF8.self),
        ]
        return SafeTensorsFile(tensors: tensors, metadata: metadata)
    }

    /// Reads a checkpoint written by ``file(architecture:classes:)``.
    /// - Throws: ``BackboneError/cannotResume(source:reason:)`` when the file lacks training state.
    init(file: SafeTensorsFile, source: String) throws {
        func fail(_ reason: String) -> BackboneError { .cannotResume(source: source, reason: reason) }
        let metadata = file.metadata
        guard metadata[ResNet.MetadataKey.format] == Self.format else {
            throw fail("not a training checkpoint (its metadata has no format \"\(Self.format)\"); a weights-only "
                + "file cannot continue a run")
        }
        let decoder = JSONDecoder()
        guard let configurationText = metadata[Key.configuration],
              let configuration = try? decoder.decode(TrainingConfiguration.self, from: Data(configurationText.utf8)),
              let epoch = metadata[Key.epoch].flatMap(Int.init), let batch = metadata[Key.batch].flatMap(Int.init),
              let steps = metadata[Key.steps].flatMap(Int.init),
              let totalsText = metadata[Key.totals],
              let totals = try? decoder.decode(EpochTotals.self, from: Data(totalsText.utf8)) else {
            throw fail("its training metadata is incomplete or unreadable")
        }
        self.configuration = configuration
        position = BatchPosition(epoch: epoch, batch: batch)
        optimizerSteps = steps
        partialEpoch = totals
        var model: [String: SafeTensor] = [:]
        var momentum: [String: [Float]] = [:]
        for (name, tensor) in file.tensors {
            if name.hasPrefix(Self.optimizerPrefix) && name.hasSuffix(Self.momentumSuffix) {
                let parameter = String(name.dropFirst(Self.optimizerPrefix.count).dropLast(Self.momentumSuffix.count))
                do {
                    momentum[parameter] = try tensor.floats()
                } catch {
                    throw fail("tensor \(name): \(error)")
                }
            } else {
                model[name] = tensor
            }
        }
        self.model = model
        self.momentum = momentum
    }

    init(configuration: TrainingConfiguration, position: BatchPosition, optimizerSteps: Int,
         partialEpoch: EpochTotals, model: [String: SafeTensor], momentum: [String: [Float]]) {
        self.configuration = configuration
        self.position = position
        self.optimizerSteps = optimizerSteps
        self.partialEpoch = partialEpoch
        self.model = model
        self.momentum = momentum
    }
}

/// Running sums over the batches of one epoch.
public struct EpochTotals: Sendable, Codable, Equatable {
    /// Σ batch mean loss × batch size.
    public var lossSum = 0.0
    /// Training images whose top-1 prediction is their own label (mixed batches count the image's own label).
    public var correct = 0
    public var images = 0
    /// Wall-clock seconds spent on the epoch's batches.
    public var seconds = 0.0

    public init() {}

    public var meanLoss: Double { images > 0 ? lossSum / Double(images) : .nan }
    public var accuracy: Double { images > 0 ? Double(correct) / Double(images) : .nan }
}
