/// A single-channel float image `[H, W]` (row-major), for anomaly maps.
public struct FloatMap: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var values: [Float]

    /// - Throws: `invalidArgument` unless the size is positive and `values.count == width * height`.
    public init(width: Int, height: Int, values: [Float]) throws {
        guard width > 0, height > 0, width <= ByteImage.maximumSide, height <= ByteImage.maximumSide,
              values.count == width * height else {
            throw ImagingError(.invalidArgument, "\(values.count) values for a \(width)×\(height) map")
        }
        self.width = width
        self.height = height
        self.values = values
    }

    public subscript(x: Int, y: Int) -> Float { values[y * width + x] }

    /// Resampling modes of `torch.nn.functional.interpolate` (no antialiasing).
    public enum Interpolation: Sendable {
        /// `mode="bilinear", align_corners=False`: source coordinate `(i + 0.5)·in/out − 0.5`, clamped at 0.
        case bilinear
        /// `mode="nearest"`: source index `⌊i·in/out⌋` (in Float, as PyTorch computes it).
        case nearest
    }

    /// The map resampled to `width × height` with PyTorch's `F.interpolate` semantics, in Float arithmetic.
    public func resized(width newWidth: Int, height newHeight: Int,
                        interpolation: Interpolation = .bilinear) throws -> FloatMap {
        guard newWidth > 0, newHeight > 0, newWidth <= ByteImage.maximumSide, newHeight <= ByteImage.maximumSide else {
            throw ImagingError(.invalidArgument, "invalid map size \(newWidth)×\(newHeight)")
        }
        var out = [Float](repeating: 0, count: newWidth * newHeight)
        switch interpolation {
        case .nearest:
            let columns = (0..<newWidth).map { Self.nearestIndex($0, width, newWidth) }
            for y in 0..<newHeight {
                let row = Self.nearestIndex(y, height, newHeight) * width
                for x in 0..<newWidth { out[y * newWidth + x] = values[row + columns[x]] }
            }
        case .bilinear:
            let columns = (0..<newWidth).map { Self.linearTaps($0, width, newWidth) }
            for y in 0..<newHeight {
                let r = Self.linearTaps(y, height, newHeight)
                let row0 = r.index0 * width, row1 = r.index1 * width
                for x in 0..<newWidth {
                    let c = columns[x]
                    let top = c.lambda0 * values[row0 + c.index0] + c.lambda1 * values[row0 + c.index1]
                    let bottom = c.lambda0 * values[row1 + c.index0] + c.lambda1 * values[row1 + c.index1]
                    out[y * newWidth + x] = r.lambda0 * top + r.lambda1 * bottom
                }
            }
        }
        return FloatMap(validatedWidth: newWidth, height: newHeight, values: out)
    }

    init(validatedWidth width: Int, height: Int, values: [Float]) {
        self.width = width
        self.height = height
        self.values = values
    }

    /// PyTorch's `nearest_idx`.
    private static func nearestIndex(_ output: Int, _ inputSize: Int, _ outputSize: Int) -> Int {
        if outputSize == inputSize { return output }
        if outputSize == 2 * inputSize { return output >> 1 }
        let scale = Float(inputSize) / Float(outputSize)
        return min(Int((Float(output) * scale).rounded(.down)), inputSize - 1)
    }

    /// PyTorch's `compute_source_index_and_lambda` with `align_corners=False`.
    private static func linearTaps(_ output: Int, _ inputSize: Int, _ outputSize: Int)
        -> (index0: Int, index1: Int, lambda0: Float, lambda1: Float) {
        if outputSize == inputSize { return (output, output, 1, 0) }
        let scale = Float(inputSize) / Float(outputSize)
        let source = max(scale * (Float(output) + 0.5) - 0.5, 0)
        let index0 = min(Int(source.rounded(.down)), inputSize - 1)
        let lambda1 = min(max(source - Float(index0), 0), 1)
        return (index0, index0 + (index0 < inputSize - 1 ? 1 : 0), 1 - lambda1, lambda1)
    }
}
