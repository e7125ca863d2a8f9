import Foundation
import Imaging
import Testing
@testable import FractalADCLI

/// Runs the built `fractalad` binary (next to the test bundle) and captures its output.
struct Tool {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "fractalad")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        finish(try start(arguments, environment: environment))
    }

    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        return process
    }

    /// Drains both pipes while the process runs (a child blocked on a full pipe would never exit), then waits.
    static func finish(_ process: Process) -> Result {
        final class Output: @unchecked Sendable { var data = Data() }
        let errors = Output(), drained = DispatchSemaphore(value: 0)
        let stderr = (process.standardError as! Pipe).fileHandleForReading
        DispatchQueue.global().async {
            errors.data = stderr.readDataToEndOfFile()
            drained.signal()
        }
        let out = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        let err = errors.data
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }
}

@Suite struct CommandLineTests {
    @Test(arguments: [
        ["generate", "--out", "/tmp/x", "--bogus"],
        ["generate", "--out", "/tmp/x", "--size", "abc"],
        ["generate", "--out", "/tmp/x", "--size", "3"],
        ["generate", "--classes", "4"],
        ["generate", "--out", "/tmp/x", "--mode", "sideways"],
        ["generate", "--out", "/tmp/x", "--shard", "3/3"],
        ["generate", "--out", "/tmp/x", "--shard", "9223372036854775806/9223372036854775807"],
        ["generate", "--out", "/tmp/x", "--classes", "4", "--shard", "0/5"],
        ["generate", "--out", "/tmp/x", "--min-fill"],
        ["generate", "--out", "/tmp/x", "--systems", "a.json", "--num-systems", "4"],
        ["ifs", "--num-systems", "10"],
        ["fit", "--train", "/tmp/fractalad-no-such-folder", "--out", "/tmp/x.patchcore", "--crop", "0"],
        ["ifs", "--num-systems", "-5", "--out", "/tmp/x.json"],
        ["ifs", "--num-systems", "5", "--out", "/tmp/x.json", "--min-maps", "5", "--max-maps", "3"],
        ["ifs", "--num-systems", "5", "--out", "/tmp/x.json", "stray"],
        ["generate", "--out", ""],
        ["generate", "--out=", "--classes", "2"],
        ["evaluate", "--dataset", "mvtec", "--root", "/tmp", "--categories", ""],
        ["evaluate", "--dataset", "mvtec", "--root", "/tmp", "--categories", "a,,b"],
        ["fit", "--train", "/tmp", "--out", "/tmp/x.patchcore", "--layers", "layer2,"],
        ["frobnicate"],
        [],
    ])
    func badUsageExitsWithStatus2AndPrintsUsage(_ arguments: [String]) throws {
        let result = try Tool.run(arguments)
        #expect(result.status == 2, "\(arguments): status \(result.status), stderr: \(result.stderr)")
        #expect(result.stderr.contains("usage: fractalad"), "\(arguments): no usage in \(result.stderr)")
    }

    @Test func helpAndVersionSucceed() throws {
        #expect(try Tool.run(["--help"]).status == 0)
        #expect(try Tool.run(["generate", "--help"]).stdout.contains("--min-fill"))
        #expect(try Tool.run(["--version"]).stdout.hasPrefix("fractalad "))
    }

