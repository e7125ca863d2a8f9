import Foundation
import Testing

/// `pollution-study` through the built binary on a tiny synthetic category.
@Suite struct PollutionStudyCommandTests {
    static let small = ["--arch", "resnet18", "--image-size", "64", "--crop", "64", "--device", "opencl",
                        "--methods", "patchcore", "--seeds", "2", "--pollution", "0,0.2", "--refinement", "0,0.2"]

    /// Ten training images (a pollution set of 2), four defect types with two images each.
    static func inspection(_ folder: PatchCoreCommandTests.Folder, train: Int = 10, perDefect: Int = 2) throws -> String {
        let root = folder.path("inspection")
        let result = try Tool.run(["synthetic", "--out", root, "--categories", "washer", "--size", "64", "--train",
                                   "\(train)", "--test-good", "2", "--test-per-defect", "\(perDefect)"])
        #expect(result.status == 0, "\(result.stderr)")
        return root
    }

    /// The tables, CSV, JSON and figure; a rerun keeps every cell and writes the same results.
    @Test func writesTheTablesAndFigureAndResumes() throws {
        let folder = try PatchCoreCommandTests.Folder()
        let root = try Self.inspection(folder)
        let out = folder.path("study")
        let arguments = ["pollution-study", "--dataset", "mvtec", "--root", root, "--out", out] + Self.small
        let first = try Tool.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let markdown = try String(contentsOfFile: "\(out)/results.md", encoding: .utf8)
        #expect(markdown.contains("## Robustness to pollution") && markdown.contains("## Refinement at 20 % pollution"))
        #expect(markdown.contains("| patchcore | perfect |"))
        let csv = try String(contentsOfFile: "\(out)/results.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 2 + 3)
        #expect(FileManager.default.fileExists(atPath: "\(out)/refinement.png"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: "\(out)/results.json")))
        #expect((json as? [String: Any])?["cells"] != nil)
        let second = try Tool.run(arguments)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("kept from an earlier run"))
        #expect(try String(contentsOfFile: "\(out)/results.csv", encoding: .utf8) == csv)
    }

    @Test func badSettingsAndScarceDefectsAreClearErrors() throws {
        let folder = try PatchCoreCommandTests.Folder()
        let root = try Self.inspection(folder, train: 40, perDefect: 1)
        let base = ["pollution-study", "--dataset", "mvtec", "--root", root, "--out", folder.path("o"), "--device", "cpu"]
        for (flags, message) in [(["--pollution", "0.3"], "pollution ratio"), (["--refinement", "1"], "refinement ratio"),
                                 (["--methods", "bogus"], "unknown method 'bogus'"),
                                 (["--strategy", "magic"], "unknown refinement strategy"),
                                 (["--pollution", "x"], "not a number")] {
            let result = try Tool.run(base + flags)
            #expect(result.status == 2, "\(flags): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(flags): \(result.stderr)")
        }
        // 4 defective test images cannot fill a pollution set of 8 (20 % of 40) and leave any to test.
        let scarce = try Tool.run(base + ["--methods", "patchcore", "--arch", "resnet18", "--image-size", "64", "--crop", "64"])
        #expect(scarce.status == 1, "\(scarce.stderr)")
        #expect(scarce.stderr.contains("skipping washer") && scarce.stderr.contains("no category has enough"))
    }
}

/// `--refine` on `fit` and `evaluate`.
@Suite struct RefinementCommandTests {
    static let small = ["--arch", "resnet18", "--image-size", "64", "--crop", "64", "--device", "opencl"]

    /// Ten training images with two defective ones mixed in: `fit --refine 0.2` removes two, ranked by the Gaussian
    /// detector, and names them; `evaluate --refine` notes the refinement in its table.
    @Test func fitAndEvaluateRefineTheTrainingImages() throws {
        let folder = try PatchCoreCommandTests.Folder()
        let root = try PollutionStudyCommandTests.inspection(folder, train: 8)
        let train = "\(root)/washer/train/good"
        for (index, defect) in ["crack", "spot"].enumerated() {
            try FileManager.default.copyItem(atPath: "\(root)/washer/test/\(defect)/000.png", toPath: "\(train)/zz\(index).png")
        }
        let model = folder.path("washer.patchcore")
        let fit = try Tool.run(["fit", "--train", train, "--out", model, "--refine", "0.2", "--refine-with", "gaussian"]
                               + Self.small)
        #expect(fit.status == 0, "\(fit.stderr)")
        let removed = fit.stdout.split(separator: "\n").filter { $0.hasPrefix("removed: \(train)/") }
        #expect(removed.count == 2, "\(fit.stdout)")
        #expect(fit.stderr.contains("refinement (sroc 0.2 by gaussian): removed 2 of 10 training images"))
        #expect(FileManager.default.fileExists(atPath: model))
        let out = folder.path("evaluation")
        let evaluate = try Tool.run(["evaluate", "--dataset", "mvtec", "--root", root, "--out", out, "--no-heatmaps",
                                     "--refine", "0.1", "--refine-strategy", "stoc"] + Self.small)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(try String(contentsOfFile: "\(out)/results.md", encoding: .utf8).contains("stoc(5) 0.1"))
    }

    @Test func badRefinementFlagsAreUsageErrors() throws {
        let folder = try PatchCoreCommandTests.Folder()
        for (flags, message) in [(["--refine-with", "gaussian"], "--refine-with needs --refine R"),
                                 (["--refine", "1"], "refinement ratio"), (["--refine", "0.2", "--refine-with", "knn"], "unknown method 'knn'"),
                                 (["--refine", "0.2", "--refine-strategy", "magic"], "unknown refinement strategy")] {
            let result = try Tool.run(["fit", "--train", folder.path("none"), "--out", folder.path("m"), "--device", "cpu", "--arch", "resnet18"] + flags)
            #expect(result.status == 2, "\(flags): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(flags): \(result.stderr)")
        }
    }
}
