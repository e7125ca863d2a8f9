/// Why an evaluation or a report could not be produced. Every message names the offending image (its index in
/// the input arrays) or file, so a bad input can be found without a debugger.
public enum MetricsError: Error, Equatable, CustomStringConvertible {
    /// Nothing to evaluate: no images, or no scores.
    case emptyInput(String)
    /// Two inputs that must correspond one to one have different lengths (scores and labels, maps and masks).
    case countMismatch(String, expected: Int, got: Int)
    /// A map or mask whose value count is not `width × height`, or whose width or height is not positive.
    case invalidSize(String, width: Int, height: Int, valueCount: Int)
    /// The score map and the mask of one image differ in size.
    case sizeMismatch(image: Int, mapWidth: Int, mapHeight: Int, maskWidth: Int, maskHeight: Int)
    /// A score is NaN or infinite. `pixel` is the row-major pixel index (nil for image-level scores).
    case nonFiniteScore(image: Int, pixel: Int?, value: Double)
    /// A mask value is neither 0 nor 1 under ``MaskBinarization/strict``, or is NaN.
    case nonBinaryMask(pixel: Int, value: Double)
    /// Only one class is present, so ROC, PR and PRO curves are undefined.
    case singleClass(String)
    /// An option is outside its domain.
    case invalidArgument(String)
    /// Pixel counts so large that the exact integer area accumulator could overflow.
    case tooManyPixels(Int)
    /// Writing a report file failed; nothing was left at `path` or beside it.
    case fileWriteFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .emptyInput(what):
            "empty input: \(what)"
        case let .countMismatch(what, expected, got):
            "\(what): expected \(expected), got \(got)"
        case let .invalidSize(what, width, height, valueCount):
            "\(what): \(valueCount) values for a \(width)×\(height) image"
        case let .sizeMismatch(image, mapWidth, mapHeight, maskWidth, maskHeight):
            "image \(image): score map is \(mapWidth)×\(mapHeight) but its mask is \(maskWidth)×\(maskHeight)"
        case let .nonFiniteScore(image, pixel?, value):
            "image \(image), pixel \(pixel): score is \(value); scores must be finite"
        case let .nonFiniteScore(image, nil, value):
            "image \(image): score is \(value); scores must be finite"
        case let .nonBinaryMask(pixel, value):
            "mask pixel \(pixel) is \(value); a strict mask holds only 0 and 1 (binarise it explicitly)"
        case let .singleClass(what):
            "\(what): both normal and anomalous samples are needed"
        case let .invalidArgument(what):
            "invalid argument: \(what)"
        case let .tooManyPixels(count):
            "\(count) pixels exceed the exact 64-bit area accumulator"
        case let .fileWriteFailed(path, reason):
            "could not write \(path): \(reason)"
        }
    }
}
