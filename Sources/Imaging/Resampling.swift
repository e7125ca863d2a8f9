import Foundation

/// Resampling filters, as PIL's `Image.resize` implements them (`Resample.c`, `Geometry.c`), which is what
/// torchvision's `Resize` does to PIL images and therefore what PatchCore's official code feeds its backbone.
public enum Interpolation: Sendable, CaseIterable {
    /// PIL `NEAREST`: the source pixel under each output pixel centre (use for masks).
    case nearest
    /// PIL `BILINEAR`: triangle filter, support 1 (torchvision's default).
    case bilinear
    /// PIL `BICUBIC`: Keys cubic convolution with a = −0.5, support 2.
    case bicubic
    /// PIL `LANCZOS`: Lanczos-3 windowed sinc, support 3.
    case lanczos

}

/// The convolution filters of PIL's `Resample.c` (NEAREST takes the affine path instead).
enum ResamplingFilter {
    case bilinear, bicubic, lanczos

    init?(_ interpolation: Interpolation) {
        switch interpolation {
        case .nearest: return nil
        case .bilinear: self = .bilinear
        case .bicubic: self = .bicubic
        case .lanczos: self = .lanczos
        }
    }

    /// Half-width of the filter in source pixels at scale 1.
    var support: Double {
        switch self {
        case .bilinear: 1
        case .bicubic: 2
        case .lanczos: 3
        }
    }

    func weight(_ x: Double) -> Double {
        switch self {
        case .bilinear:
            let a = abs(x)
            return a < 1 ? 1 - a : 0
        case .bicubic:
            let a = abs(x), c = -0.5
            if a < 1 { return ((c + 2) * a - (c + 3)) * a * a + 1 }
            if a < 2 { return (((a - 5) * a + 8) * a - 4) * c }
            return 0
        case .lanczos:
            return -3 <= x && x < 3 ? Self.sinc(x) * Self.sinc(x / 3) : 0
        }
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let px = x * Double.pi
        return sin(px) / px
    }
}

extension ByteImage {
    /// The image resampled to `width × height` with PIL's semantics (Pillow 13 `Resample.c`): separable passes in
    /// PIL's order, pixel centres at half-integers, and a filter support widened by the scale factor when shrinking
    /// (antialiasing).
    /// Weights are PIL's 22-bit fixed-point ones and the intermediate image is rounded and clamped to 8 bits as in
    /// PIL, so results equal PIL's for gray and RGB images. Channels are filtered independently (PIL premultiplies
    /// alpha for RGBA and LA, this does not).
    ///
    /// Returns a new image; the same size returns a copy.
    /// - Throws: `invalidArgument` for a non-positive size.
    public func resize(width newWidth: Int, height newHeight: Int,
                       interpolation: Interpolation = .bilinear) throws -> ByteImage {
        try ByteImage.validate(width: newWidth, height: newHeight, channels: channels)
        if newWidth == width && newHeight == height { return self }
        guard let filter = ResamplingFilter(interpolation) else {
            return nearestResize(width: newWidth, height: newHeight)
        }
        let horizontal = newWidth == width ? nil
            : ResamplingKernel(inputSize: width, outputSize: newWidth, filter: filter)
        let vertical = newHeight == height ? nil
            : ResamplingKernel(inputSize: height, outputSize: newHeight, filter: filter)
        // Pillow ≥ 11 runs the vertical pass first when the height shrinks by more than twice as many pixels as the
        // width; the order matters because the intermediate image is rounded to 8 bits.
        let verticalFirst = height - newHeight > 0 && height - newHeight > (width - newWidth) * 2
        var image = self
        if verticalFirst {
            if let vertical { image = image.verticalPass(vertical, firstRow: 0) }
            if let horizontal { image = image.horizontalPass(horizontal, rows: 0..<image.height) }
        } else {
            if let horizontal {
                // Only the source rows the vertical pass reads are filtered horizontally (as PIL does).
                let rows = vertical.map { $0.firstInput..<$0.endInput } ?? 0..<height
                image = image.horizontalPass(horizontal, rows: rows)
            }
            if let vertical {
                image = image.verticalPass(vertical, firstRow: horizontal == nil ? 0 : vertical.firstInput)
            }
        }
        return image
    }

