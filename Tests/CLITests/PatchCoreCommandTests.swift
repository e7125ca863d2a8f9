import Foundation
import Imaging
import Testing
@testable import FractalADCLI

/// `fit`, `predict`, `evaluate` and `demo` through the built binary.
@Suite struct PatchCoreCommandTests {
    final class Folder {
        let url = FileManager.default.temporaryDirectory.appending(path: "fractalad-pc-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appending(path: name).path }
    }

    static let small = ["--arch", "resnet18", "--image-size", "64", "--crop", "64", "--device", "opencl"]

    /// A tiny MVTec-layout category written by `fractalad synthetic`.
    static func inspection(_ folder: Folder) throws -> String {
        let root = folder.path("inspection")
        let result = try Tool.run(["synthetic", "--out", root, "--categories", "washer", "--size", "64", "--train", "4",
                                   "--test-good", "2", "--test-per-defect", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        return root
    }

    @Test func fitThenPredictWritesScoresAndOverlays() throws {
        let folder = try Folder()
        let root = try Self.inspection(folder)
        let model = folder.path("washer.patchcore")
        let fit = try Tool.run(["fit", "--train", "\(root)/washer/train/good", "--out", model] + Self.small)
        #expect(fit.status == 0, "\(fit.stderr)")
        let predict = try Tool.run(["predict", "--model", model, "--out", folder.path("predictions"), "--device", "opencl",
                                    "\(root)/washer/test/good", "\(root)/washer/test/crack/000.png"])
        #expect(predict.status == 0, "\(predict.stderr)")
        let scores = try String(contentsOfFile: folder.path("predictions/scores.csv"), encoding: .utf8)
        #expect(scores.split(separator: "\n").count == 4)
        // Issue 7 item 14: overlays mirror the inputs' folders instead of 000.png, 000_.png, …
        for overlay in ["good/000.png", "good/001.png", "crack/000.png"] {
            #expect(FileManager.default.fileExists(atPath: folder.path("predictions/\(overlay)")), "\(overlay)")
            #expect(scores.contains(",\(overlay)\n"), "\(scores)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("predictions/000_.png")))
    }

    /// Issue 7 item 14: overlay names follow the inputs' relative folders and never collide.
    @Test func overlayPathsMirrorTheInputFolders() {
        let url = { (path: String) in URL(fileURLWithPath: path) }
        let images = ["/d/a/good/000.png", "/d/a/crack/000.png", "/d/b/good/000.png", "/d/b/good/001.jpg",
                      "/d/b/good/001.png"].map(url)
        #expect(PredictCommand.overlayPaths(for: images, below: [url("/d/a"), url("/d/b")])
                    == ["a/good/000.png", "a/crack/000.png", "b/good/000.png", "b/good/001.jpg.png",
                        "b/good/001.png.png"])
        #expect(PredictCommand.overlayPaths(for: [url("/d/a/good/000.png")], below: [url("/d/a/good")])
                    == ["000.png"])
        #expect(PredictCommand.overlayPaths(for: Array(images.prefix(2)), below: [url("/d/a")])
                    == ["good/000.png", "crack/000.png"])
    }

    @Test func evaluateWritesTheTableInThreeFormats() throws {
        let folder = try Folder()
        let root = try Self.inspection(folder)
        let out = folder.path("results")
        let result = try Tool.run(["evaluate", "--dataset", "mvtec", "--root", root, "--out", out] + Self.small)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| washer |"))
        for file in ["results.md", "results.csv", "results.json", "heatmaps/washer/crack/000.png"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"), "\(file) missing")
        }
        // A rerun with the same settings keeps finished categories; other settings recompute them.
        let again = try Tool.run(["evaluate", "--dataset", "mvtec", "--root", root, "--out", out] + Self.small)
        #expect(again.status == 0 && again.stderr.contains("washer: kept from an earlier run"), "\(again.stderr)")
        #expect(again.stdout == result.stdout)
        let other = try Tool.run(["evaluate", "--dataset", "mvtec", "--root", root, "--out", out, "--coreset", "0.5"]
            + Self.small)
        #expect(other.status == 0 && !other.stderr.contains("kept from an earlier run"))
    }

