import Foundation
import Testing

/// `fractalad selftest` (issue 8 item 5): passes on the machine's OpenCL device, and exits 1, naming the op, when a
/// kernel is wrong or an OpenCL call fails.
@Suite struct SelfTestCommandTests {
    @Test func everyOpAndVariantPassesOnOpenCL() throws {
        let result = try Tool.run(["selftest", "--device", "opencl", "--quick"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("all pass"))
        for op in ["| gemm |", "| conv2dBackwardFilter |", "| nearestNeighbors |", "| chaosGameBlur |", "| sgdStep |",
                   "| nearest_neighbors_"] {
            #expect(result.stdout.contains(op), "no \(op) row")
        }
    }

    /// A copy of Kernels/ whose `add` is off by 10⁻³ in the last element only (the tail past the work-groups).
    @Test func aBrokenKernelFailsItsRow() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "fractalad-selftest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../Kernels")
        try FileManager.default.copyItem(at: source, to: folder)
        let file = folder.appending(path: "elementwise.cl")
        let text = try String(contentsOf: file, encoding: .utf8)
        let correct = "    y[i] = a[i] + b[i];\n"
        try #require(text.contains(correct), "elementwise.cl changed: update the line this test breaks")
        let broken = "    y[i] = a[i] + b[i] + (i == n - 1 ? 1e-3f : 0.0f);\n"
        try Data(text.replacingOccurrences(of: correct, with: broken).utf8).write(to: file)
        let result = try Tool.run(["selftest", "--device", "opencl", "--quick"],
                                  environment: ["FRACTALAD_KERNEL_DIR": folder.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("| add | output | 4099 | default | 1 differ | exact | - | FAIL |"),
                "\(result.stdout)")
        #expect(result.stdout.contains("| add | output | 1 | default | 1 differ | exact | - | FAIL |"))
        #expect(result.stdout.contains("| addRelu | output | 4099 | default | 0 | exact | - | ok |"))
        #expect(result.stderr.contains("FAIL add output [4099] default: 1 of 4099 differ"), "\(result.stderr)")
    }

    /// Every launch fails: each op's rows say so, and the run still ends with its verdict (no crash).
    @Test func anOpenCLFaultFailsTheRowsCleanly() throws {
        let result = try Tool.run(["selftest", "--device", "opencl", "--quick"],
                                  environment: ["FRACTALAD_CL_FAULT": "clEnqueueNDRangeKernel"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("| relu | output | 1 | default | - | exact | - | FAIL: clEnqueueNDRangeKernel "
                                       + "failed with CL_OUT_OF_RESOURCES"), "\(result.stdout)")
        #expect(result.stdout.contains(" FAIL\n"))
        #expect(result.stderr.contains("FAIL relu output [1] default: clEnqueueNDRangeKernel"), "\(result.stderr)")
    }
}
