import AnomalyDetection
import Foundation

/// `fractalad fit`: builds a PatchCore model from a folder of defect-free images.
enum FitCommand: Command {
    static let name = "fit"
    static let summary = "fit a PatchCore model (memory bank + settings + backbone reference) on defect-free images"
    static let synopsis = "--train DIR --out MODEL [--backbone FILE] [options]"
    static let options: [OptionSpec] = [
        .value("train", "DIR", "folder of defect-free PNG/JPEG images, searched recursively (required)"),
        .value("out", "MODEL", "model file to write (required)"),
    ] + PatchCoreOptions.backbone + PatchCoreOptions.settings + [CommonOptions.device, CommonOptions.verbose]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let train = URL(fileURLWithPath: try arguments.required("train"))
        let out = URL(fileURLWithPath: try arguments.required("out"))
        let settings = try PatchCoreOptions.settings(arguments)
        let device = try CommonOptions.device(arguments, console)
        let images = try InspectionDataset.images(in: train)
        let patchCore = try PatchCore(settings: settings, extractor: try PatchCoreOptions.extractor(arguments, device: device),
                                      batchSize: try PatchCoreOptions.batchSize(arguments))
        InterruptHandler.install(patchCore.cancellation, console: console)
        let display = ProgressDisplay(console, label: "fit", unit: "images")
        let model: PatchCoreModel
        do {
            model = try patchCore.fit(images) { display.update(done: $0, total: $1) }
        } catch is CancellationError {
            display.finish()
            console.note("stopped before the model was complete; nothing was written; rerun the same command")
            return 130
        }
        try model.write(to: out)
        console.print("model: \(out.path) (\(model.bankSize) of \(model.trainingPatches) patches from "
            + "\(model.trainingImages) images, \(model.dimension) dimensions)")
        return 0
    }
}
