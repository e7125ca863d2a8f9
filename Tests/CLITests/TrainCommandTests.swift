import Backbones
import Foundation
import Testing

/// `fractalad train` end to end on tiny settings (resnet18 at 32², fractals rendered on the OpenCL device).
@Suite struct TrainCommandTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "fractalad-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test(arguments: [
        ["train", "--systems", "s.json"],
        ["train", "--out", "/tmp/x"],
        ["train", "--out", "/tmp/x", "--data", "d", "--systems", "s.json"],
        ["train", "--out", "/tmp/x", "--systems", "s.json", "--augment", "heavy"],
        ["train", "--out", "/tmp/fractalad-no-such-run", "--systems", "s.json", "--resume"],
        ["train", "--out", "/tmp/x", "--systems", "s.json", "--batch", "1"],
    ])
    func badUsageExitsWithStatus2(_ arguments: [String]) throws {
        let result = try Tool.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("usage: fractalad train"))
    }

    /// Issue 7 item 9: bad data inside a checkpoint is a bad file (exit 1, naming it and the field), not a usage
    /// error with the whole usage text.
    @Test(arguments: [#"{"epochs": -3}"#, "not json"])
    func aCheckpointWithBadDataIsExit1NamingTheFile(_ configuration: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingConfiguration()))
            as! [String: Any]
        if let changes = try? JSONSerialization.jsonObject(with: Data(configuration.utf8)) as? [String: Any] {
            settings.merge(changes) { $1 }
        }
        let text = configuration == "not json" ? configuration
            : String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        let checkpoint = folder.appending(path: "checkpoint.safetensors")
        try SafeTensorsFile(tensors: [:], metadata: ["format": "fractalad-train", "configuration": text])
            .write(to: checkpoint)
        let result = try Tool.run(["train", "--systems", "s.json", "--out", folder.path, "--resume"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains(checkpoint.path) && result.stderr.contains("field configuration"))
        #expect(!result.stderr.contains("usage:"))
    }

    @Test func anInterruptedRunSavesACheckpointAndResumes() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let systems = folder.appending(path: "systems.json"), run = folder.appending(path: "run")
        #expect(try Tool.run(["ifs", "--num-systems", "3", "--seed", "2", "--out", systems.path]).status == 0)
        let arguments = ["train", "--systems", systems.path, "--out", run.path, "--epochs", "12", "--batch", "3",
                         "--size", "32", "--renders-per-class", "2", "--points", "2000", "--eval-every", "1",
                         "--device", "opencl"]
        let bogus = try Tool.run(arguments + ["--arch", "resnet19"])
        #expect(bogus.status == 2 && bogus.stderr.contains("wide_resnet50_2"))

        let process = try Tool.start(arguments)
        let log = run.appending(path: "log.csv")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning {
            let rows = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if rows >= 2 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()  // SIGTERM, as a batch scheduler sends it (SIGINT is covered by the generate test)
        process.waitUntilExit()
        let interrupted = Tool.finish(process)
        #expect(interrupted.status == 130, "stderr: \(interrupted.stderr)")
        let done = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count - 1
        #expect(done < 12, "the run finished before the interrupt")
        #expect(interrupted.stderr.contains("rerun with --resume"))
        #expect(FileManager.default.fileExists(atPath: run.appending(path: "checkpoint.safetensors").path))
        #expect(try Tool.run(arguments).status == 2, "a second run must not overwrite the first")

        let resumed = try Tool.run(["train", "--systems", systems.path, "--out", run.path, "--resume",
                                    "--device", "opencl"])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        #expect(resumed.stdout.contains("epoch 12/12"))
        let rows = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 13 && rows[0].hasPrefix("epoch,learning_rate,train_loss"))
        let epochs: [String] = rows.dropFirst().map { String($0.prefix { $0 != "," }) }
        #expect(epochs == (1...12).map { String($0) })
        #expect(FileManager.default.fileExists(atPath: run.appending(path: "model.safetensors").path))
    }
}
