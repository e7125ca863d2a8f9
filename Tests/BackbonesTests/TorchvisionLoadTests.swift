import Backbones
import Compute
import Foundation
import Testing
import TestSupport

/// A FractalAD checkpoint loads into torchvision with `load_state_dict(strict=True)` and gives FractalAD's logits.
///
/// `Fixtures/fractalad_resnet18_torchvision.safetensors` holds the logits torchvision computed
/// (`make_torch_fixtures.py --check`) from the checkpoint of `ResNet(.resnet18, classes: 10, seed: 0)` on the input
/// below; the default test rebuilds that model (the initialisation is seeded) and compares. With
/// `FRACTALAD_TORCH_PYTHON=/path/to/python` (torch and torchvision installed) the test also runs the check live, and
/// with `FRACTALAD_UPDATE_FIXTURES=1` as well it rewrites the stored logits.
@Suite struct TorchvisionLoadTests {
    static let fixture = "fractalad_resnet18_torchvision"

    @Test func torchvisionLoadsAFractalADCheckpointAndAgrees() throws {
        let device = CPUDevice.fastShared
        let model = try ResNet(.resnet18, classes: 10, seed: 0, device: device)
        let input = testValues(2 * 3 * 32 * 32, seed: 31)
        let logits = try model.forward(try Tensor(input, shape: [2, 3, 32, 32], on: device), mode: .evaluation).floats()
        let stored = try Fixtures.safetensors(Self.fixture).values("logits")
        expectClose(logits, stored, .nmse(1e-10), "FractalAD vs stored torchvision logits")

        let environment = ProcessInfo.processInfo.environment
        guard let python = environment["FRACTALAD_TORCH_PYTHON"] else { return }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appending(path: "resnet18.safetensors"), inputFile = folder.appending(path: "input")
        let output = folder.appending(path: "logits.safetensors")
        try model.save(to: checkpoint)
        try SafeTensorsFile(tensors: ["input": SafeTensor(input, shape: [2, 3, 32, 32])]).write(to: inputFile)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appending(path: "Fixtures/make_torch_fixtures.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, "--check", checkpoint.path, inputFile.path, output.path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "torchvision refused the checkpoint (see the script's output)")
        let live = try SafeTensorsFile.read(output).values("logits")
        expectClose(logits, live, .nmse(1e-10), "FractalAD vs live torchvision logits")
        if environment["FRACTALAD_UPDATE_FIXTURES"] == "1" {
            try SafeTensorsFile.read(output).write(to: script.deletingLastPathComponent()
                .appending(path: Self.fixture + ".safetensors"))
        }
    }
}
