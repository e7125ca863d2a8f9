import Compute
import Foundation

/// torchvision `RandomResizedCrop(size, scale, ratio)` (the Inception crop, Szegedy et al. 2015): a region of
/// `scale` × the image area with an aspect ratio drawn log-uniformly from `ratio` is cut out and resized to
/// `width × height`. Up to 10 draws; when none fits, the centre crop of the whole image clamped to `ratio`.
public struct RandomResizedCrop: Sendable {
    public var width: Int
    public var height: Int
    public var scale: ClosedRange<Double>
    public var ratio: ClosedRange<Double>
    public var interpolation: Interpolation

    public init(width: Int, height: Int, scale: ClosedRange<Double> = 0.08...1,
                ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3), interpolation: Interpolation = .bilinear) {
        self.width = width
        self.height = height
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
    }

    /// The crop box torchvision's `get_params` would choose (with Philox draws instead of torch's generator).
    public func cropBox(imageWidth: Int, imageHeight: Int, random: inout PhiloxStream)
        -> (x: Int, y: Int, width: Int, height: Int) {
        let area = Double(imageWidth * imageHeight)
        let logRatio = (log(ratio.lowerBound), log(ratio.upperBound))
        for _ in 0..<10 {
            let targetArea = area * random.uniform(scale.lowerBound, scale.upperBound)
            let aspect = exp(random.uniform(logRatio.0, logRatio.1))
            let w = pythonRound((targetArea * aspect).squareRoot())
            let h = pythonRound((targetArea / aspect).squareRoot())
            if 0 < w && w <= imageWidth && 0 < h && h <= imageHeight {
                let y = random.integer(in: 0...(imageHeight - h))
                let x = random.integer(in: 0...(imageWidth - w))
                return (x, y, w, h)
            }
        }
        let inRatio = Double(imageWidth) / Double(imageHeight)
        var w = imageWidth, h = imageHeight
        if inRatio < ratio.lowerBound {
            h = pythonRound(Double(w) / ratio.lowerBound)
        } else if inRatio > ratio.upperBound {
            w = pythonRound(Double(h) * ratio.upperBound)
        }
        return ((imageWidth - w) / 2, (imageHeight - h) / 2, w, h)
    }

    /// The cropped and resized image.
    public func apply(_ image: ByteImage, random: inout PhiloxStream) throws -> ByteImage {
        let box = cropBox(imageWidth: image.width, imageHeight: image.height, random: &random)
        return try image.crop(x: box.x, y: box.y, width: box.width, height: box.height)
            .resize(width: width, height: height, interpolation: interpolation)
    }
}
