import Compute
import Foundation
import Testing
import TestSupport

/// Shared helpers of the layer-op tests (batch norm, pooling, elementwise, loss, optimiser, image batch).
enum LayerTesting {
    /// The reference device first, then every device under test.
    static var allDevices: [any Device] {
        get throws { [TestDevices.reference as any Device] + (try TestDevices.underTest) }
    }

    /// Decodes `Fixtures/<name>.json` (written by `Fixtures/make_layer_fixtures.py`).
    static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
                               "missing fixture \(name).json")
        return try JSONDecoder().decode(type, from: Data(contentsOf: url))
    }

    /// Checks that every device rejects a call with the error the reference device throws.
    static func expectSameError(_ label: String, sourceLocation: SourceLocation = #_sourceLocation,
                                _ call: (any Device) throws -> Void) throws {
        var expected: ComputeError?
        do {
            try call(TestDevices.reference)
            Issue.record("\(label): the reference accepted the call", sourceLocation: sourceLocation)
            return
        } catch let error as ComputeError {
            expected = error
        }
        for device in try TestDevices.underTest {
            do {
                try call(device)
                Issue.record("\(label): \(device.info.identifier) accepted the call", sourceLocation: sourceLocation)
            } catch let error as ComputeError {
                #expect(error == expected, "\(label) on \(device.info.identifier)", sourceLocation: sourceLocation)
            }
        }
    }

    /// Central finite differences of `loss` with respect to each element of `values`.
    static func numericGradient(_ values: [Float], step: Float, _ loss: ([Float]) throws -> Double) rethrows
        -> [Float] {
        var probe = values
        return try values.indices.map { i in
            probe[i] = values[i] + step
            let up = try loss(probe)
            probe[i] = values[i] - step
            let down = try loss(probe)
            probe[i] = values[i]
            return Float((up - down) / Double(2 * step))
        }
    }

    /// `Σ weights·values` in float64: a scalar loss whose gradient with respect to `values` is `weights`.
    static func dot(_ weights: [Float], _ values: [Float]) -> Double {
        zip(weights, values).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
}

/// Checks analytic gradients against centred differences `(L(p + h) − L(p − h)) / 2h` of a loss computed in Double,
/// one parameter element at a time.
/// - Parameters:
///   - parameters: the arrays the loss depends on.
///   - gradients: the analytic gradient of each array, same shapes.
///   - names: labels for failures.
func expectFiniteDifferences(_ parameters: [[Float]], gradients: [[Float]], names: [String], step h: Float = 0.25,
                             tolerance: Double = 1e-4, sourceLocation: SourceLocation = #_sourceLocation,
                             loss: ([[Float]]) throws -> Double) rethrows {
    for (p, values) in parameters.enumerated() {
        for i in values.indices {
            var plus = parameters, minus = parameters
            plus[p][i] += h
            minus[p][i] -= h
            let numeric = (try loss(plus) - loss(minus)) / Double(2 * h)
            #expect(abs(numeric - Double(gradients[p][i])) < tolerance, "\(names[p])[\(i)]",
                    sourceLocation: sourceLocation)
        }
    }
}
