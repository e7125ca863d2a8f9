import AnomalyDetection
import Backbones
import Compute
import Foundation
import Fractals
import Imaging

/// `fractalad demo`: the whole pipeline on built-in data. Each stage keeps its output, so a rerun (after Ctrl-C,
/// say) continues where the last one stopped.
enum DemoCommand: Command {
    static let name = "demo"
    static let summary = "fractals → pre-training → PatchCore on a synthetic inspection set, with metrics and heat maps"
    static let synopsis = "[--out DIR] [--device D] [--quick]"
    static let options: [OptionSpec] = [
        .value("out", "DIR", "where every stage writes (default ./fractalad-demo)"),
        .value("seed", "S", "seed of every stage (default 0)"),
        .flag("quick", "tiny sizes (a smoke test of the pipeline, not meaningful numbers)"),
        CommonOptions.device,
        CommonOptions.verbose,
    ]

    /// The sizes of one demo run.
    struct Plan {
        var classes = 48, perClass = 24, renderSize = 128
        var epochs = 24, batch = 64, trainSize = 64
        var inspectionSize = 256, train = 60, testGood = 20, testPerDefect = 10
        var categories = SyntheticCategory.allCases
        var patchCoreResize = 256, patchCoreCrop = 224

        static let quick = Plan(classes: 6, perClass: 4, renderSize: 64, epochs: 2, batch: 8, trainSize: 32,
                                inspectionSize: 64, train: 6, testGood: 2, testPerDefect: 1, categories: [.washer],
                                patchCoreResize: 64, patchCoreCrop: 64)
    }

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let out = URL(fileURLWithPath: arguments.string("out") ?? "fractalad-demo")
        let seed = try arguments.uint64("seed", default: 0)
        let plan = arguments.flag("quick") ? Plan.quick : Plan()
        let device = try CommonOptions.device(arguments, console)
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancellation, console: console)
        let started = Date()
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)

        // 1. Systems and a FractalDB-style dataset: every class a system, every image a jittered render.
        console.print("[1/5] sampling \(plan.classes) iterated function systems and rendering "
            + "\(plan.classes)×\(plan.perClass) fractal images at \(plan.renderSize)²")
        let systems = SystemsFile.sample(count: plan.classes, sampler: try IFSSampler(), seed: seed)
        var render = RenderSettings()
        render.size = plan.renderSize
        let spec = DatasetSpec(mode: .instances, classes: plan.classes, perClass: plan.perClass, seed: seed,
                               render: render)
        let fractals = out.appending(path: "fractals")
        let generation = ProgressDisplay(console, label: "generate", unit: "images")
        let manifest = try DatasetWriter(spec: spec, systems: systems, root: fractals, device: device)
            .run(cancellation: cancellation) { generation.update(done: $0.done, total: $0.total, skipped: $0.skipped) }
        guard manifest.status == .complete else { return interrupted(console) }

        // 2. Pre-training a resnet18 on the fractal classes. The OFDB recipe (lr 0.1, AutoAugment, erasing and
        //    CutMix/MixUp) needs thousands of epochs; a few minutes need a gentler one: lr 0.02 for batch 64, random
        //    resized crops and flips, no mixing.
        let run = out.appending(path: "backbone")
        let backbone = run.appending(path: Trainer.modelFile)
        if !FileManager.default.fileExists(atPath: backbone.path) {
            console.print("[2/5] pre-training resnet18 on the fractals: \(plan.epochs) epochs at \(plan.trainSize)²")
            guard try train(plan, fractals: fractals, run: run, seed: seed, device: device,
                            cancellation: cancellation, console: console) else { return interrupted(console) }
        } else {
            console.print("[2/5] pre-trained backbone found: \(backbone.path)")
        }

        // 3. The inspection data.
        console.print("[3/5] writing the synthetic inspection set (\(plan.categories.map(\.rawValue).joined(separator: ", ")))")
        var inspection = SyntheticInspectionSet()
        inspection.size = plan.inspectionSize
        inspection.trainPerCategory = plan.train
        inspection.goodTestPerCategory = plan.testGood
        inspection.testPerDefect = plan.testPerDefect
        inspection.categories = plan.categories
        inspection.seed = seed
        let inspectionRoot = out.appending(path: "inspection")
        try inspection.write(to: inspectionRoot)
        let categories = try InspectionDataset.categories(root: inspectionRoot, format: .mvtec)

        // 4–5. PatchCore with the fractal-trained backbone, then with random weights for comparison.
        var settings = PatchCoreSettings.official
        settings.seed = seed
        settings.preprocessing.resize = plan.patchCoreResize
        settings.preprocessing.crop = plan.patchCoreCrop
        var tables: [MetricsTable] = []
        for (step, (label, checkpoint)) in [("fractal pre-trained", backbone as URL?), ("random weights", nil)].enumerated() {
            console.print("[\(4 + step)/5] PatchCore with the \(label) resnet18")
            let extractor = try ResNetFeatureExtractor.load(checkpoint: checkpoint, architecture: "resnet18", seed: seed,
                                                            device: device)
            let patchCore = try PatchCore(settings: settings, extractor: extractor, batchSize: 8)
            let folder = out.appending(path: step == 0 ? "patchcore-fractal" : "patchcore-random")
            tables.append(try DetectorRun(detector: patchCore, console: console, cancellation: cancellation).evaluate(
                categories, datasetName: "the synthetic inspection set, \(label) resnet18", out: folder,
                heatMaps: true, saveModels: false))
            if cancellation.isCancelled { return interrupted(console) }
        }
        for table in tables { console.print("\n" + String(decoding: try table.rendered(.markdown), as: UTF8.self)) }
        let example = out.appending(path: "patchcore-fractal/heatmaps/\(plan.categories[0].rawValue)/missing/000.png")
        console.print(String(format: "demo finished in %.1f min. Heat maps: %@/patchcore-*/heatmaps (for example %@)",
                             Date().timeIntervalSince(started) / 60, out.path, example.path))
        return 0
    }

    private static func train(_ plan: Plan, fractals: URL, run: URL, seed: UInt64, device: any Device,
                              cancellation: CancellationFlag, console: Console) throws -> Bool {
        var configuration = TrainingConfiguration()
        configuration.architecture = "resnet18"
        configuration.classes = plan.classes
        configuration.epochs = plan.epochs
        configuration.batchSize = plan.batch
        configuration.imageSize = plan.trainSize
        configuration.warmupEpochs = min(1, plan.epochs - 1)
        configuration.learningRate = 0.02
        configuration.augmentation = .basic
        configuration.mixProbability = 0
        configuration.seed = seed
        let data = try ImageFolderData(folder: try ImageFolder(root: fractals), configuration: configuration,
                                       device: device)
        let trainer = try Trainer(configuration: configuration, data: data, device: device)
        let checkpoint = run.appending(path: Trainer.checkpointFile)
        if FileManager.default.fileExists(atPath: checkpoint.path) {
            try trainer.resume(from: checkpoint)
            console.note("resuming the pre-training at \(trainer.position)")
        }
        var progress = ProgressDisplay(console, label: "epoch \(trainer.position.epoch + 1)/\(plan.epochs)",
                                       unit: "batches")
        return try trainer.run(cancellation: cancellation, checkpointEvery: 4, evaluateEvery: plan.epochs,
                               directory: run) { event in
            switch event {
            case let .batch(batch):
                progress.update(done: batch.position.batch, total: batch.batchesPerEpoch)
            case let .epoch(summary):
                console.print(TrainCommand.line(summary, epochs: plan.epochs))
                progress = ProgressDisplay(console, label: "epoch \(summary.epoch + 2)/\(plan.epochs)",
                                           unit: "batches")
            case .checkpoint:
                break
            }
        }
    }

    private static func interrupted(_ console: Console) -> Int32 {
        console.note("stopped; run `fractalad demo` again to continue where it stopped")
        return 130
    }
}
