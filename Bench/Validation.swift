import Compute

/// The check every benchmark runs once per device before it times anything: the benchmarked ops at a small awkward
/// shape on the device and on the reference loops, compared element by element. A device that disagrees stops the
/// benchmark with an error (exit 1), so no speed is ever reported for wrong results.
enum Validation {
    /// Compares `compute(device)` with `compute(reference)` output by output and throws when any element differs by
    /// more than `tolerance · (1 + |reference|)`; `tolerance` 0 demands identical values (the bit-exact paths).
    ///
    /// - Parameters:
    ///   - benchmark: the benchmark's name, for the message.
    ///   - outputs: one label per array `compute` returns, for the message.
    static func check(_ benchmark: String, on device: any Device, tolerance: Float, outputs: [String],
                      _ compute: (any Device) throws -> [[Float]]) throws {
        let reference = Self.reference
        guard device.info.identifier != reference.info.identifier else { return }
        let expected = try compute(reference), got = try compute(device)
        guard expected.count == outputs.count, got.count == outputs.count else {
            throw mismatch(benchmark, device, "returned \(got.count) outputs for \(outputs.count) labels")
        }
        var worst: Float = 0
        for (label, (values, references)) in zip(outputs, zip(got, expected)) {
            guard values.count == references.count else {
                throw mismatch(benchmark, device,
                               "\(label) has \(values.count) values, the reference \(references.count)")
            }
            for (index, (value, target)) in zip(values, references).enumerated() {
                let error = value == target ? 0 : abs(value - target) / (1 + abs(target))
                guard error <= tolerance, !error.isNaN else {
                    throw mismatch(benchmark, device, "\(label)[\(index)] = \(value), the reference gives \(target) "
                                   + "(|Δ|/(1+|ref|) = \(error) > tolerance \(tolerance))")
                }
                worst = max(worst, error)
            }
        }
        print("- \(benchmark): \(device.info.identifier) matches \(reference.info.identifier) on \(outputs.count) "
              + "outputs: worst |Δ|/(1+|ref|) = \(worst), tolerance \(tolerance)")
    }

    /// The plain-loop reference every device is compared with.
    static var reference: any Device { CPUDevice.reference }

    private static func mismatch(_ benchmark: String, _ device: any Device, _ detail: String) -> ComputeError {
        .invalidArgument(op: "\(benchmark) benchmark",
                         detail: "\(device.info.identifier) disagrees with the reference, so it is not timed: "
                             + detail)
    }
}
