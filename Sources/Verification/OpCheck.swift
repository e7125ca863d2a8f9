import Compute

/// One output of an ``OpCheck`` and the tolerance its op declares for it.
public struct CheckedOutput: Sendable {
    public let name: String
    public let tolerance: Tolerance

    public init(_ name: String, _ tolerance: Tolerance) {
        self.name = name
        self.tolerance = tolerance
    }
}

/// One op at one shape, run alike on the device under test and on the reference loops (ggml's test-backend-ops and
/// llm.c's kernel checks work the same way: same inputs, the plain loops as the specification).
public struct OpCheck: Sendable {
    /// The op, named as its ``Device`` method (`conv2dBackwardFilter`).
    public let op: String
    /// The kernel family, `Kernels/<family>.cl`: a tuned kernel's variants are checked on the ops of its family.
    public let family: String
    /// The shape, for the table.
    public let shape: String
    public let outputs: [CheckedOutput]
    /// Part of `selftest --quick`.
    public let quick: Bool
    /// Runs the op on a device; one array per output, integer outputs as their bit patterns.
    public let run: @Sendable (any Device) throws -> [[Float]]

    public init(_ op: String, _ family: String, _ shape: String, _ outputs: [CheckedOutput], quick: Bool = false,
                run: @escaping @Sendable (any Device) throws -> [[Float]]) {
        self.op = op
        self.family = family
        self.shape = shape
        self.outputs = outputs
        self.quick = quick
        self.run = run
    }
}

extension Tensor {
    /// The values for an ``OpCheck``: floats as they are, int32 as bit patterns (compared ``Tolerance/exact``),
    /// bytes as their values.
    func checkedValues() throws -> [Float] {
        switch dtype {
        case .float32: try floats()
        case .int32: try int32s().map { Float(bitPattern: UInt32(bitPattern: $0)) }
        case .uint8: try bytes().map(Float.init)
        }
    }
}

extension Tolerance {
    /// Sums of `length` float terms of magnitude up to `magnitude`, added in another order (chunked, pairwise):
    /// they err by about `ε·√length` relative to the terms; this allows 16 times that, plus `extraAbsolute`.
    public static func sums(length: Int, magnitude: Float = 1, extraAbsolute: Float = 0) -> Tolerance {
        .elementwise(absolute: 16 * Float.ulpOfOne * Float(length).squareRoot() * magnitude + extraAbsolute,
                     relative: 1e-5)
    }

    /// A few multiply-adds per element, each of which may be fused.
    static let fusedMultiplyAdd = Tolerance.elementwise(absolute: 1e-7, relative: 2 * Float.ulpOfOne)
}
