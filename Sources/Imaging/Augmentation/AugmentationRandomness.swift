import Compute
import Foundation

/// Which random decision a Philox stream feeds; part of the stream identifier so each transform draws from its own
/// sequence (adding or removing one transform leaves the others' draws unchanged).
public enum AugmentationStep: UInt32, Sendable {
    case resizedCrop = 0x4155_0001
    case horizontalFlip = 0x4155_0002
    case autoAugment = 0x4155_0003
    case erasing = 0x4155_0004
    case batchMixing = 0x4155_0005
}

extension PhiloxStream {
    /// The stream for one augmentation step of one image (or batch) in one epoch: the same (seed, index, epoch, step)
    /// gives the same draws on any machine and thread. Index and epoch are taken modulo 2³².
    public static func augmentation(seed: UInt64, index: Int, epoch: Int, step: AugmentationStep) -> PhiloxStream {
        PhiloxStream(seed: seed, stream: (step.rawValue, UInt32(truncatingIfNeeded: index),
                                          UInt32(truncatingIfNeeded: epoch)))
    }

    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Double {
        let u1 = 1 - nextUnit()  // (0, 1]
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A Gamma(shape, 1) draw (Marsaglia & Tsang, "A simple method for generating gamma variables", 2000; shapes
    /// below 1 through Gamma(shape + 1)·U^(1/shape)).
    mutating func gamma(shape: Double) -> Double {
        if shape < 1 {
            return gamma(shape: shape + 1) * pow(1 - nextUnit(), 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = normal()
            var v = 1 + c * x
            guard v > 0 else { continue }
            v = v * v * v
            let u = 1 - nextUnit()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) {
                return d * v
            }
        }
    }

    /// A Beta(a, b) draw, as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a), y = gamma(shape: b)
        return x + y > 0 ? x / (x + y) : 0.5
    }
}

/// Python's `round()` for the box sizes torchvision computes (halves to even).
@inline(__always)
func pythonRound(_ x: Double) -> Int { Int(x.rounded(.toNearestOrEven)) }
