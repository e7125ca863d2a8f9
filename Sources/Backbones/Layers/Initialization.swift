import Compute
import Dispatch
import Foundation

/// Seeded initial values with torchvision's ResNet scheme: Kaiming-normal convolution weights with fan-out mode
/// (He, Zhang, Ren & Sun, "Delving Deep into Rectifiers", ICCV 2015), batch-norm `γ = 1`, `β = 0`, and
/// `nn.Linear`'s default uniform bounds `±1/√fan_in` for the classifier.
///
/// Each tensor draws from its own Philox stream, keyed by the seed and the order in which the model asks for
/// tensors; blocks of four values are filled in parallel chunks, so the values do not depend on the thread count.
/// With ``ModelInitialization/none`` the random tensors are left uninitialised (for a checkpoint loaded next).
struct Initializer {
    let seed: UInt64?
    private var next: UInt32 = 0
    private static let purpose: UInt32 = 0x1417
    private static let chunk = 1 << 14

    init(_ initialization: ModelInitialization) {
        if case let .torchvision(seed) = initialization { self.seed = seed } else { seed = nil }
    }

    /// `N(0, 2/fan_out)` with `fan_out = O·KH·KW`: `kaiming_normal_(mode="fan_out", nonlinearity="relu")`.
    mutating func kaimingNormalFanOut(_ shape: [Int], on device: any Device) throws -> Tensor {
        let fanOut = shape[0] * shape[2...].reduce(1, *)
        let std = Float((2 / Double(fanOut)).squareRoot())
        guard seed != nil else { return try Tensor(uninitialized: shape, on: device) }
        return try Tensor(draw(shape.reduce(1, *)) { words in
            // Box–Muller on two pairs of 32-bit uniforms: four normals per Philox block.
            let (r0, t0) = Self.polar(words.0, words.1), (r1, t1) = Self.polar(words.2, words.3)
            return (std * r0 * cos(t0), std * r0 * sin(t0), std * r1 * cos(t1), std * r1 * sin(t1))
        }, shape: shape, on: device)
    }

    /// `U(−1/√fan_in, 1/√fan_in)`: `nn.Linear`'s weight (`kaiming_uniform_(a=√5)`) and bias.
    mutating func linearUniform(_ shape: [Int], fanIn: Int, on device: any Device) throws -> Tensor {
        let bound = Float(1 / Double(fanIn).squareRoot())
        guard seed != nil else { return try Tensor(uninitialized: shape, on: device) }
        return try Tensor(draw(shape.reduce(1, *)) { words in
            func value(_ word: UInt32) -> Float { bound * (2 * Self.unit(word) - 1) }
            return (value(words.0), value(words.1), value(words.2), value(words.3))
        }, shape: shape, on: device)
    }

    /// A tensor filled with `value`.
    static func constant(_ value: Float, _ shape: [Int], on device: any Device) throws -> Tensor {
        let tensor = try Tensor(uninitialized: shape, on: device)
        try device.fill(tensor, value: value)
        return tensor
    }

    /// `(word + ½)/2³²`, uniform on (0, 1).
    private static func unit(_ word: UInt32) -> Float { Float((Double(word) + 0.5) * 0x1p-32) }

    /// Box–Muller radius `√(−2 ln u₁)` and angle `2π·u₂`.
    private static func polar(_ a: UInt32, _ b: UInt32) -> (Float, Float) {
        ((-2 * log(unit(a))).squareRoot(), 2 * Float.pi * unit(b))
    }

    /// `count` values, four from each Philox block `(purpose, tensor, block)`, blocks filled in parallel chunks.
    private mutating func draw(_ count: Int,
                               _ sample: @Sendable ((UInt32, UInt32, UInt32, UInt32)) -> (Float, Float, Float, Float))
        -> [Float] {
        let index = next
        next += 1
        let generator = Philox4x32(seed: seed ?? 0), chunk = Self.chunk
        let blocks = (count + 3) / 4
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = UncheckedPointer(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: (blocks + chunk - 1) / chunk) { part in
                for block in (part * chunk)..<min(blocks, (part + 1) * chunk) {
                    let words = generator.block((Self.purpose, index, UInt32(block >> 32 & 0xFFFF_FFFF),
                                                 UInt32(block & 0xFFFF_FFFF)))
                    let values = sample(words)
                    let first = 4 * block
                    (base.pointer + first).initialize(to: values.0)
                    if first + 1 < count { (base.pointer + first + 1).initialize(to: values.1) }
                    if first + 2 < count { (base.pointer + first + 2).initialize(to: values.2) }
                    if first + 3 < count { (base.pointer + first + 3).initialize(to: values.3) }
                }
            }
            initialized = count
        }
    }
}

/// A pointer handed to `concurrentPerform` iterations that write disjoint elements.
struct UncheckedPointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

/// How a new model's weights are set.
public enum ModelInitialization: Sendable, Equatable {
    /// torchvision's scheme (see ``Initializer``) from a seed.
    case torchvision(seed: UInt64)
    /// Convolution and classifier weights left uninitialised (batch-norm parameters and statistics still start at
    /// their defaults): for a model whose checkpoint is loaded right after, which saves drawing tens of millions of
    /// random numbers.
    case none
}
