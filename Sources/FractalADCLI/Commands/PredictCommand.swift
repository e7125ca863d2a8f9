import AnomalyDetection
import Foundation
import Imaging

/// `fractalad predict`: scores images with a fitted model and writes heat-map overlays.
enum PredictCommand: Command {
    static let name = "predict"
    static let summary = "score images with a PatchCore model; write scores.csv and heat-map overlays"
    static let synopsis = "--model MODEL --out DIR IMAGE|FOLDER..."
    static let allowsPositionals = true
    static let options: [OptionSpec] = [
        .value("model", "MODEL", "model file from `fractalad fit` (required)"),
        .value("out", "DIR", "output folder for scores.csv and <image>.png overlays (required)"),
        .value("batch", "B", "images per backbone batch (default 8)"),
        CommonOptions.device,
    ]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let modelURL = URL(fileURLWithPath: try arguments.required("model"))
        let out = URL(fileURLWithPath: try arguments.required("out"))
        guard !arguments.positionals.isEmpty else { throw UsageError("give at least one image or folder") }
        var images: [URL] = []
        for path in arguments.positionals {
            let url = URL(fileURLWithPath: path)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw DatasetError("\(path) does not exist")
            }
            images += isFolder.boolValue ? try InspectionDataset.images(in: url) : [url]
        }
        let model = try PatchCoreModel.read(modelURL)
        let device = try CommonOptions.device(arguments, console)
        let extractor = try ResNetFeatureExtractor.load(model.backbone, device: device)
        let patchCore = try PatchCore(settings: model.settings, extractor: extractor,
                                      batchSize: try PatchCoreOptions.batchSize(arguments))
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let bank = try model.bankTensor(on: device)
        var rows = ["image,score,overlay"]
        let display = ProgressDisplay(console, label: "predict", unit: "images")
        var names = Set<String>()
        for start in stride(from: 0, to: images.count, by: patchCore.batchSize) {
            let chunk = Array(images[start..<min(start + patchCore.batchSize, images.count)])
            let prepared = try patchCore.prepare(chunk)
            for (url, (image, result)) in zip(chunk, zip(prepared, try patchCore.score(prepared, model: model, bank: bank))) {
                var name = url.deletingPathExtension().lastPathComponent
                while names.contains(name) { name += "_" }
                names.insert(name)
                let overlay = out.appending(path: "\(name).png")
                let values = result.map.values
                try PNG.write(try HeatMap.overlay(result.map, on: image.picture, minimum: values.min() ?? 0,
                                                  maximum: values.max() ?? 1), to: overlay)
                rows.append("\(csvField(url.path)),\(result.score),\(csvField(overlay.lastPathComponent))")
            }
            display.update(done: start + chunk.count, total: images.count)
        }
        try AtomicFile.write(Data((rows.joined(separator: "\n") + "\n").utf8), to: out.appending(path: "scores.csv"))
        console.print("scores: \(out.appending(path: "scores.csv").path) (\(images.count) images)")
        return 0
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
