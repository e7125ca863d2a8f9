import Foundation
import Testing
@testable import FractalADCLI

/// Issue 9: `--method` on `fit`, `predict` and `evaluate` through the built binary.
@Suite struct DetectorCommandTests {
    typealias Folder = PatchCoreCommandTests.Folder

    @Test func padimFitsPredictsAndEvaluates() throws {
        let folder = try Folder()
        let root = try PatchCoreCommandTests.inspection(folder)
        let model = folder.path("washer.padim")
        let fit = try Tool.run(["fit", "--method", "padim", "--train", "\(root)/washer/train/good", "--out", model,
                                "--covariance", "ledoit-wolf"] + PatchCoreCommandTests.small)
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.contains("PaDiM: 16×16 locations × 100 channels from 4 images, ledoit-wolf covariance; "
            + "means + precision matrices 9.9 MiB"), "\(fit.stdout)")
        let predict = try Tool.run(["predict", "--model", model, "--out", folder.path("p"), "--device", "opencl",
                                    "\(root)/washer/test/crack/000.png"])
        #expect(predict.status == 0, "\(predict.stderr)")
        let wrong = try Tool.run(["predict", "--model", model, "--method", "patchcore", "--out", folder.path("q"),
                                  "\(root)/washer/test/crack/000.png"])
        #expect(wrong.status == 1 && wrong.stderr.contains("holds a padim model, not the patchcore model"),
                "\(wrong.stderr)")
        let out = folder.path("results")
        let evaluate = try Tool.run(["evaluate", "--method", "padim", "--dataset", "mvtec", "--root", root, "--out", out,
                                     "--no-heatmaps"] + PatchCoreCommandTests.small)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("PaDiM on mvtec") && evaluate.stdout.contains("| washer |"),
                "\(evaluate.stdout)")
    }

    @Test func gaussianFitsAndEvaluates() throws {
        let folder = try Folder()
        let root = try PatchCoreCommandTests.inspection(folder)
        let fit = try Tool.run(["fit", "--method", "gaussian", "--train", "\(root)/washer/train/good", "--out",
                                folder.path("washer.gaussian")] + PatchCoreCommandTests.small)
        #expect(fit.status == 0 && fit.stdout.contains("Gaussian AD: 5 levels (64+64+128+256+512 channels) from 4 "
            + "images"), "\(fit.stdout) \(fit.stderr)")
        let evaluate = try Tool.run(["evaluate", "--method", "gaussian", "--dataset", "mvtec", "--root", root, "--out",
                                     folder.path("results"), "--no-heatmaps"] + PatchCoreCommandTests.small)
        #expect(evaluate.status == 0 && evaluate.stdout.contains("Gaussian AD on mvtec"), "\(evaluate.stderr)")
    }

    @Test func spadeEvaluatesAndPredicts() throws {
        let folder = try Folder()
        let root = try PatchCoreCommandTests.inspection(folder)
        let out = folder.path("results")
        let evaluate = try Tool.run(["evaluate", "--method", "spade", "--neighbors", "3", "--dataset", "mvtec", "--root",
                                     root, "--out", out, "--no-heatmaps", "--save-models"] + PatchCoreCommandTests.small)
        #expect(evaluate.status == 0 && evaluate.stdout.contains("SPADE on mvtec"), "\(evaluate.stderr)")
        let predict = try Tool.run(["predict", "--model", "\(out)/washer.spade", "--out", folder.path("p"), "--device",
                                    "opencl", "\(root)/washer/test/good"])
        #expect(predict.status == 0, "\(predict.stderr)")
    }

    @Test func patchCoreWithAnInvertedFileReportsItsRecall() throws {
        let folder = try Folder()
        let root = try PatchCoreCommandTests.inspection(folder)
        let fit = try Tool.run(["fit", "--train", "\(root)/washer/train/good", "--out", folder.path("m"), "--neighbors",
                                "5", "--index", "ivf", "--probes", "2"] + PatchCoreCommandTests.small)
        #expect(fit.status == 0 && fit.stdout.contains("IVF 5 lists, 2 probes, recall@5 "), "\(fit.stdout) \(fit.stderr)")
        let lists = try Tool.run(["fit", "--train", folder.path("x"), "--out", folder.path("n"), "--lists", "4"])
        #expect(lists.status == 2 && lists.stderr.contains("--lists and --probes need --index ivf"), "\(lists.stderr)")
    }

    @Test func optionsOfAnotherMethodAreUsageErrors() throws {
        let folder = try Folder()
        for (method, option, value) in [("padim", "coreset", "0.5"), ("patchcore", "covariance", "ledoit-wolf")] {
            let result = try Tool.run(["fit", "--method", method, "--train", folder.path("x"), "--out",
                                       folder.path("m"), "--\(option)", value])
            let other = method == "padim" ? "patchcore" : "padim"
            #expect(result.status == 2 && result.stderr.contains(
                "--\(option) is a \(other) option, but --method is \(method)"), "\(result.stderr)")
        }
    }
}
