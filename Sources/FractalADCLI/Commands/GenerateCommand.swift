import Compute
import Foundation
import Fractals

/// `fractalad generate`: renders a fractal dataset in ImageFolder layout.
enum GenerateCommand: Command {
    static let name = "generate"
    static let summary = "render a fractal dataset (one-instance OFDB, FractalDB-style instances, or multi-instance)"
    static let synopsis = "--out DIR [--mode one-instance|instances|multi] [--systems FILE | --num-systems N] [options]"
    static let options: [OptionSpec] = [
        .value("out", "DIR", "dataset folder (required); a rerun resumes it"),
        .value("mode", "M", "one-instance (default), instances or multi"),
        .value("systems", "FILE", "systems file from `fractalad ifs`"),
        .value("num-systems", "N", "sample N systems with the dataset seed instead (default: classes × systems-per-class)"),
        .value("classes", "K", "number of classes (default 1000)"),
        .value("per-class", "M", "images per class (default 1)"),
        .value("systems-per-class", "S", "systems each class draws from (default 1)"),
        .value("size", "PX", "image side in pixels (default 512)"),
        .value("points", "N", "chaos-game points per image (default 100000)"),
        .value("walkers", "W", "independent walkers per image (default 128)"),
        .flag("background", "composite over colourised diamond–square noise"),
        .flag("patch", "stamp a random 3×3 mask at every point"),
        .flag("no-parameter-jitter", "render systems exactly as sampled"),
        .flag("no-view-jitter", "always frame the whole attractor"),
        .flag("no-flips", "no random transposes or flips"),
        .value("blur-probability", "P", "probability of a 3×3 Gaussian blur (default 0.5)"),
        .value("min-fill", "F", "redraw renders with fewer non-empty pixels than this fraction (default 0.01)"),
        .value("max-attempts", "N", "redraws before keeping the un-jittered render (default 8)"),
        .value("min-objects", "N", "multi mode: fewest objects per image (default 4)"),
        .value("max-objects", "N", "multi mode: most objects per image (default 10)"),
        .value("min-maps", "N", "with --num-systems: fewest maps per system (default 2)"),
        .value("max-maps", "N", "with --num-systems: most maps per system (default 4)"),
        .value("seed", "S", "random seed of every choice (default 0)"),
        .value("shard", "i/n", "render only slice i of n (disjoint, deterministic)"),
        .value("batch", "B", "images per device batch (default: by memory)"),
        .value("compression", "L", "PNG zlib level 0–9 (default 1, fast)"),
        CommonOptions.device,
        CommonOptions.verbose,
    ]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let out = URL(fileURLWithPath: try arguments.required("out"))
        let spec = try datasetSpec(arguments)
        let shard = try shard(arguments, spec: spec)
        let batch = try arguments.int("batch", in: 1...4096)
        let systems = try loadOrSampleSystems(arguments, spec: spec)
        let device = try CommonOptions.device(arguments, console)
        let writer = try DatasetWriter(spec: spec, systems: systems, root: out, shard: shard, device: device,
                                       batchSize: batch)
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancellation, console: console)
        let display = ProgressDisplay(console, label: "generate", unit: "images")
        let manifest = try writer.run(cancellation: cancellation) {
            display.update(done: $0.done, total: $0.total, skipped: $0.skipped)
        }
        let summary = manifest.summary
        if manifest.status == .interrupted {
            display.finish()
            console.note("stopped after \(summary.rendered) new images; rerun the same command to resume")
            return 130
        }
        console.print("dataset: \(out.path) (\(manifest.images) images in shard \(shard); "
            + "\(summary.rendered) rendered, \(summary.alreadyPresent) already present, "
            + String(format: "%.1f s", summary.seconds) + ")")
        if summary.rendered > 0, let mean = summary.meanFill, let low = summary.minimumFill {
            console.print(String(format: "fill: mean %.2f%%, minimum %.2f%%; %d redrawn, %d below --min-fill",
                                 100 * mean, 100 * low, summary.redrawn, summary.belowMinimumFill.count))
        }
        return 0
    }

    /// `--shard i/n` (default the whole dataset), with no more shards than images.
    static func shard(_ arguments: Arguments, spec: DatasetSpec) throws -> Shard {
        let shard = try arguments.string("shard").map { text in
            do { return try Shard(parsing: text) } catch { throw UsageError("\(error)") }
        } ?? .whole
        guard shard.count <= spec.imageCount else {
            throw UsageError("--shard \(shard): \(shard.count) shards for \(spec.imageCount) images would leave "
                + "shards empty; use at most \(spec.imageCount)")
        }
        return shard
    }

    static func datasetSpec(_ arguments: Arguments) throws -> DatasetSpec {
        var render = RenderSettings()
        render.size = try arguments.int("size", default: render.size, in: 8...8192)!
        render.points = try arguments.int("points", default: render.points, in: 1...100_000_000)!
        render.walkers = try arguments.int("walkers", default: render.walkers, in: 1...65_536)!
        render.background = arguments.flag("background")
        render.patch = arguments.flag("patch")
        render.parameterJitter = !arguments.flag("no-parameter-jitter")
        render.viewJitter = !arguments.flag("no-view-jitter")
        render.flips = !arguments.flag("no-flips")
        render.blurProbability = try arguments.double("blur-probability", default: render.blurProbability, in: 0...1)!
        render.minFill = try arguments.double("min-fill", default: render.minFill, in: 0...0.99)!
        render.maxAttempts = try arguments.int("max-attempts", default: render.maxAttempts, in: 0...100)!
        let mode: DatasetMode = try arguments.choice("mode", default: .oneInstance)
        var spec = DatasetSpec(
            mode: mode, classes: try arguments.int("classes", default: 1000, in: 1...10_000_000)!,
            perClass: try arguments.int("per-class", default: 1, in: 1...10_000_000)!,
            systemsPerClass: try arguments.int("systems-per-class", default: 1, in: 1...1_000_000)!,
            seed: try arguments.uint64("seed", default: 0), render: render)
        spec.minObjects = try arguments.int("min-objects", default: spec.minObjects, in: 1...16)!
        spec.maxObjects = try arguments.int("max-objects", default: spec.maxObjects, in: 1...16)!
        spec.compressionLevel = try arguments.int("compression", default: spec.compressionLevel, in: 0...9)!
        do {
            try spec.validate()
        } catch let error as IFSError {
            throw UsageError(error.description)
        }
        return spec
    }

    static func loadOrSampleSystems(_ arguments: Arguments, spec: DatasetSpec) throws -> SystemsFile {
        if let path = arguments.string("systems") {
            guard arguments.string("num-systems") == nil else {
                throw UsageError("give --systems or --num-systems, not both")
            }
            return try SystemsFile.load(URL(fileURLWithPath: path))
        }
        let count = try arguments.int("num-systems", default: spec.requiredSystems, in: 1...50_000_000)!
        return SystemsFile.sample(count: count, sampler: try IFSCommand.sampler(from: arguments), seed: spec.seed)
    }
}
