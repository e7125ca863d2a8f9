import Compute
import Foundation

/// AutoAugment (Cubuk et al., "AutoAugment: Learning Augmentation Strategies from Data", CVPR 2019) with the ImageNet
/// policy, as torchvision's `transforms.AutoAugment(AutoAugmentPolicy.IMAGENET)` applies it to PIL images: pick one of
/// 25 sub-policies uniformly; run each of its two operations with its probability, at its magnitude bin (of 10),
/// negated with probability ½ for signed operations; geometric operations use nearest-neighbour sampling and fill 0.
public struct AutoAugment: Sendable {
    /// The operations of torchvision's `_augmentation_space`.
    public enum Operation: Sendable, CaseIterable {
        case shearX, shearY, translateX, translateY, rotate, brightness, color, contrast, sharpness, posterize
        case solarize, autoContrast, equalize, invert
    }

    /// One operation of a sub-policy: applied with `probability`, at magnitude bin `bin` (nil for operations without
    /// a magnitude).
    public struct Step: Sendable {
        public var operation: Operation
        public var probability: Double
        public var bin: Int?
    }

    /// torchvision's `_get_policies(AutoAugmentPolicy.IMAGENET)`.
    public static let imageNetPolicy: [(Step, Step)] = [
        (.init(.posterize, 0.4, 8), .init(.rotate, 0.6, 9)),
        (.init(.solarize, 0.6, 5), .init(.autoContrast, 0.6, nil)),
        (.init(.equalize, 0.8, nil), .init(.equalize, 0.6, nil)),
        (.init(.posterize, 0.6, 7), .init(.posterize, 0.6, 6)),
        (.init(.equalize, 0.4, nil), .init(.solarize, 0.2, 4)),
        (.init(.equalize, 0.4, nil), .init(.rotate, 0.8, 8)),
        (.init(.solarize, 0.6, 3), .init(.equalize, 0.6, nil)),
        (.init(.posterize, 0.8, 5), .init(.equalize, 1.0, nil)),
        (.init(.rotate, 0.2, 3), .init(.solarize, 0.6, 8)),
        (.init(.equalize, 0.6, nil), .init(.posterize, 0.4, 6)),
        (.init(.rotate, 0.8, 8), .init(.color, 0.4, 0)),
        (.init(.rotate, 0.4, 9), .init(.equalize, 0.6, nil)),
        (.init(.equalize, 0.0, nil), .init(.equalize, 0.8, nil)),
        (.init(.invert, 0.6, nil), .init(.equalize, 1.0, nil)),
        (.init(.color, 0.6, 4), .init(.contrast, 1.0, 8)),
        (.init(.rotate, 0.8, 8), .init(.color, 1.0, 2)),
        (.init(.color, 0.8, 8), .init(.solarize, 0.8, 7)),
        (.init(.sharpness, 0.4, 7), .init(.invert, 0.6, nil)),
        (.init(.shearX, 0.6, 5), .init(.equalize, 1.0, nil)),
        (.init(.color, 0.4, 0), .init(.equalize, 0.6, nil)),
        (.init(.equalize, 0.4, nil), .init(.solarize, 0.2, 4)),
        (.init(.solarize, 0.6, 5), .init(.autoContrast, 0.6, nil)),
        (.init(.invert, 0.6, nil), .init(.equalize, 1.0, nil)),
        (.init(.color, 0.6, 4), .init(.contrast, 1.0, 8)),
        (.init(.equalize, 0.8, nil), .init(.equalize, 0.6, nil)),
    ]

    public var policy: [(Step, Step)]

    public init(policy: [(Step, Step)] = AutoAugment.imageNetPolicy) { self.policy = policy }

    /// Applies one randomly chosen sub-policy (torchvision's `get_params`: sub-policy index, two probabilities, two
    /// signs).
    /// - Throws: `invalidArgument` unless the image is gray or RGB.
    public func apply(_ image: ByteImage, random: inout PhiloxStream) throws -> ByteImage {
        try Self.checkChannels(image)
        guard !policy.isEmpty else { return image }
        let chosen = policy[random.integer(in: 0...(policy.count - 1))]
        let draws = [random.nextUnit(), random.nextUnit()]
        let signs = [random.integer(in: 0...1), random.integer(in: 0...1)]
        var result = image
        for (i, step) in [chosen.0, chosen.1].enumerated() where draws[i] <= step.probability {
            var magnitude = step.bin.map {
                Self.magnitude(step.operation, bin: $0, width: result.width, height: result.height)
            } ?? 0
            if Self.isSigned(step.operation) && signs[i] == 0 { magnitude = -magnitude }
            result = try Self.apply(step.operation, magnitude: magnitude, to: result)
        }
        return result
    }

