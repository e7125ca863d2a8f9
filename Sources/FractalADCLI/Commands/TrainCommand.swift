import Backbones
import Compute
import Foundation
import Fractals

/// `fractalad train`: pre-trains a ResNet classifier on an ImageFolder dataset or on fractals rendered on the fly.
enum TrainCommand: Command {
    static let name = "train"
    static let summary = "train a ResNet classifier (OFDB recipe) on an image folder or on fractals rendered on the fly"
    static let synopsis =
        "--out DIR (--data DIR | --systems FILE) [--arch resnet18] [--epochs E] [--batch B] [--size S] [options]"
    static let options: [OptionSpec] = [
        .value("out", "DIR", "run folder: checkpoint.safetensors, model.safetensors, log.csv (required)"),
        .value("data", "DIR", "ImageFolder dataset (class folders of PNG/JPEG images), e.g. from `fractalad generate`"),
        .value("systems", "FILE", "systems file: class c = system c, every sample a fresh render on the device"),
        .value("arch", "NAME", "resnet18 (default), resnet34, resnet50, wide_resnet50_2 or wide_resnet101_2"),
        .value("classes", "K", "classifier outputs (default: the class folders, or every system)"),
        .value("epochs", "E", "epochs (default 100)"),
        .value("batch", "B", "batch size (default 128)"),
        .value("size", "PX", "training image side (default 224)"),
        .value("lr", "LR", "peak learning rate (default 0.1)"),
        .value("momentum", "M", "SGD momentum (default 0.9)"),
        .value("weight-decay", "W", "weight decay on every parameter (default 1e-4)"),
        .value("warmup-epochs", "N", "linear warm-up epochs (default 5)"),
        .value("warmup-lr", "LR", "learning rate of the first warm-up epoch (default 1e-6)"),
        .value("min-lr", "LR", "cosine schedule floor (default 1e-5)"),
        .value("label-smoothing", "E", "label smoothing (default 0)"),
        .value("mix-prob", "P", "probability of CutMix or MixUp per batch (default 0.8)"),
        .value("mix-alpha", "A", "Beta(A, A) of the mixing weight (default 1)"),
        .value("augment", "MODE", "ofdb (crop, flip, AutoAugment, erasing), basic (crop, flip) or none "
            + "(default: ofdb with --data, none with --systems, whose renders are jittered already)"),
        .value("val-fraction", "F", "--data: hold out this fraction of each class for evaluation (default 0: "
            + "evaluate on the training images, not augmented)"),
        .value("renders-per-class", "N", "--systems: renders of each class per epoch (default 1)"),
        .value("eval-renders", "N", "--systems: fresh renders to evaluate on (default: one per class)"),
        .value("points", "N", "--systems: chaos-game points per render (default 100000)"),
        .value("eval-every", "N", "evaluate every N epochs and after the last (default 10)"),
        .value("checkpoint-every", "N", "write the checkpoint every N epochs and at the end (default 10)"),
        .value("seed", "S", "seed of the weights, data order, augmentation and renders (default 0)"),
        .flag("resume", "continue the run in --out from its checkpoint (settings not given are taken from it)"),
        CommonOptions.device,
        CommonOptions.verbose,
    ]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let out = URL(fileURLWithPath: try arguments.required("out"))
        let checkpointURL = out.appending(path: Trainer.checkpointFile)
        let resuming = arguments.flag("resume")
        let hasCheckpoint = FileManager.default.fileExists(atPath: checkpointURL.path)
        if resuming && !hasCheckpoint {
            throw UsageError("--resume: \(checkpointURL.path) does not exist")
        }
        if !resuming && hasCheckpoint {
            throw UsageError("\(out.path) already holds a training run; pass --resume to continue it or choose "
                + "another --out")
        }
        let source = try DataSource(arguments)
        var configuration = resuming ? try savedConfiguration(checkpointURL) : TrainingConfiguration()
        try apply(arguments, to: &configuration, resuming: resuming)
        if !resuming {
            // Defaults that depend on the data, read once the options are known to be valid.
            if arguments.string("classes") == nil { configuration.classes = try source.defaultClasses() }
            if arguments.string("augment") == nil { configuration.augmentation = source.isStream ? .none : .ofdb }
            if arguments.string("eval-renders") == nil { configuration.evaluationRenders = configuration.classes }
        }
        do {
            try configuration.validate()
            _ = try ResNetArchitecture.named(configuration.architecture)
        } catch let error as BackboneError {
            throw UsageError(error.description)
        }
        let device = try CommonOptions.device(arguments, console)
        let data = try source.make(configuration: configuration, arguments: arguments, device: device)
        let trainer = try Trainer(configuration: configuration, data: data, device: device)
        if resuming {
            try trainer.resume(from: checkpointURL)
            console.note("resuming at \(trainer.position) from \(checkpointURL.path)")
        }
        console.note("\(trainer.model.description), \(trainer.model.parameters.reduce(0) { $0 + $1.value.count }) "
            + "parameters; \(data.epochSize) images per epoch, \(configuration.epochs) epochs, batch "
            + "\(configuration.batchSize), \(configuration.imageSize)² px; evaluation on "
            + data.evaluationDescription)
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancellation, console: console)
        let finished = try train(trainer, arguments: arguments, out: out, cancellation: cancellation,
                                 console: console)
        if !finished {
            let position = trainer.position
            console.note("stopped in epoch \(position.epoch + 1) after \(position.batch) batch(es); checkpoint: "
                + "\(checkpointURL.path); rerun with --resume to continue")
            return 130
        }
        console.print("model: \(out.appending(path: Trainer.modelFile).path) (torchvision names; log: "
            + "\(out.appending(path: Trainer.logFile).path))")
        return 0
    }

    private static func train(_ trainer: Trainer, arguments: Arguments, out: URL, cancellation: CancellationFlag,
                              console: Console) throws -> Bool {
        let epochs = trainer.configuration.epochs
        func display(for epoch: Int) -> ProgressDisplay {
            ProgressDisplay(console, label: "epoch \(epoch + 1)/\(epochs)", unit: "batches")
        }
        var progress = display(for: trainer.position.epoch)
        return try trainer.run(
            cancellation: cancellation,
            checkpointEvery: try arguments.int("checkpoint-every", default: 10, in: 1...1_000_000)!,
            evaluateEvery: try arguments.int("eval-every", default: 10, in: 1...1_000_000)!,
            directory: out) { event in
                switch event {
                case let .batch(batch):
                    progress.update(done: batch.position.batch, total: batch.batchesPerEpoch)
                case let .epoch(summary):
                    console.print(line(summary, epochs: epochs))
                    progress = display(for: summary.epoch + 1)
                case .checkpoint:
                    break
                }
            }
    }

    /// `epoch 3/100: lr 0.04, loss 5.123, accuracy 12.3%, eval accuracy 10.2%, 45.1 images/s, ETA 01:23:45`.
    static func line(_ summary: EpochSummary, epochs: Int) -> String {
        var text = String(format: "epoch %d/%d: lr %.4g, loss %.4f, accuracy %.2f%%", summary.epoch + 1, epochs,
                          summary.learningRate, summary.totals.meanLoss, 100 * summary.totals.accuracy)
        if let evaluation = summary.evaluation {
            text += String(format: ", eval loss %.4f, eval accuracy %.2f%%", evaluation.loss, 100 * evaluation.accuracy)
        }
        return text + String(format: ", %.1f images/s, ETA %@", summary.imagesPerSecond,
                             ProgressDisplay.clock(summary.secondsRemaining))
    }

    /// The configuration stored in a checkpoint; a bad one is a bad file (exit 1), not a usage error.
    private static func savedConfiguration(_ url: URL) throws -> TrainingConfiguration {
        let metadata = try SafeTensorsFile.read(url).metadata
        guard let text = metadata["configuration"],
              let configuration = try? JSONDecoder().decode(TrainingConfiguration.self, from: Data(text.utf8)) else {
            throw BackboneError.cannotResume(source: url.path, reason: "it is not a training checkpoint (field "
                + "configuration is missing or malformed)")
        }
        do {
            try configuration.validate()
            _ = try ResNetArchitecture.named(configuration.architecture)
        } catch let error as BackboneError {
            throw BackboneError.cannotResume(source: url.path, reason: "field configuration: \(error)")
        }
        return configuration
    }

    /// Sets every option given on the command line (on a resume, only those; the rest come from the checkpoint).
    private static func apply(_ arguments: Arguments, to c: inout TrainingConfiguration, resuming: Bool) throws {
        if let arch = arguments.string("arch") { c.architecture = arch }
        c.classes = try arguments.int("classes", default: c.classes, in: 1...10_000_000)!
        c.epochs = try arguments.int("epochs", default: resuming ? c.epochs : 100, in: 1...10_000_000)!
        c.batchSize = try arguments.int("batch", default: c.batchSize, in: 2...65_536)!
        c.imageSize = try arguments.int("size", default: c.imageSize, in: 32...4096)!
        c.learningRate = try arguments.double("lr", default: c.learningRate, in: 1e-12...100)!
        c.momentum = try arguments.double("momentum", default: c.momentum, in: 0...0.999_999)!
        c.weightDecay = try arguments.double("weight-decay", default: c.weightDecay, in: 0...1)!
        c.warmupEpochs = try arguments.int("warmup-epochs", default: c.warmupEpochs, in: 0...10_000_000)!
        c.warmupStart = try arguments.double("warmup-lr", default: c.warmupStart, in: 0...100)!
        c.minimumLearningRate = try arguments.double("min-lr", default: c.minimumLearningRate, in: 0...100)!
        c.labelSmoothing = try arguments.double("label-smoothing", default: c.labelSmoothing, in: 0...1)!
        c.mixProbability = try arguments.double("mix-prob", default: c.mixProbability, in: 0...1)!
        c.mixAlpha = try arguments.double("mix-alpha", default: c.mixAlpha, in: 1e-6...1000)!
        c.augmentation = try arguments.choice("augment", default: c.augmentation)
        c.validationFraction = try arguments.double("val-fraction", default: c.validationFraction, in: 0...0.99)!
        c.rendersPerClass = try arguments.int("renders-per-class", default: c.rendersPerClass, in: 1...1_000_000)!
        c.evaluationRenders = try arguments.int("eval-renders", default: c.evaluationRenders, in: 0...10_000_000)!
        c.seed = try arguments.uint64("seed", default: c.seed)
    }

    /// `--data` or `--systems`.
    private enum DataSource {
        case folder(URL)
        case systems(URL)

        init(_ arguments: Arguments) throws {
            switch (arguments.string("data"), arguments.string("systems")) {
            case let (path?, nil): self = .folder(URL(fileURLWithPath: path))
            case let (nil, path?): self = .systems(URL(fileURLWithPath: path))
            case (nil, nil): throw UsageError("give --data DIR or --systems FILE")
            default: throw UsageError("give --data or --systems, not both")
            }
        }

        var isStream: Bool { if case .systems = self { true } else { false } }

        func defaultClasses() throws -> Int {
            switch self {
            case let .folder(url): try ImageFolder(root: url, cacheBytes: 0).classes.count
            case let .systems(url): try SystemsFile.load(url).systems.count
            }
        }

        func make(configuration: TrainingConfiguration, arguments: Arguments, device: any Device) throws
            -> any TrainingData {
            switch self {
            case let .folder(url):
                return try ImageFolderData(folder: try ImageFolder(root: url), configuration: configuration,
                                           device: device)
            case let .systems(url):
                var render = RenderSettings()
                render.points = try arguments.int("points", default: render.points, in: 1...100_000_000)!
                return try FractalStreamData(systems: try SystemsFile.load(url), render: render,
                                             configuration: configuration, device: device)
            }
        }
    }
}
