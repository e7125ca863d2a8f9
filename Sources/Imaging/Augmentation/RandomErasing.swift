import Compute
import Foundation

/// torchvision `RandomErasing(p, scale, ratio, value)` (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020)
/// on normalised float planes: with probability `probability`, a rectangle of `scale` × the area with aspect ratio
/// drawn log-uniformly from `ratio` is set to `value` in every channel; up to 10 draws, none applied if none fits.
public struct RandomErasing: Sendable {
    public var probability: Double
    public var scale: ClosedRange<Double>
    public var ratio: ClosedRange<Double>
    public var value: Float

    public init(probability: Double = 0.5, scale: ClosedRange<Double> = 0.02...0.33,
                ratio: ClosedRange<Double> = 0.3...3.3, value: Float = 0) {
        self.probability = probability
        self.scale = scale
        self.ratio = ratio
        self.value = value
    }

    /// Erases in place in `planes` (`[channels, height, width]`).
    /// - Returns: the erased rectangle, or nil when nothing was erased.
    /// - Throws: `invalidArgument` when the plane count does not match the shape.
    @discardableResult
    public func apply(to planes: inout [Float], channels: Int, height: Int, width: Int,
                      random: inout PhiloxStream) throws -> (x: Int, y: Int, width: Int, height: Int)? {
        guard channels > 0, height > 0, width > 0, planes.count == channels * height * width else {
            throw ImagingError(.invalidArgument, "\(planes.count) values for [\(channels), \(height), \(width)]")
        }
        guard random.nextUnit() < probability else { return nil }
        let area = Double(height * width)
        let logRatio = (log(ratio.lowerBound), log(ratio.upperBound))
        for _ in 0..<10 {
            let eraseArea = area * random.uniform(scale.lowerBound, scale.upperBound)
            let aspect = exp(random.uniform(logRatio.0, logRatio.1))
            // torchvision takes the height from area · ratio and the width from area / ratio.
            let h = pythonRound((eraseArea * aspect).squareRoot())
            let w = pythonRound((eraseArea / aspect).squareRoot())
            guard h < height && w < width else { continue }
            let y = random.integer(in: 0...(height - h))
            let x = random.integer(in: 0...(width - w))
            for c in 0..<channels {
                for row in y..<(y + h) {
                    let start = (c * height + row) * width + x
                    for i in start..<(start + w) { planes[i] = value }
                }
            }
            return (x, y, w, h)
        }
        return nil
    }
}