    @Test func badInputsGiveClearErrors() throws {
        let folder = try Folder()
        let root = try Self.inspection(folder)
        try FileManager.default.createDirectory(atPath: folder.path("empty"), withIntermediateDirectories: true)
        let empty = try Tool.run(["fit", "--train", folder.path("empty"), "--out", folder.path("m")] + Self.small)
        #expect(empty.status == 1 && empty.stderr.contains("holds no PNG or JPEG images"), "\(empty.stderr)")

        let method = try Tool.run(["fit", "--train", "\(root)/washer/train/good", "--out", folder.path("m"),
                                   "--method", "bogus"] + Self.small)
        #expect(method.status == 2 && method.stderr.contains("--method must be one of patchcore"), "\(method.stderr)")

        let unknown = try Tool.run(["evaluate", "--dataset", "mvtec", "--root", root, "--categories", "bottle"]
            + Self.small)
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown category 'bottle'"), "\(unknown.stderr)")

        let missing = try Tool.run(["evaluate", "--dataset", "mvtec", "--root", folder.path("nowhere")] + Self.small)
        #expect(missing.status == 1 && missing.stderr.contains("does not exist"), "\(missing.stderr)")

        // A mask of the wrong size names both files.
        let mask = "\(root)/washer/ground_truth/crack/000_mask.png"
        try PNG.write(try ByteImage(width: 10, height: 10, channels: 1, value: 255), to: URL(fileURLWithPath: mask))
        let mismatch = try Tool.run(["evaluate", "--dataset", "mvtec", "--root", root, "--no-heatmaps"] + Self.small)
        #expect(mismatch.status == 1 && mismatch.stderr.contains("000_mask.png is 10×10") &&
                mismatch.stderr.contains("000.png is 64×64"), "\(mismatch.stderr)")

        // A missing mask names the image.
        try FileManager.default.removeItem(atPath: mask)
        let noMask = try Tool.run(["evaluate", "--dataset", "mvtec", "--root", root] + Self.small)
        #expect(noMask.status == 1 && noMask.stderr.contains("no mask for"), "\(noMask.stderr)")

        // Corrupt and foreign model files.
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: folder.path("corrupt.patchcore")))
        let corrupt = try Tool.run(["predict", "--model", folder.path("corrupt.patchcore"), "--out", folder.path("p"),
                                    "\(root)/washer/test/good"])
        #expect(corrupt.status == 1 && corrupt.stderr.contains("not a usable FractalAD model"), "\(corrupt.stderr)")

        // Issue 7 item 6: more neighbours than the bank holds is refused at fit time (4 images × 64 patches × 3 %).
        let neighbours = try Tool.run(["fit", "--train", "\(root)/washer/train/good", "--out", folder.path("n"),
                                       "--neighbors", "16", "--coreset", "0.03"] + Self.small)
        #expect(neighbours.status == 1 && neighbours.stderr.contains("16 nearest neighbours need a memory bank"),
                "\(neighbours.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("n")))

        let usage = try Tool.run(["evaluate", "--root", root])
        #expect(usage.status == 2)
    }

    @Test func quickDemoRunsEndToEnd() throws {
        let folder = try Folder()
        let result = try Tool.run(["demo", "--quick", "--out", folder.path("demo"), "--device", "opencl"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("PatchCore on the synthetic inspection set, fractal pre-trained resnet18"))
        #expect(FileManager.default.fileExists(atPath: folder.path("demo/patchcore-fractal/results.md")))
        // A rerun reuses every finished stage.
        let again = try Tool.run(["demo", "--quick", "--out", folder.path("demo"), "--device", "opencl"])
        #expect(again.status == 0 && again.stdout.contains("pre-trained backbone found"))
    }
}
