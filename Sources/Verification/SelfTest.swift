import Compute

/// One row of a self-test: one output of one ``OpCheck`` on one device or kernel variant.
public struct SelfTestRow: Sendable {
    public let op: String
    public let shape: String
    public let output: String
    /// `default`, or the forced variant of a tuned kernel (`nearest_neighbors_cpu lanes8.queries2.rows4`).
    public let variant: String
    public let tolerance: Tolerance
    /// The comparison with the reference, or nil when the op (or the reference) failed.
    public let comparison: Comparison?
    /// Why the op could not be compared.
    public let error: String?

    public var passes: Bool { comparison?.passes ?? false }
}

/// `fractalad selftest`: the ``OpTable`` on a device against the reference loops. On an OpenCL device, every
/// variant its tuner may pick of each tuned kernel is forced in turn and checked on the ops of that kernel's family
/// (the variant's `-D` options rebuild the whole `.cl` file).
public enum SelfTest {
    /// Runs the checks and reports each row as it is measured.
    /// - Parameters:
    ///   - quick: the first shapes of each op only.
    ///   - reference: the device whose results are the specification.
    /// - Returns: every row, in the order reported.
    @discardableResult
    public static func run(on device: any Device, quick: Bool, reference: any Device = CPUDevice.reference,
                           report: (SelfTestRow) -> Void = { _ in }) -> [SelfTestRow] {
        let checks = OpTable.checks(quick: quick)
        var expected: [Int: Result<[[Float]], any Error>] = [:]
        var rows: [SelfTestRow] = []
        func add(_ row: SelfTestRow) {
            rows.append(row)
            report(row)
        }
        func check(_ index: Int, on target: any Device, variant: String) {
            let check = checks[index]
            let wanted = expected[index] ?? Result { try check.run(reference) }
            expected[index] = wanted
            func failed(_ message: String) {
                for output in check.outputs {
                    add(SelfTestRow(op: check.op, shape: check.shape, output: output.name, variant: variant,
                                    tolerance: output.tolerance, comparison: nil, error: message))
                }
            }
            let references: [[Float]], got: [[Float]]
            do { references = try wanted.get() } catch { return failed("the reference failed: \(error)") }
            do { got = try check.run(target) } catch { return failed("\(error)") }
            guard got.count == check.outputs.count, references.count == check.outputs.count else {
                return failed("\(got.count) outputs for \(check.outputs.count) declared")
            }
            for (output, (values, reference)) in zip(check.outputs, zip(got, references)) {
                add(SelfTestRow(op: check.op, shape: check.shape, output: output.name, variant: variant,
                                tolerance: output.tolerance, comparison: output.tolerance.compare(values, reference),
                                error: nil))
            }
        }
        for index in checks.indices { check(index, on: device, variant: "default") }
        guard let openCL = device as? OpenCLDevice else { return rows }
        for kernel in openCL.tunableKernels {
            for parameters in kernel.candidates(for: openCL.descriptor.properties) {
                let variant = "\(kernel.rawValue) \(parameters)"
                do {
                    let forced = try OpenCLDevice(openCL.descriptor, variant: openCL.variant,
                                                  tuning: .forced([kernel: parameters]))
                    for index in checks.indices where checks[index].family == kernel.program {
                        check(index, on: forced, variant: variant)
                    }
                } catch {
                    add(SelfTestRow(op: kernel.rawValue, shape: "-", output: "-", variant: variant,
                                    tolerance: .exact, comparison: nil, error: "\(error)"))
                }
            }
        }
        return rows
    }
}
