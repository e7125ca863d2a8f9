import Compute
import Dispatch
import Foundation

/// Seeded initial values with torchvision's ResNet scheme: Kaiming-normal convolution weights with fan-out mode
/// (He, Zhang, Ren & Sun, "Delving Deep into Rectifiers", ICCV 2015), batch-norm `γ = 1`, `β = 0`, and
/// `nn.Linear`'s default uniform bounds `±1/√fan_in` for the classifier.
///
/// Each tensor draws from its own Philox stream, keyed by the seed and the order in which the model asks for
/// tensors, in chunks of 64 Ki values that fill in parallel; the values do not depend on the thread count.
struct Initializer {
    let seed: UInt64
    private var next: UInt32 = 0
    private static let purpose: UInt32 = 0x1417
    private static let chunk = 1 << 16

    init(seed: UInt64) { self.seed = seed }

    /// `N(0, 2/fan_out)` with `fan_out = O·KH·KW`: `kaiming_normal_(mode="fan_out", nonlinearity="relu")`.
    mutating func kaimingNormalFanOut(_ shape: [Int], on device: any Device) throws -> Tensor {
        let fanOut = shape[0] * shape[2...].reduce(1, *)
        let std = (2 / Double(fanOut)).squareRoot()
        return try Tensor(draw(shape.reduce(1, *)) { random in
            // Box–Muller: two uniforms give one normal (the second is discarded to keep one draw per stream step).
            let u = 1 - random.nextUnit(), v = random.nextUnit()
            return Float(std * (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
        }, shape: shape, on: device)
    }

    /// `U(−1/√fan_in, 1/√fan_in)`: `nn.Linear`'s weight (`kaiming_uniform_(a=√5)`) and bias.
    mutating func linearUniform(_ shape: [Int], fanIn: Int, on device: any Device) throws -> Tensor {
        let bound = 1 / Double(fanIn).squareRoot()
        return try Tensor(draw(shape.reduce(1, *)) { Float($0.uniform(-bound, bound)) }, shape: shape, on: device)
    }

    /// A tensor filled with `value`.
    static func constant(_ value: Float, _ shape: [Int], on device: any Device) throws -> Tensor {
        let tensor = try Tensor(uninitialized: shape, on: device)
        try device.fill(tensor, value: value)
        return tensor
    }

    private mutating func draw(_ count: Int, _ sample: @Sendable (inout PhiloxStream) -> Float) -> [Float] {
        let index = next
        next += 1
        let seed = self.seed, chunk = Self.chunk
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = UncheckedPointer(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { part in
                var random = PhiloxStream(seed: seed, stream: (Self.purpose, index, UInt32(part)))
                for i in (part * chunk)..<min(count, (part + 1) * chunk) {
                    (base.pointer + i).initialize(to: sample(&random))
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
