import AnomalyDetection
import Compute
import Foundation

/// `fractalad fit`: builds a model of one detection method from a folder of defect-free images.
enum FitCommand: Command {
    static let name = "fit"
    static let summary = "fit a detector (PatchCore by default) on defect-free images and write its model file"
    static let synopsis = "--train DIR --out MODEL [--method M] [--backbone FILE] [options]"
    static let options: [OptionSpec] = [
        .value("train", "DIR", "folder of defect-free PNG/JPEG images, searched recursively (required)"),
        .value("out", "MODEL", "model file to write (required)"),
        DetectorOptions.method,
    ] + PatchCoreOptions.backbone + PatchCoreOptions.settings + DetectorOptions.settings + RefinementOptions.options
        + [CommonOptions.device, CommonOptions.verbose]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let train = URL(fileURLWithPath: try arguments.required("train"))
        let out = URL(fileURLWithPath: try arguments.required("out"))
        // Installed before the backbone loads, so a signal during the load stops the fit at its first batch.
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancellation, console: console)
        let device = try CommonOptions.device(arguments, console)
        let refinement = try RefinementOptions.option(arguments, device: device)
        let detector = try DetectorOptions.detector(arguments, device: device)
        let images = try InspectionDataset.images(in: train)
        return try fit(detector, images: images, refinement: refinement, out: out, cancellation: cancellation,
                       console: console)
    }

    private static func fit<Detector: AnomalyDetector>(_ detector: Detector, images: [URL],
                                                        refinement: RefinementOption?, out: URL,
                                                        cancellation: CancellationFlag, console: Console) throws
        -> Int32 {
        var detector = detector
        detector.cancellation = cancellation
        let display = ProgressDisplay(console, label: "fit", unit: "images")
        let model: Detector.Model
        do {
            if let refinement {
                let refined = try detector.fit(images, refining: refinement) { display.update(done: $0, total: $1) }
                model = refined.model
                console.note("refinement (\(refinement.description)): removed \(refined.refinement.removed.count) of "
                    + "\(images.count) training images")
                for index in refined.refinement.removed { console.print("removed: \(images[index].path)") }
            } else {
                model = try detector.fit(images) { display.update(done: $0, total: $1) }
            }
        } catch is CancellationError {
            display.finish()
            console.note("stopped before the model was complete; nothing was written; rerun the same command")
            return 130
        }
        try model.write(to: out)
        console.print("model: \(out.path) (\(Detector.method.title): \(model.summary))")
        return 0
    }
}
