extension ByteImage {
    /// ImageNet statistics (torchvision's `Normalize` for ImageNet-trained backbones).
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// torchvision `ToTensor()` + `Normalize(mean, std)`: planes `[C, H, W]` of `(value / 255 − mean[c]) / std[c]`,
    /// computed in Float as PyTorch does.
    /// - Parameters:
    ///   - expandGray: a gray image gives 3 identical planes (PIL's `convert("RGB")`) instead of 1.
    /// - Throws: `invalidArgument` unless the image has 1 or 3 channels and `mean` and `std` have one entry per
    ///   output plane.
    public func normalizedPlanes(mean: [Float], std: [Float], expandGray: Bool = false) throws -> [Float] {
        guard channels == 1 || channels == 3 else {
            throw ImagingError(.invalidArgument, "normalizedPlanes needs 1 or 3 channels, not \(channels)")
        }
        let planes = channels == 1 && expandGray ? 3 : channels
        guard mean.count == planes, std.count == planes else {
            throw ImagingError(.invalidArgument, "\(planes) planes need \(planes) means and standard deviations")
        }
        let area = width * height
        var out = [Float](repeating: 0, count: planes * area)
        for plane in 0..<planes {
            let source = channels == 1 ? 0 : plane
            let m = mean[plane], s = std[plane]
            for i in 0..<area {
                out[plane * area + i] = (Float(pixels[i * channels + source]) / 255 - m) / s
            }
        }
        return out
    }

    /// PIL's `convert` between L (1), LA (2), RGB (3) and RGBA (4): gray is replicated into colour, colour becomes
    /// gray with PIL's ITU-R 601 integer weights `(19595·R + 38470·G + 7471·B + 2¹⁵) >> 16`, alpha is dropped, or
    /// set to 255 when the source has none.
    public func converted(toChannels target: Int) throws -> ByteImage {
        try ByteImage.validate(width: width, height: height, channels: target)
        if target == channels { return self }
        var out = [UInt8](repeating: 0, count: width * height * target)
        let colour = channels >= 3, alpha = channels % 2 == 0
        for i in 0..<(width * height) {
            let p = i * channels
            let r = pixels[p], g = colour ? pixels[p + 1] : r, b = colour ? pixels[p + 2] : r
            let a = alpha ? pixels[p + channels - 1] : 255
            let o = i * target
            if target >= 3 {
                out[o] = r
                out[o + 1] = g
                out[o + 2] = b
            } else {
                out[o] = colour ? Self.luma(r, g, b) : r
            }
            if target % 2 == 0 { out[o + target - 1] = a }
        }
        return ByteImage(validatedWidth: width, height: height, channels: target, pixels: out)
    }

    /// PIL's `L24` luma of an RGB pixel.
    private static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let weighted: Int = 19595 * Int(r) + 38470 * Int(g) + 7471 * Int(b)
        return UInt8((weighted + 0x8000) >> 16)
    }
}
