import Compute
import Foundation

/// Batch-level mixing as torchvision's `transforms.v2.MixUp` / `CutMix` do it: one λ ~ Beta(α, α) per batch, and each
/// image `i` is mixed with image `i − 1` (the batch rolled by one, image 0 with the last). Targets are the one-hot
/// labels mixed with the same weights; label smoothing is left to the loss.
public enum BatchMixing: Sendable {
    /// MixUp (Zhang et al., "mixup: Beyond Empirical Risk Minimization", ICLR 2018): `λ·x_i + (1 − λ)·x_{i−1}`.
    case mixUp(alpha: Double)
    /// CutMix (Yun et al., "CutMix: Regularization Strategy to Train Strong Classifiers with Localizable Features",
    /// ICCV 2019): a box of side `√(1 − λ)` × the image side, centred uniformly (clipped at the borders), is pasted
    /// from image `i − 1`; λ is then recomputed as 1 − box area / image area.
    case cutMix(alpha: Double)

    /// A mixed batch.
    public struct Result: Sendable {
        /// `[N, C, H, W]`.
        public var images: [Float]
        /// `[N, K]` soft targets; each row sums to 1.
        public var targets: [Float]
        /// The weight of each image's own label (for CutMix, after clipping the box).
        public var lambda: Double
        /// CutMix's pasted box in pixels (`x0..<x1`, `y0..<y1`); nil for MixUp.
        public var box: (x0: Int, y0: Int, x1: Int, y1: Int)?
    }

    /// The random part of one batch's mixing: λ and, for CutMix, the pasted box (λ already recomputed from it).
    public struct Draw: Sendable {
        public var lambda: Double
        /// CutMix's pasted box in pixels (`x0..<x1`, `y0..<y1`); nil for MixUp.
        public var box: (x0: Int, y0: Int, x1: Int, y1: Int)?
    }

    /// Draws λ ~ Beta(α, α) and, for CutMix, a box for `height × width` images.
    /// - Throws: `invalidArgument` for α ≤ 0 or an empty image size.
    public func draw(height h: Int, width w: Int, random: inout PhiloxStream) throws -> Draw {
        let alpha: Double
        switch self {
        case .mixUp(let a), .cutMix(let a): alpha = a
        }
        guard alpha > 0, alpha.isFinite else { throw ImagingError(.invalidArgument, "alpha must be positive") }
        guard h > 0, w > 0 else { throw ImagingError(.invalidArgument, "empty image size \(w)×\(h)") }
        let lambda = random.beta(alpha, alpha)
        guard case .cutMix = self else { return Draw(lambda: lambda, box: nil) }
        let centreX = random.integer(in: 0...(w - 1)), centreY = random.integer(in: 0...(h - 1))
        let r = 0.5 * (1 - lambda).squareRoot()
        let halfWidth = Int(r * Double(w)), halfHeight = Int(r * Double(h))
        let b = (x0: max(centreX - halfWidth, 0), y0: max(centreY - halfHeight, 0),
                 x1: min(centreX + halfWidth, w), y1: min(centreY + halfHeight, h))
        return Draw(lambda: 1 - Double((b.x1 - b.x0) * (b.y1 - b.y0)) / Double(w * h), box: b)
    }

    /// `[N, K]` soft targets: weight λ on each image's own label, 1 − λ on the label of image `i − 1`.
    public static func targets(labels: [Int], classCount: Int, lambda: Double) -> [Float] {
        let n = labels.count
        var targets = [Float](repeating: 0, count: n * classCount)
        for i in 0..<n {
            targets[i * classCount + labels[i]] += Float(lambda)
            targets[i * classCount + labels[(i + n - 1) % n]] += Float(1 - lambda)
        }
        return targets
    }

    /// Mixes `images` (`[N, C, H, W]`) with labels in `0..<classCount`.
    /// - Throws: `invalidArgument` for inconsistent shapes, labels out of range or α ≤ 0.
    public func apply(images: [Float], shape: (batch: Int, channels: Int, height: Int, width: Int), labels: [Int],
                      classCount: Int, random: inout PhiloxStream) throws -> Result {
        let (n, c, h, w) = shape
        guard n > 0, c > 0, h > 0, w > 0, images.count == n * c * h * w, labels.count == n, classCount > 0,
              labels.allSatisfy({ (0..<classCount).contains($0) }) else {
            throw ImagingError(.invalidArgument, "inconsistent batch: \(images.count) values for \(shape), "
                                                 + "\(labels.count) labels, \(classCount) classes")
        }
        let draw = try draw(height: h, width: w, random: &random)
        let imageSize = c * h * w
        var mixed = images
        if let b = draw.box {
            for i in 0..<n {
                let partner = (i + n - 1) % n
                for channel in 0..<c {
                    for y in b.y0..<b.y1 {
                        let row = (channel * h + y) * w
                        for x in b.x0..<b.x1 {
                            mixed[i * imageSize + row + x] = images[partner * imageSize + row + x]
                        }
                    }
                }
            }
        } else {
            let own = Float(draw.lambda), other = Float(1 - draw.lambda)
            for i in 0..<n {
                let partner = (i + n - 1) % n
                for k in 0..<imageSize {
                    mixed[i * imageSize + k] = images[i * imageSize + k] * own + images[partner * imageSize + k] * other
                }
            }
        }
        return Result(images: mixed, targets: Self.targets(labels: labels, classCount: classCount, lambda: draw.lambda),
                      lambda: draw.lambda, box: draw.box)
    }
}
