/// An 8-bit image: `height` rows of `width` pixels of `channels` interleaved samples (HWC, row-major).
///
/// Channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. The sample of channel `c` at column `x`, row `y` is
/// `pixels[(y * width + x) * channels + c]`.
public struct ByteImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    /// - Throws: `ImagingError.Kind.invalidArgument` unless width and height are positive, `channels` is 1–4 and
    ///   `pixels.count == width * height * channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        try ByteImage.validate(width: width, height: height, channels: channels)
        guard pixels.count == width * height * channels else {
            throw ImagingError(.invalidArgument,
                               "\(pixels.count) samples for a \(width)×\(height)×\(channels) image")
        }
        self.init(validatedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    /// An image filled with `value`.
    public init(width: Int, height: Int, channels: Int, value: UInt8 = 0) throws {
        try ByteImage.validate(width: width, height: height, channels: channels)
        self.init(validatedWidth: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    /// For sizes the caller has already checked.
    init(validatedWidth width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Largest width or height a `ByteImage` may have (keeps every size product far from overflow).
    public static let maximumSide = 1 << 16

    static func validate(width: Int, height: Int, channels: Int) throws {
        guard (1...maximumSide).contains(width), (1...maximumSide).contains(height), (1...4).contains(channels) else {
            throw ImagingError(.invalidArgument, "invalid image size \(width)×\(height)×\(channels)")
        }
    }
}