    /// torchvision `Resize(side)` with an int size: the shorter side becomes `side` and the longer one
    /// `Int(side · long / short)` (truncated), keeping the orientation. A no-op when the size already matches.
    public func resize(shorterSide side: Int, interpolation: Interpolation = .bilinear) throws -> ByteImage {
        guard side > 0 else { throw ImagingError(.invalidArgument, "shorter side \(side) must be positive") }
        let long = Int(Double(side * max(width, height)) / Double(min(width, height)))
        return width <= height ? try resize(width: side, height: long, interpolation: interpolation)
            : try resize(width: long, height: side, interpolation: interpolation)
    }

    /// PIL's NEAREST path (`ImagingScaleAffine`): source coordinates accumulate in double precision from the first
    /// output pixel centre and are truncated, exactly as PIL steps them.
    private func nearestResize(width newWidth: Int, height newHeight: Int) -> ByteImage {
        func sourceIndices(_ inputSize: Int, _ outputSize: Int) -> [Int] {
            let step = Double(inputSize) / Double(outputSize)
            var position = step * 0.5
            var indices: [Int] = []
            for _ in 0..<outputSize {
                indices.append(position < 0 ? -1 : Int(position))
                position += step
            }
            return indices
        }
        let columns = sourceIndices(width, newWidth), rows = sourceIndices(height, newHeight)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * channels)
        for (y, sourceY) in rows.enumerated() where (0..<height).contains(sourceY) {
            for (x, sourceX) in columns.enumerated() where (0..<width).contains(sourceX) {
                let from = (sourceY * width + sourceX) * channels, to = (y * newWidth + x) * channels
                for c in 0..<channels { out[to + c] = pixels[from + c] }
            }
        }
        return ByteImage(validatedWidth: newWidth, height: newHeight, channels: channels, pixels: out)
    }

    /// Filters rows `rows` along x; the result has `rows.count` rows.
    private func horizontalPass(_ kernel: ResamplingKernel, rows: Range<Int>) -> ByteImage {
        let outWidth = kernel.outputSize, c = channels
        let out = [UInt8](unsafeUninitializedCapacity: outWidth * rows.count * c) { buffer, initialized in
            pixels.withUnsafeBufferPointer { source in
                kernel.weights.withUnsafeBufferPointer { weights in
                    for (outY, y) in rows.enumerated() {
                        let line = source.baseAddress! + y * width * c
                        let target = buffer.baseAddress! + outY * outWidth * c
                        for x in 0..<outWidth {
                            let k = weights.baseAddress! + x * kernel.taps
                            let taps = kernel.count[x]
                            let start = line + kernel.first[x] * c
                            if c == 3 {
                                var s0 = ResamplingKernel.rounding, s1 = s0, s2 = s0
                                for tap in 0..<taps {
                                    let w = k[tap], p = start + 3 * tap
                                    s0 &+= Int32(p[0]) &* w
                                    s1 &+= Int32(p[1]) &* w
                                    s2 &+= Int32(p[2]) &* w
                                }
                                target[3 * x] = ResamplingKernel.clip(s0)
                                target[3 * x + 1] = ResamplingKernel.clip(s1)
                                target[3 * x + 2] = ResamplingKernel.clip(s2)
                            } else {
                                for channel in 0..<c {
                                    var sum = ResamplingKernel.rounding
                                    for tap in 0..<taps { sum &+= Int32(start[tap * c + channel]) &* k[tap] }
                                    target[x * c + channel] = ResamplingKernel.clip(sum)
                                }
                            }
                        }
                    }
                }
            }
            initialized = outWidth * rows.count * c
        }
        return ByteImage(validatedWidth: outWidth, height: rows.count, channels: c, pixels: out)
    }

    /// Filters along y; the kernel's input row `r` is this image's row `r − firstRow`.
    private func verticalPass(_ kernel: ResamplingKernel, firstRow: Int) -> ByteImage {
        let outHeight = kernel.outputSize, rowLength = width * channels
        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: rowLength)
        defer { sums.deallocate() }
        let out = [UInt8](unsafeUninitializedCapacity: rowLength * outHeight) { buffer, initialized in
            pixels.withUnsafeBufferPointer { source in
                kernel.weights.withUnsafeBufferPointer { weights in
                    for y in 0..<outHeight {
                        let first = kernel.first[y] - firstRow, count = kernel.count[y]
                        let k = weights.baseAddress! + y * kernel.taps
                        sums.update(repeating: ResamplingKernel.rounding, count: rowLength)
                        for tap in 0..<count {
                            let line = source.baseAddress! + (first + tap) * rowLength, w = k[tap]
                            for i in 0..<rowLength { sums[i] &+= Int32(line[i]) &* w }
                        }
                        let target = buffer.baseAddress! + y * rowLength
                        for i in 0..<rowLength { target[i] = ResamplingKernel.clip(sums[i]) }
                    }
                }
            }
            initialized = rowLength * outHeight
        }
        return ByteImage(validatedWidth: width, height: outHeight, channels: channels, pixels: out)
    }
}

