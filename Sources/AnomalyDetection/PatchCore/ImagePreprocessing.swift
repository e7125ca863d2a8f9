import Foundation
import Imaging

/// An image prepared for the backbone, with the resized RGB picture kept for heat-map overlays.
public struct PreparedImage: Sendable {
    /// `[3, S, S]` normalised planes.
    public var planes: [Float]
    /// The resized and cropped RGB image (what the planes show).
    public var picture: ByteImage
    /// Width and height of the file before resizing.
    public var originalSize: (width: Int, height: Int)
}

extension Preprocessing {
    /// Reads `url` (PNG or JPEG), converts it to RGB, resizes and crops it, and normalises it.
    /// - Throws: `ImagingError` naming the file, also when its size cannot be resized as asked.
    public func prepare(_ url: URL) throws -> PreparedImage {
        try Self.naming(url) { try prepare(try ImageFile.read(url)) }
    }

    /// Runs `body`, naming `url` in an `ImagingError` that names no file (a resize or crop of its image).
    private static func naming<T>(_ url: URL, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as ImagingError where error.file == nil {
            error.file = url.path
            throw error
        }
    }

    /// Converts an image in memory to RGB, resizes and crops it, and normalises it.
    public func prepare(_ original: ByteImage) throws -> PreparedImage {
        let picture = try geometry(try original.converted(toChannels: 3), interpolation: .bilinear)
        return PreparedImage(planes: try picture.normalizedPlanes(mean: mean, std: std), picture: picture,
                             originalSize: (original.width, original.height))
    }

    /// Reads a ground-truth mask, binarises it (any non-zero value is a defect pixel), and applies the image's
    /// geometry with nearest-neighbour resampling.
    /// - Parameters:
    ///   - image: the prepared image the mask belongs to; a mask of another size is an error naming both files.
    public func prepareMask(_ url: URL, for image: PreparedImage, at imageURL: URL) throws -> [Bool] {
        let raw = try ImageFile.read(url)
        guard raw.width == image.originalSize.width, raw.height == image.originalSize.height else {
            throw DatasetError("mask \(url.path) is \(raw.width)×\(raw.height) but image \(imageURL.path) is "
                + "\(image.originalSize.width)×\(image.originalSize.height)")
        }
        var binary = [UInt8](repeating: 0, count: raw.width * raw.height)
        for i in 0..<(raw.width * raw.height) {
            var any = false
            for c in 0..<raw.channels where raw.pixels[i * raw.channels + c] != 0 { any = true }
            binary[i] = any ? 255 : 0
        }
        let mask = try Self.naming(url) {
            try geometry(try ByteImage(width: raw.width, height: raw.height, channels: 1, pixels: binary),
                         interpolation: .nearest)
        }
        return mask.pixels.map { $0 != 0 }
    }

    private func geometry(_ image: ByteImage, interpolation: Interpolation) throws -> ByteImage {
        var result = keepAspect
            ? try image.resize(shorterSide: resize, interpolation: interpolation)
            : try image.resize(width: resize, height: resize, interpolation: interpolation)
        if let crop { result = try result.centerCrop(width: crop, height: crop) }
        return result
    }
}
