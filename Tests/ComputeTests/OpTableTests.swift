import Compute
import Testing
import TestSupport

/// The self-test's op table: it covers every kernel family, its quick subset passes on every device under test, and
/// its comparisons report what they should.
@Suite struct OpTableTests {
    @Test func everyKernelFamilyHasQuickChecks() {
        let families = Set(KernelReference.all.map(\.program))
        #expect(families.isSubset(of: Set(OpTable.checks(quick: true).map(\.family))),
                "no checks for \(families.subtracting(OpTable.checks(quick: true).map(\.family)))")
        #expect(OpTable.all.allSatisfy { !$0.outputs.isEmpty })
    }

    @Test func theQuickSelfTestPassesOnEveryDeviceUnderTest() throws {
        for device in try TestDevices.underTest {
            let rows = SelfTest.run(on: device, quick: true)
            #expect(rows.count >= OpTable.checks(quick: true).count)
            for row in rows where !row.passes {
                let detail = row.error ?? row.comparison?.problem ?? ""
                let message = "\(row.op) \(row.output) [\(row.shape)] \(row.variant) on \(device.info.identifier)"
                Issue.record("\(message): \(detail)")
            }
        }
    }

    @Test func comparisonsCountWhatIsOutsideTheTolerance() {
        let exact = Tolerance.exact.compare([1, 2, -0.0, .nan], [1, 3, 0, .nan])
        #expect(!exact.passes && exact.mismatches == 2 && exact.failing == [1, 2])
        let close = Tolerance.elementwise(absolute: 0.1, relative: 0.01).compare([1.05, 10.15, .nan], [1, 10, .nan])
        #expect(close.passes && abs(close.maxError - 0.15) < 1e-6 && close.fraction < 1)
        let far = Tolerance.elementwise(absolute: 0.1, relative: 0).compare([1, .nan], [1, 2])
        #expect(!far.passes && far.mismatches == 1 && far.maxError == .infinity)
        #expect(Tolerance.nmse(1e-6).compare([1, 2.01], [1, 2]).mismatches == 2)
        #expect(Tolerance.nmse(1e-6).compare([1, 2.000001], [1, 2]).passes)
        let short = Tolerance.exact.compare([1], [1, 2])
        #expect(!short.passes && short.count == nil && short.problem == "1 values, expected 2")
    }
}
