@testable import Compute
import Testing
import TestSupport

/// Issue 7 item 5: an injected `clEnqueueNDRangeKernel` fault once aborted the process (SIGABRT) on a cold PoCL
/// kernel cache. The fault was injected after the real call had succeeded, so the kernel ran on (PoCL compiling it)
/// while the error ended the process. An injected fault now fails the call without making it.
@Suite struct FaultInjectionTests {
    @Test func anInjectedLaunchFaultEnqueuesNothing() throws {
        for device in try TestDevices.openCL + TestDevices.otherShapes {
            let x = try Tensor([10, 20, 30] as [Float], shape: [3], on: device)
            let y = try Tensor([1, 2, 3] as [Float], shape: [3], on: device)
            let error = #expect(throws: OpenCLError.self, "\(device.info.identifier)") {
                try FaultInjection.$target.withValue("clEnqueueNDRangeKernel") { try device.axpy(1, x, y) }
            }
            #expect(error?.call == "clEnqueueNDRangeKernel" && error?.context.hasSuffix("(injected fault)") == true)
            #expect(try y.floats() == [1, 2, 3], "the faulted kernel ran anyway on \(device.info.identifier)")
        }
    }

    @Test func anInjectedFaultFailsEveryCallOfThatName() throws {
        for device in try TestDevices.openCL {
            let x = try Tensor([1, 2] as [Float], shape: [2], on: device)
            #expect(throws: OpenCLError.self) {
                try FaultInjection.$target.withValue("clEnqueueFillBuffer") { try device.fill(x, value: 5) }
            }
            #expect(try x.floats() == [1, 2])
            #expect(throws: OpenCLError.self) {
                try FaultInjection.$target.withValue("clEnqueueReadBuffer") { _ = try x.floats() }
            }
        }
    }
}