    private static func checkChannels(_ image: ByteImage) throws {
        guard image.channels == 1 || image.channels == 3 else {
            throw ImagingError(.invalidArgument,
                               "AutoAugment needs a gray or RGB image, not \(image.channels) channels")
        }
    }

    static func isSigned(_ operation: Operation) -> Bool {
        switch operation {
        case .shearX, .shearY, .translateX, .translateY, .rotate, .brightness, .color, .contrast, .sharpness: true
        case .posterize, .solarize, .autoContrast, .equalize, .invert: false
        }
    }

    /// The magnitude of bin `bin` (0...9) of torchvision's `_augmentation_space(10, (width, height))`, with torch's
    /// float32 `linspace` rounding; Solarize is torchvision's `255 · linspace(1, 0)` threshold for 8-bit images.
    public static func magnitude(_ operation: Operation, bin: Int, width: Int, height: Int) -> Double {
        switch operation {
        case .shearX, .shearY: torchLinspace(0, 0.3, bin)
        case .translateX: torchLinspace(0, Float(150.0 / 331.0 * Double(width)), bin)
        case .translateY: torchLinspace(0, Float(150.0 / 331.0 * Double(height)), bin)
        case .rotate: torchLinspace(0, 30, bin)
        case .brightness, .color, .contrast, .sharpness: torchLinspace(0, 0.9, bin)
        case .posterize: Double(8 - Int((Float(bin) / (9.0 / 4)).rounded(.toNearestOrEven)))
        case .solarize: 255 * torchLinspace(1, 0, bin)
        case .autoContrast, .equalize, .invert: 0
        }
    }

    /// Element `index` of `torch.linspace(start, end, 10)` in float32 (the first half counts up from `start`, the
    /// second half down from `end`).
    static func torchLinspace(_ start: Float, _ end: Float, _ index: Int, steps: Int = 10) -> Double {
        let step = (end - start) / Float(steps - 1)
        return Double(index < steps / 2 ? start + step * Float(index) : end - step * Float(steps - index - 1))
    }

    /// torchvision's `_apply_op` for a PIL image.
    public static func apply(_ operation: Operation, magnitude: Double, to image: ByteImage) throws -> ByteImage {
        try checkChannels(image)
        let toDegrees = 180 / Double.pi
        switch operation {
        case .shearX:
            return image.affineNearest(angle: 0, translate: (0, 0), scale: 1,
                                       shear: (atan(magnitude) * toDegrees, 0), center: (0, 0))
        case .shearY:
            return image.affineNearest(angle: 0, translate: (0, 0), scale: 1,
                                       shear: (0, atan(magnitude) * toDegrees), center: (0, 0))
        case .translateX:
            return image.affineNearest(angle: 0, translate: (Int(magnitude), 0), scale: 1, shear: (0, 0), center: nil)
        case .translateY:
            return image.affineNearest(angle: 0, translate: (0, Int(magnitude)), scale: 1, shear: (0, 0), center: nil)
        case .rotate:
            return image.rotatedNearest(degrees: magnitude)
        case .brightness:
            return image.brightnessAdjusted(Float(1 + magnitude))
        case .color:
            return image.saturationAdjusted(Float(1 + magnitude))
        case .contrast:
            return image.contrastAdjusted(Float(1 + magnitude))
        case .sharpness:
            return image.sharpnessAdjusted(Float(1 + magnitude))
        case .posterize:
            return image.posterized(bits: Int(magnitude))
        case .solarize:
            return image.solarized(threshold: magnitude)
        case .autoContrast:
            return image.autoContrasted()
        case .equalize:
            return image.equalized()
        case .invert:
            return image.inverted()
        }
    }
}

extension AutoAugment.Step {
    init(_ operation: AutoAugment.Operation, _ probability: Double, _ bin: Int?) {
        self.init(operation: operation, probability: probability, bin: bin)
    }
}
