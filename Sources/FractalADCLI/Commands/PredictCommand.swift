import AnomalyDetection
import Backbones
import Compute
import Foundation
import Imaging

/// `fractalad predict`: scores images with a fitted model and writes heat-map overlays.
enum PredictCommand: Command {
    static let name = "predict"
    static let summary = "score images with a model from `fit` (any method); write scores.csv and heat-map overlays"
    static let synopsis = "--model MODEL --out DIR IMAGE|FOLDER..."
    static let allowsPositionals = true
    static let options: [OptionSpec] = [
        .value("model", "MODEL", "model file from `fractalad fit` (required)"),
        .value("out", "DIR", "output folder for scores.csv and overlays, in the inputs' folder structure (required)"),
        .value("batch", "B", "images per backbone batch (default 8)"),
        .value("method", "M", "the method the model must be of (default: the method the file names)"),
        CommonOptions.device,
        CommonOptions.verbose,
    ]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let modelURL = URL(fileURLWithPath: try arguments.required("model"))
        let out = URL(fileURLWithPath: try arguments.required("out"))
        guard !arguments.positionals.isEmpty else { throw UsageError("give at least one image or folder") }
        var images: [URL] = [], folders: [URL] = []
        for path in arguments.positionals {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw DatasetError("\(path) does not exist")
            }
            images += isFolder.boolValue ? try InspectionDataset.images(in: url) : [url]
            folders.append(isFolder.boolValue ? url : url.deletingLastPathComponent())
        }
        images = images.reduce(into: (seen: Set<String>(), list: [URL]())) { state, url in
            if state.seen.insert(url.path).inserted { state.list.append(url) }
        }.list
        let overlays = overlayPaths(for: images, below: folders)
        let (method, file) = try ModelFile.read(modelURL)
        let asked: DetectionMethod = try arguments.choice("method", default: method)
        guard asked == method else {
            throw DetectorError.badModelFile(path: modelURL.path, problem: "it holds a \(method.rawValue) model, "
                + "not the \(asked.rawValue) model --method asks for")
        }
        let device = try CommonOptions.device(arguments, console)
        return try predict(method.detectorType, file: file, modelURL: modelURL, images: images, overlays: overlays,
                           out: out, batchSize: try PatchCoreOptions.batchSize(arguments), device: device,
                           console: console)
    }

    private static func predict<Detector: AnomalyDetector>(
        _ type: Detector.Type, file: SafeTensorsFile, modelURL: URL, images: [URL], overlays: [String], out: URL,
        batchSize: Int, device: any Device, console: Console) throws -> Int32 {
        let model = try Detector.Model(file: file, path: modelURL.path)
        let extractor = try ResNetFeatureExtractor.load(model.backbone, device: device)
        let detector = try Detector(settings: model.settings, extractor: extractor, batchSize: batchSize)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let fitted = try detector.loaded(model)
        var rows = ["image,score,overlay"]
        let display = ProgressDisplay(console, label: "predict", unit: "images")
        for start in stride(from: 0, to: images.count, by: batchSize) {
            let range = start..<min(start + batchSize, images.count)
            let chunk = Array(images[range])
            let prepared = try detector.prepare(chunk)
            let results = try fitted.score(prepared)
            for (index, (image, result)) in zip(range, zip(prepared, results)) {
                let overlay = out.appending(path: overlays[index])
                try FileManager.default.createDirectory(at: overlay.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                let values = result.map.values
                try PNG.write(try HeatMap.overlay(result.map, on: image.picture, minimum: values.min() ?? 0,
                                                  maximum: values.max() ?? 1), to: overlay)
                rows.append("\(csvField(images[index].path)),\(result.score),\(csvField(overlays[index]))")
            }
            display.update(done: start + chunk.count, total: images.count)
        }
        try AtomicFile.write(Data((rows.joined(separator: "\n") + "\n").utf8), to: out.appending(path: "scores.csv"))
        console.print("scores: \(out.appending(path: "scores.csv").path) (\(images.count) images)")
        return 0
    }

    /// Overlay paths relative to `--out` that mirror the inputs' folders: each image's path below the deepest
    /// folder holding every input (`folders`: the folders given, and the folders of the files given), with the
    /// extension replaced by `.png` — or appended, where two images differ only in their extension.
    static func overlayPaths(for images: [URL], below folders: [URL]) -> [String] {
        var common = folders.first?.pathComponents ?? []
        for folder in folders.dropFirst() {
            common = Array(zip(common, folder.pathComponents).prefix { $0 == $1 }.map(\.0))
        }
        let relative = images.map { $0.pathComponents.dropFirst(common.count).joined(separator: "/") }
        let stems = relative.map { ($0 as NSString).deletingPathExtension }
        let counts = stems.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        return zip(relative, stems).map { counts[$1]! > 1 ? $0 + ".png" : $1 + ".png" }
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
