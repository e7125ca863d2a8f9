import Compute
import Foundation
import Verification

/// `fractalad selftest`: every op and every tuned kernel variant on a device against the reference loops, at awkward
/// shapes, each output within its op's declared tolerance. How a user checks a new GPU or driver.
enum SelfTestCommand: Command {
    static let name = "selftest"
    static let summary = "check every op and kernel variant of a device against the reference loops"
    static let synopsis = "[--device D] [--quick]"
    static let options: [OptionSpec] = [
        CommonOptions.device,
        .flag("quick", "only the first shapes of each op"),
        CommonOptions.verbose,
    ]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        let device = try CommonOptions.device(arguments, console)
        console.print("| op | output | shape | variant | max abs error | tolerance | of tolerance | pass |")
        console.print("|---|---|---|---|---:|---|---:|---|")
        let rows = SelfTest.run(on: device, quick: arguments.flag("quick")) { console.print(line($0)) }
        let failures = rows.filter { !$0.passes }
        for row in failures.prefix(20) {
            let detail = row.error ?? row.comparison?.problem ?? ""
            console.note("FAIL \(row.op) \(row.output) [\(row.shape)] \(row.variant): \(detail)")
        }
        if failures.count > 20 { console.note("… and \(failures.count - 20) more failing rows in the table") }
        let verdict = failures.isEmpty ? "all pass" : "\(failures.count) FAIL"
        console.print("selftest: \(rows.count) checks on \(device.info.identifier), \(verdict)")
        return failures.isEmpty ? 0 : 1
    }

    /// One table row: errors as the tolerance measures them, the share of the tolerance used.
    static func line(_ row: SelfTestRow) -> String {
        var error = "-", used = "-"
        if let c = row.comparison {
            if case .exact = row.tolerance {
                error = c.mismatches == 0 ? "0" : "\(c.mismatches) differ"
            } else {
                error = String(format: "%.3g", c.maxError)
                used = c.fraction.isFinite ? String(format: "%.1f%%", 100 * c.fraction) : "∞"
            }
        }
        let pass = row.passes ? "ok" : "FAIL" + (row.error.map { ": \($0)" } ?? "")
        return "| \(row.op) | \(row.output) | \(row.shape) | \(row.variant) | \(error) | \(row.tolerance) | \(used) "
            + "| \(pass) |"
    }
}