    @Test func devicesListsTheCPU() throws {
        let result = try Tool.run(["devices"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("cpu-reference"))
        #expect(result.stdout.contains("default: "))
    }

    @Test func badFilesAndDevicesGiveStatus1WithAMessage() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fractalad-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bad = folder.appending(path: "bad.json")
        try Data("{\"format\": \"fractalad-ifs\", \"version\": 1, \"systems\": [{\"maps\": [[2,0,0,2,0,0]]}]}".utf8)
            .write(to: bad)
        let result = try Tool.run(["generate", "--out", folder.appending(path: "out").path, "--systems", bad.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("systems[0].maps[0]: is not a contraction"))
        let device = try Tool.run(["generate", "--out", folder.path, "--device", "opencl:42"])
        #expect(device.status == 1)
        #expect(device.stderr.contains("opencl:42"))
        let failing = try Tool.run(["generate", "--out", folder.appending(path: "f").path, "--classes", "2",
                                    "--size", "16", "--device", "opencl"],
                                   environment: ["FRACTALAD_CL_FAULT": "clEnqueueNDRangeKernel"])
        #expect(failing.status == 1)
        #expect(failing.stderr.contains("CL_OUT_OF_RESOURCES"))
    }

    /// Issue 7 item 11: an unknown or empty FRACTALAD_DEVICE is an error naming the variable, as `--device` is.
    @Test(arguments: ["bogus", ""])
    func aBadDeviceVariableIsAnError(_ value: String) throws {
        let result = try Tool.run(["devices"], environment: ["FRACTALAD_DEVICE": value])
        #expect(result.status == 1 && result.stderr.contains("from FRACTALAD_DEVICE"), "\(result.stderr)")
    }

    /// Issue 7 items 10 and 12: Foundation's errors become sentences naming the path; a folder, a device or a
    /// missing file is called what it is.
    @Test func fileErrorsArePlainSentencesNamingThePath() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fractalad-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appending(path: "file")
        try Data("x".utf8).write(to: file)
        let synthetic = ["synthetic", "--categories", "washer", "--size", "32", "--train", "1", "--test-good", "1",
                         "--test-per-defect", "1"]
        let images = folder.appending(path: "images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try PNG.write(try ByteImage(width: 8, height: 8, channels: 3, value: 9), to: images.appending(path: "a.png"))
        let systems = folder.appending(path: "s.json")
        #expect(try Tool.run(["ifs", "--num-systems", "2", "--out", systems.path]).status == 0)
        let cases: [([String], String)] = [
            (["train", "--systems", systems.path, "--out", file.path, "--epochs", "1", "--batch", "2", "--size", "32",
              "--points", "100", "--device", "cpu"], "\(file.path): it already exists as a file, not a folder"),
            (synthetic + ["--out", file.path + "/sub"], "a part of its path is a file, not a folder"),
            (["ifs", "--num-systems", "2", "--out", file.path + "/s.json"],
             "a part of its path is a file, not a folder"),
            (["generate", "--systems", folder.path, "--out", folder.path + "/g"],
             "\(folder.path): cannot be read: it is a folder"),
            (["fit", "--train", images.path, "--out", folder.path + "/m", "--backbone", "/dev/null", "--device", "cpu"],
             "/dev/null: it is not a regular file"),
        ]
        for (arguments, expected) in cases {
            let result = try Tool.run(arguments)
            #expect(result.status == 1 && result.stderr.contains(expected), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("Domain="), "\(arguments): \(result.stderr)")
        }
    }

    /// Issue 7 item 16: every `fractalad generate` example in README.md is accepted as written.
    @Test func readmesGenerateExamplesAreValid() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../README.md")
        let examples = try String(contentsOf: readme, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("fractalad generate --") }
        #expect(examples.count >= 4)
        for example in examples {
            let words = example.prefix { $0 != "#" }.split(separator: " ").map(String.init).dropFirst(2)
            let arguments = try Arguments(Array(words), options: GenerateCommand.options, allowsPositionals: false)
            #expect(throws: Never.self, "\(example)") {
                _ = try GenerateCommand.shard(arguments, spec: try GenerateCommand.datasetSpec(arguments))
            }
        }
    }

    /// Issue 7 item 17: compiler warnings (PoCL's "N warnings generated") stay off stderr unless --verbose.
    @Test func compilerWarningsOnlyWithVerbose() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fractalad-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let kernels = folder.appending(path: "kernels")
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../Kernels")
        try FileManager.default.copyItem(at: source, to: kernels)
        // A kernel with a warning clang always reports: an implicit float-to-int conversion that changes the value.
        let file = kernels.appending(path: "chaos_game.cl")
        let probe = "\n__kernel void warning_probe(__global int *out) { int x = 1.5f; out[0] = x; }\n"
        try Data((try String(contentsOf: file, encoding: .utf8) + probe).utf8).write(to: file)
        for verbose in [false, true] {
            let environment = ["FRACTALAD_KERNEL_DIR": kernels.path,
                               "POCL_CACHE_DIR": folder.appending(path: "pocl-\(verbose)").path]
            let result = try Tool.run(["generate", "--classes", "2", "--size", "16", "--device", "opencl",
                                       "--out", folder.appending(path: "out-\(verbose)").path]
                                      + (verbose ? ["--verbose"] : []), environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("warning") == verbose, "verbose \(verbose): \(result.stderr)")
        }
    }

    @Test func ifsWritesALoadableFile() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fractalad-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appending(path: "systems.json")
        let result = try Tool.run(["ifs", "--num-systems", "25", "--seed", "4", "--out", file.path])
        #expect(result.status == 0)
        let again = folder.appending(path: "again.json")
        _ = try Tool.run(["ifs", "--num-systems", "25", "--seed", "4", "--out", again.path])
        #expect(try Data(contentsOf: file) == Data(contentsOf: again))
    }

    @Test func anInterruptedGenerateResumesToExactlyTheFilesOfAnUninterruptedRun() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fractalad-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = folder.appending(path: "whole"), resumed = folder.appending(path: "resumed")
        let common = ["generate", "--classes", "60", "--size", "96", "--points", "150000", "--batch", "4",
                      "--seed", "3", "--device", "cpu"]
        #expect(try Tool.run(common + ["--out", whole.path]).status == 0)

        let process = try Tool.start(common + ["--out", resumed.path])
        // Interrupt once a few files exist.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let count = (FileManager.default.enumerator(atPath: resumed.path)?.allObjects as? [String])?
                .filter { $0.hasSuffix(".png") }.count ?? 0
            if count >= 8 { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        process.interrupt()
        process.waitUntilExit()
        let interrupted = Tool.finish(process)
        let files = { (root: URL) -> [String: Data] in
            var result: [String: Data] = [:]
            for case let path as String in FileManager.default.enumerator(atPath: root.path)?.allObjects ?? []
            where path.hasSuffix(".png") || path.contains(".tmp-") {
                result[path] = FileManager.default.contents(atPath: root.appending(path: path).path)
            }
            return result
        }
        #expect(interrupted.status == 130, "stderr: \(interrupted.stderr)")
        let partial = files(resumed)
        #expect(partial.keys.allSatisfy { !$0.contains(".tmp-") }, "temporary files left behind")
        #expect(partial.count >= 8 && partial.count < 60)
        let second = try Tool.run(common + ["--out", resumed.path])
        #expect(second.status == 0, "stderr: \(second.stderr)")
        #expect(files(resumed) == files(whole))
    }
}
