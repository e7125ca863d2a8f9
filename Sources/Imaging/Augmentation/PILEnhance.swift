/// PIL's `ImageEnhance` and `ImageOps` operations on 8-bit gray or RGB images, as torchvision's functional API
/// calls them for PIL images (`adjust_brightness`, `adjust_saturation`, `adjust_contrast`, `adjust_sharpness`,
/// `posterize`, `solarize`, `autocontrast`, `equalize`, `invert`).
extension ByteImage {
    /// PIL `Image.blend(degenerate, self, factor)` (`Blend.c`): `degenerate + factor·(self − degenerate)` in Float,
    /// truncated, and clamped to 0...255 when extrapolating.
    func blended(from degenerate: ByteImage, factor: Float) -> ByteImage {
        if factor == 0 { return degenerate }
        if factor == 1 { return self }
        let clamp = !(factor >= 0 && factor <= 1)
        var out = pixels
        for i in pixels.indices {
            let base = Int(degenerate.pixels[i])
            let value = Float(base) + factor * Float(Int(pixels[i]) - base)
            out[i] = clamp ? (value <= 0 ? 0 : value >= 255 ? 255 : UInt8(value)) : UInt8(value)
        }
        return ByteImage(validatedWidth: width, height: height, channels: channels, pixels: out)
    }

    /// The image's PIL "L" version (luma for RGB), replicated back to this image's channel count.
    private func grayDegenerate() -> ByteImage {
        guard channels == 3, let gray = try? converted(toChannels: 1), let rgb = try? gray.converted(toChannels: 3)
        else { return self }
        return rgb
    }

    /// `ImageEnhance.Brightness(img).enhance(factor)`: blend with black.
    func brightnessAdjusted(_ factor: Float) -> ByteImage {
        blended(from: ByteImage(validatedWidth: width, height: height, channels: channels,
                                pixels: [UInt8](repeating: 0, count: pixels.count)), factor: factor)
    }

    /// `ImageEnhance.Color(img).enhance(factor)`: blend with the gray version.
    func saturationAdjusted(_ factor: Float) -> ByteImage {
        blended(from: grayDegenerate(), factor: factor)
    }

    /// `ImageEnhance.Contrast(img).enhance(factor)`: blend with a flat image at the rounded mean luma.
    func contrastAdjusted(_ factor: Float) -> ByteImage {
        let gray = channels == 3 ? ((try? converted(toChannels: 1)) ?? self) : self
        let total = gray.pixels.reduce(0) { $0 + Int($1) }
        let mean = UInt8(Double(total) / Double(gray.pixels.count) + 0.5)
        return blended(from: ByteImage(validatedWidth: width, height: height, channels: channels,
                                       pixels: [UInt8](repeating: mean, count: pixels.count)), factor: factor)
    }

    /// `ImageEnhance.Sharpness(img).enhance(factor)`: blend with PIL's SMOOTH filter output.
    func sharpnessAdjusted(_ factor: Float) -> ByteImage {
        blended(from: smoothed(), factor: factor)
    }

    /// PIL `ImageFilter.SMOOTH` (`Filter.c`, 3×3 kernel [1 1 1; 1 5 1; 1 1 1]/13 in Float with +0.5, truncated);
    /// the outermost rows and columns are copied; images smaller than 3×3 are returned unchanged.
    func smoothed() -> ByteImage {
        guard width >= 3 && height >= 3 else { return self }
        let edge = Float(1) / Float(13), centre = Float(5) / Float(13)
        var out = pixels
        let c = channels, stride = width * channels
        for y in 1..<(height - 1) {
            for x in 1..<(width - 1) {
                for k in 0..<c {
                    let i = y * stride + x * c + k
                    @inline(__always) func row(_ r: Int, _ middle: Float) -> Float {
                        Float(pixels[r - c]) * edge + Float(pixels[r]) * middle + Float(pixels[r + c]) * edge
                    }
                    var sum: Float = 0.5
                    sum += row(i + stride, edge)
                    sum += row(i, centre)
                    sum += row(i - stride, edge)
                    out[i] = sum <= 0 ? 0 : sum >= 255 ? 255 : UInt8(sum)
                }
            }
        }
        return ByteImage(validatedWidth: width, height: height, channels: channels, pixels: out)
    }

    /// Applies one 256-entry table per channel.
    func lookedUp(_ tables: [[UInt8]]) -> ByteImage {
        let flat = tables.flatMap { $0 }
        let c = channels
        let out = [UInt8](unsafeUninitializedCapacity: pixels.count) { buffer, initialized in
            pixels.withUnsafeBufferPointer { source in
                flat.withUnsafeBufferPointer { table in
                    var i = 0
                    while i < source.count {
                        for k in 0..<c { buffer[i + k] = table[k << 8 | Int(source[i + k])] }
                        i += c
                    }
                }
            }
            initialized = pixels.count
        }
        return ByteImage(validatedWidth: width, height: height, channels: channels, pixels: out)
    }

    func lookedUp(_ table: [UInt8]) -> ByteImage { lookedUp([[UInt8]](repeating: table, count: channels)) }

    /// The 256-bin histogram of each channel.
    func histograms() -> [[Int]] {
        var counts = [Int](repeating: 0, count: 256 * channels)
        let c = channels
        counts.withUnsafeMutableBufferPointer { bins in
            pixels.withUnsafeBufferPointer { source in
                var i = 0
                while i < source.count {
                    for k in 0..<c { bins[k << 8 | Int(source[i + k])] += 1 }
                    i += c
                }
            }
        }
        return (0..<c).map { Array(counts[($0 << 8)..<(($0 + 1) << 8)]) }
    }

    /// `ImageOps.posterize(img, bits)`: keeps the top `bits` bits.
    func posterized(bits: Int) -> ByteImage {
        let mask = UInt8(truncatingIfNeeded: ~((1 << (8 - max(0, min(bits, 8)))) - 1))
        return lookedUp((0...255).map { UInt8($0) & mask })
    }

    /// `ImageOps.solarize(img, threshold)`: values ≥ threshold are inverted.
    func solarized(threshold: Double) -> ByteImage {
        lookedUp((0...255).map { Double($0) < threshold ? UInt8($0) : UInt8(255 - $0) })
    }

    /// `ImageOps.invert(img)`.
    func inverted() -> ByteImage { lookedUp((0...255).map { UInt8(255 - $0) }) }

    /// `ImageOps.autocontrast(img)` (no cutoff): each channel's [lowest, highest] used value stretched to [0, 255].
    func autoContrasted() -> ByteImage {
        lookedUp(histograms().map { histogram in
            guard let low = histogram.firstIndex(where: { $0 > 0 }),
                  let high = histogram.lastIndex(where: { $0 > 0 }), high > low else {
                return (0...255).map { UInt8($0) }
            }
            let scale = 255.0 / Double(high - low), offset = -Double(low) * scale
            return (0...255).map { UInt8(max(0, min(255, Int(Double($0) * scale + offset)))) }
        })
    }

    /// `ImageOps.equalize(img)`: each channel mapped through its cumulative histogram, PIL's integer steps.
    func equalized() -> ByteImage {
        lookedUp(histograms().map { histogram in
            let used = histogram.filter { $0 > 0 }
            let step = used.count <= 1 ? 0 : (used.reduce(0, +) - used[used.count - 1]) / 255
            guard step > 0 else { return (0...255).map { UInt8($0) } }
            var n = step / 2
            return (0...255).map { i in
                defer { n += histogram[i] }
                return UInt8(min(n / step, 255))
            }
        })
    }
}
