import Foundation
import Testing

/// Issue 7 item 15: SIGTERM, which batch schedulers and containers send before SIGKILL, stops `evaluate` and `fit`
/// within seconds (not after the current category), keeps the finished work, and a rerun completes exactly.
@Suite struct SignalTests {
    static let small = ["--arch", "resnet18", "--image-size", "64", "--crop", "64", "--device", "opencl"]

    /// A quick category (`washer`) and a slow one (`tiles`, 30 training images) in MVTec layout.
    static func dataset(_ folder: PatchCoreCommandTests.Folder) throws -> String {
        let root = folder.path("inspection")
        for (category, train) in [("washer", "2"), ("tiles", "30")] {
            let result = try Tool.run(["synthetic", "--out", root, "--categories", category, "--size", "64",
                                       "--train", train, "--test-good", "6", "--test-per-defect", "2"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        return root
    }

    /// Waits until `path` exists or `process` ends.
    static func wait(for path: String, _ process: Process, seconds: Double = 120) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, process.isRunning, !FileManager.default.fileExists(atPath: path) {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Sends SIGTERM and returns the result and the seconds until the process ended.
    static func terminate(_ process: Process) -> (Tool.Result, Double) {
        let sent = Date()
        process.terminate()
        process.waitUntilExit()
        return (Tool.finish(process), Date().timeIntervalSince(sent))
    }

    @Test func evaluateStopsWithinTheCategoryAndTheRerunMatchesAnUninterruptedRun() throws {
        let folder = try PatchCoreCommandTests.Folder()
        let root = try Self.dataset(folder)
        let command = ["evaluate", "--dataset", "mvtec", "--root", root, "--categories", "washer,tiles",
                       "--no-heatmaps"] + Self.small
        let straight = try Tool.run(command + ["--out", folder.path("straight")])
        #expect(straight.status == 0, "\(straight.stderr)")

        let out = folder.path("stopped")
        let process = try Tool.start(command + ["--out", out])
        Self.wait(for: "\(out)/categories/washer.json", process)
        Thread.sleep(forTimeInterval: 0.3)
        let (stopped, seconds) = Self.terminate(process)
        #expect(stopped.status == 130, "\(stopped.stderr)")
        #expect(seconds < 5, "took \(seconds) s to stop")
        #expect(FileManager.default.fileExists(atPath: "\(out)/categories/washer.json"))
        #expect(!FileManager.default.fileExists(atPath: "\(out)/categories/tiles.json"), "tiles finished anyway")
        #expect(!FileManager.default.fileExists(atPath: "\(out)/results.md"))

        let rerun = try Tool.run(command + ["--out", out])
        #expect(rerun.status == 0 && rerun.stderr.contains("washer: kept from an earlier run"), "\(rerun.stderr)")
        #expect(rerun.stdout.replacingOccurrences(of: out, with: "") ==
                straight.stdout.replacingOccurrences(of: folder.path("straight"), with: ""))
    }

    @Test func fitStopsWithinSecondsAndWritesNothing() throws {
        let folder = try PatchCoreCommandTests.Folder()
        let root = try Self.dataset(folder)
        let model = folder.path("tiles.patchcore")
        let command = ["fit", "--train", "\(root)/tiles/train/good", "--out", model, "--batch", "2", "--arch",
                       "resnet18", "--image-size", "160", "--crop", "160", "--device", "opencl"]
        let process = try Tool.start(command)
        Thread.sleep(forTimeInterval: 2)
        #expect(process.isRunning, "fit finished before the signal")
        let (stopped, seconds) = Self.terminate(process)
        #expect(stopped.status == 130, "\(stopped.stderr)")
        #expect(seconds < 5, "took \(seconds) s to stop")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
        #expect(leftovers == ["inspection"], "\(leftovers)")
        let rerun = try Tool.run(command)
        #expect(rerun.status == 0 && FileManager.default.fileExists(atPath: model), "\(rerun.stderr)")
    }
}