/// PIL's `precompute_coeffs` + `normalize_coeffs_8bpc` for one axis: for each output index, the first input index,
/// the number of taps, and the weights (normalised to sum 1, then scaled to 22-bit fixed point with rounding away
/// from zero).
struct ResamplingKernel {
    static let precisionBits: Int32 = 22
    /// Sums are Int32 as in PIL: 255 × the weights' absolute sum (< 1.5 · 2²²) cannot overflow.
    static let rounding: Int32 = 1 << (precisionBits - 1)

    let outputSize: Int
    /// Weights per output index (`taps` slots, the first `count[i]` used).
    let taps: Int
    let first: [Int]
    let count: [Int]
    let weights: [Int32]

    init(inputSize: Int, outputSize: Int, filter: ResamplingFilter) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        let inverseFilterScale = 1 / filterScale  // PIL multiplies by the reciprocal; dividing rounds differently
        var first: [Int] = [], count: [Int] = [], weights: [Int32] = []
        weights.reserveCapacity(outputSize * taps)
        for index in 0..<outputSize {
            let centre = (Double(index) + 0.5) * scale
            let start = max(Int(centre - support + 0.5), 0)
            let end = min(Int(centre + support + 0.5), inputSize)
            var k = (start..<max(end, start)).map {
                filter.weight((Double($0) - centre + 0.5) * inverseFilterScale)
            }
            let total = k.reduce(0, +)
            if total != 0 { k = k.map { $0 / total } }
            for w in k {
                let scaled = w * Double(1 << Self.precisionBits)
                weights.append(Int32(w < 0 ? -0.5 + scaled : 0.5 + scaled))
            }
            weights.append(contentsOf: repeatElement(0, count: taps - k.count))
            first.append(start)
            count.append(k.count)
        }
        self.outputSize = outputSize
        self.taps = taps
        self.first = first
        self.count = count
        self.weights = weights
    }

    /// First input index any output reads, and one past the last.
    var firstInput: Int { first.first ?? 0 }
    var endInput: Int { (first.last ?? 0) + (count.last ?? 0) }

    /// PIL's `clip8`: the fixed-point sum back to 0...255.
    @inline(__always)
    static func clip(_ sum: Int32) -> UInt8 {
        UInt8(truncatingIfNeeded: min(max(sum >> precisionBits, 0), 255))
    }
}
