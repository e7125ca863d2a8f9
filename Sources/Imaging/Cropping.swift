extension ByteImage {
    /// The `width × height` region whose top-left corner is at (`x`, `y`), as PIL's `Image.crop((x, y, x + width,
    /// y + height))`: parts outside the image are filled with zeros.
    /// - Throws: `invalidArgument` for a non-positive size.
    public func crop(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) throws -> ByteImage {
        try ByteImage.validate(width: cropWidth, height: cropHeight, channels: channels)
        if x == 0 && y == 0 && cropWidth == width && cropHeight == height { return self }
        var out = [UInt8](repeating: 0, count: cropWidth * cropHeight * channels)
        let left = max(x, 0), right = min(x + cropWidth, width)
        guard left < right else {
            return ByteImage(validatedWidth: cropWidth, height: cropHeight, channels: channels, pixels: out)
        }
        for row in max(y, 0)..<max(min(y + cropHeight, height), max(y, 0)) {
            let from = (row * width + left) * channels
            let to = ((row - y) * cropWidth + (left - x)) * channels
            out.replaceSubrange(to..<(to + (right - left) * channels),
                                with: pixels[from..<(from + (right - left) * channels)])
        }
        return ByteImage(validatedWidth: cropWidth, height: cropHeight, channels: channels, pixels: out)
    }

    /// torchvision `CenterCrop((height, width))`: the offset along each axis is `int(round((size − crop) / 2.0))`
    /// (Python rounds halves to even); an axis shorter than the crop is zero-padded by `(crop − size) // 2` before
    /// and the rest after.
    public func centerCrop(width cropWidth: Int, height cropHeight: Int) throws -> ByteImage {
        func offset(_ size: Int, _ crop: Int) -> Int {
            crop > size ? -((crop - size) / 2) : Int((Double(size - crop) / 2).rounded(.toNearestOrEven))
        }
        return try crop(x: offset(width, cropWidth), y: offset(height, cropHeight), width: cropWidth,
                        height: cropHeight)
    }

    /// The image mirrored left to right.
    public func flippedHorizontally() -> ByteImage {
        let c = channels, w = width
        let out = [UInt8](unsafeUninitializedCapacity: pixels.count) { buffer, initialized in
            pixels.withUnsafeBufferPointer { source in
                for y in 0..<height {
                    let from = source.baseAddress! + y * w * c, to = buffer.baseAddress! + y * w * c
                    for x in 0..<w {
                        for k in 0..<c { to[(w - 1 - x) * c + k] = from[x * c + k] }
                    }
                }
            }
            initialized = pixels.count
        }
        return ByteImage(validatedWidth: width, height: height, channels: channels, pixels: out)
    }
}
