import AnomalyDetection
import Compute
import Foundation

/// Options shared by `fit` and `evaluate`: the backbone and the PatchCore settings.
enum PatchCoreOptions {
    static let backbone: [OptionSpec] = [
        .value("backbone", "FILE", "backbone checkpoint (safetensors, torchvision key names); omit for random weights"),
        .value("arch", "NAME", "architecture when --backbone is omitted (default wide_resnet50_2), or a check of the checkpoint's"),
        .value("seed", "S", "seed of random weights and of the coreset (default 0)"),
    ]

    static let settings: [OptionSpec] = [
        .value("preset", "P", "official (patchcore-inspection, default) or anomalib"),
        .value("layers", "LIST", "backbone stages (default layer2,layer3 for patchcore, layer1,layer2,layer3 for padim)"),
        .value("coreset", "R", "fraction of patches kept by the greedy coreset, in (0, 1] (default 0.1)"),
        .value("neighbors", "K", "patchcore: neighbours per patch score (default 1); spade: nearest images (default 5)"),
        .value("image-size", "PX", "shorter side after resizing (default 256) ..."),
        .value("crop", "PX", "... and centre crop (default 224 official, none anomalib; 0 for none, anomalib only)"),
        .value("batch", "B", "images per backbone batch (default 8)"),
        .value("index", "I", "patchcore: exact (default) or ivf (inverted file of k-means lists, as seed 002)"),
        .value("lists", "N", "patchcore --index ivf: k-means lists (default ⌈√bank⌉)"),
        .value("probes", "P", "patchcore --index ivf: lists searched per query (default 8)"),
    ]

    enum Index: String, CaseIterable { case exact, ivf }

    enum Preset: String, CaseIterable { case official, anomalib }

    static func settings(_ arguments: Arguments) throws -> PatchCoreSettings {
        let preset: Preset = try arguments.choice("preset", default: .official)
        var settings = preset == .official ? PatchCoreSettings.official : PatchCoreSettings.anomalib
        if let layers = try arguments.list("layers") { settings.stages = layers }
        settings.coresetRatio = try arguments.double("coreset", default: settings.coresetRatio, in: 1e-6...1)!
        settings.neighbors = try arguments.int("neighbors", default: settings.neighbors, in: 1...16)!
        settings.preprocessing.resize = try arguments.int("image-size", default: settings.preprocessing.resize,
                                                          in: 16...4096)!
        if let crop = try arguments.int("crop", in: 0...4096) { settings.preprocessing.crop = crop == 0 ? nil : crop }
        settings.seed = try arguments.uint64("seed", default: 0)
        let index: Index = try arguments.choice("index", default: .exact)
        if index == .ivf {
            settings.ivf = IVFSettings(lists: try arguments.int("lists", in: 1...65_536),
                                       probes: try arguments.int("probes", default: 8, in: 1...65_536)!)
        } else if arguments.string("lists") != nil || arguments.string("probes") != nil {
            throw UsageError("--lists and --probes need --index ivf")
        }
        do {
            try settings.validate()
        } catch let error as PatchCoreError {
            throw UsageError(error.description)
        }
        return settings
    }

    static func extractor(_ arguments: Arguments, device: any Device) throws -> ResNetFeatureExtractor {
        try ResNetFeatureExtractor.load(checkpoint: arguments.string("backbone").map { URL(fileURLWithPath: $0) },
                                        architecture: arguments.string("arch"),
                                        seed: try arguments.uint64("seed", default: 0), device: device)
    }

    static func batchSize(_ arguments: Arguments) throws -> Int {
        try arguments.int("batch", default: 8, in: 1...1024)!
    }
}
