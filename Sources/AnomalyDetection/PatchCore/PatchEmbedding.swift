import Compute
import Foundation

/// How per-location feature vectors are built from backbone stages (Roth et al., "Towards Total Recall in
/// Industrial Anomaly Detection", CVPR 2022, §3.1: locally aware patch features).
public enum PatchEmbedding: String, Sendable, Codable, CaseIterable {
    /// patchcore-inspection's embedding: each stage's zero-padded 3×3 neighbourhood (`C·9` values, channel-major)
    /// is average-pooled to `pretrainDimension` with PyTorch's adaptive windows `[⌊i·L/n⌋, ⌈(i+1)·L/n⌉)`; deeper
    /// stages are bilinearly resized (align_corners = false) to the first stage's grid; the stacked stage vectors
    /// are pooled again to `targetDimension`. (Both steps are linear, so pooling before resizing gives the same
    /// numbers and costs less.)
    case official
    /// anomalib's embedding: a 3×3 average pool (zero padding counted) per stage, deeper stages bilinearly resized
    /// to the first stage's grid, channels concatenated (1536 dimensions for wide_resnet50_2 layer2 + layer3).
    case anomalib

    /// The embedding of one image.
    /// - Parameters:
    ///   - stages: per stage, its `[C, H, W]` features (host floats) and shape; the first stage fixes the grid.
    ///   - pretrainDimension, targetDimension: the official embedding's two pooling sizes (1024 and 1024).
    /// - Returns: `[H₀·W₀, D]` row-major, rows in raster order of the first stage's grid.
    public func embed(_ stages: [StageFeatures], pretrainDimension: Int = 1024, targetDimension: Int = 1024) -> [Float] {
        let grid = (height: stages[0].height, width: stages[0].width)
        let locations = grid.height * grid.width
        switch self {
        case .official:
            var stacked = [Float](repeating: 0, count: locations * stages.count * pretrainDimension)
            for (s, stage) in stages.enumerated() {
                let pooled = Self.neighbourhoodPooled(stage, dimension: pretrainDimension)
                let resized = Self.bilinear(pooled, channels: pretrainDimension, from: (stage.height, stage.width),
                                            to: grid, channelsLast: true)
                for l in 0..<locations {
                    let destination = (l * stages.count + s) * pretrainDimension
                    stacked.replaceSubrange(destination..<(destination + pretrainDimension),
                                            with: resized[(l * pretrainDimension)..<((l + 1) * pretrainDimension)])
                }
            }
            let windows = AdaptiveWindows(length: stages.count * pretrainDimension, count: targetDimension)
            var result = [Float](repeating: 0, count: locations * targetDimension)
            for l in 0..<locations {
                windows.pool(stacked, offset: l * stages.count * pretrainDimension,
                             into: &result, at: l * targetDimension)
            }
            return result
        case .anomalib:
            let dimension = stages.reduce(0) { $0 + $1.channels }
            var result = [Float](repeating: 0, count: locations * dimension)
            var offset = 0
            for stage in stages {
                let averaged = Self.averagePooled3x3(stage)
                let resized = Self.bilinear(averaged, channels: stage.channels, from: (stage.height, stage.width),
                                            to: grid, channelsLast: false)
                for l in 0..<locations {
                    for c in 0..<stage.channels { result[l * dimension + offset + c] = resized[c * locations + l] }
                }
                offset += stage.channels
            }
            return result
        }
    }

    /// Dimensions of the embedding for stages with `channels`.
    public func dimension(channels: [Int], targetDimension: Int = 1024) -> Int {
        self == .official ? targetDimension : channels.reduce(0, +)
    }

    /// Official step 1 at the stage's own resolution: `[H·W, dimension]`, channels last.
    static func neighbourhoodPooled(_ stage: StageFeatures, dimension: Int) -> [Float] {
        let (c, h, w) = (stage.channels, stage.height, stage.width)
        let windows = AdaptiveWindows(length: c * 9, count: dimension)
        return [Float](unsafeUninitializedCapacity: h * w * dimension) { buffer, initialized in
            let output = SendablePointer(buffer.baseAddress!)
            let input = stage.values
            DispatchQueue.concurrentPerform(iterations: h) { y in
                var unfolded = [Float](repeating: 0, count: c * 9)
                for x in 0..<w {
                    for channel in 0..<c {
                        for k in 0..<9 {
                            let yy = y + k / 3 - 1, xx = x + k % 3 - 1
                            unfolded[channel * 9 + k] = (yy >= 0 && yy < h && xx >= 0 && xx < w)
                                ? input[(channel * h + yy) * w + xx] : 0
                        }
                    }
                    windows.pool(unfolded, offset: 0, into: output.base + (y * w + x) * dimension)
                }
            }
            initialized = h * w * dimension
        }
    }

    /// A 3×3 average pool with zero padding counted (PyTorch `AvgPool2d(3, 1, 1)`), channels first.
    static func averagePooled3x3(_ stage: StageFeatures) -> [Float] {
        let (c, h, w) = (stage.channels, stage.height, stage.width)
        var result = [Float](repeating: 0, count: c * h * w)
        for channel in 0..<c {
            for y in 0..<h {
                for x in 0..<w {
                    var sum: Float = 0
                    for yy in max(0, y - 1)...min(h - 1, y + 1) {
                        for xx in max(0, x - 1)...min(w - 1, x + 1) { sum += stage.values[(channel * h + yy) * w + xx] }
                    }
                    result[(channel * h + y) * w + x] = sum / 9
                }
            }
        }
        return result
    }

    /// Bilinear resize of a multi-channel map with PyTorch's `align_corners = false` (no antialiasing).
    static func bilinear(_ values: [Float], channels: Int, from: (Int, Int), to: (height: Int, width: Int),
                         channelsLast: Bool) -> [Float] {
        if from == (to.height, to.width) { return values }
        let (inH, inW) = from
        func taps(_ output: Int, _ inSize: Int, _ outSize: Int) -> (Int, Int, Float) {
            let scale = Float(inSize) / Float(outSize)
            let source = max((Float(output) + 0.5) * scale - 0.5, 0)
            let low = min(Int(source), inSize - 1)
            return (low, min(low + 1, inSize - 1), source - Float(low))
        }
        var result = [Float](repeating: 0, count: channels * to.height * to.width)
        for y in 0..<to.height {
            let (y0, y1, fy) = taps(y, inH, to.height)
            for x in 0..<to.width {
                let (x0, x1, fx) = taps(x, inW, to.width)
                for c in 0..<channels {
                    func at(_ yy: Int, _ xx: Int) -> Float {
                        channelsLast ? values[(yy * inW + xx) * channels + c] : values[(c * inH + yy) * inW + xx]
                    }
                    let value = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1))
                        + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1))
                    let index = channelsLast ? (y * to.width + x) * channels + c : (c * to.height + y) * to.width + x
                    result[index] = value
                }
            }
        }
        return result
    }
}

/// The `[C, H, W]` features of one backbone stage for one image.
public struct StageFeatures: Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var values: [Float]

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }
}

/// PyTorch's `adaptive_avg_pool1d` windows for pooling `length` values to `count`.
struct AdaptiveWindows: Sendable {
    let starts: [Int]
    let ends: [Int]

    init(length: Int, count: Int) {
        starts = (0..<count).map { $0 * length / count }
        ends = (0..<count).map { (($0 + 1) * length + count - 1) / count }
    }

    /// Averages the windows of `values[offset..<offset + length]` into `output[0..<count]`, using prefix sums.
    func pool(_ values: [Float], offset: Int, into output: UnsafeMutablePointer<Float>) {
        var prefix = [Double](repeating: 0, count: (ends.last ?? 0) + 1)
        for i in 0..<(prefix.count - 1) { prefix[i + 1] = prefix[i] + Double(values[offset + i]) }
        for (i, (start, end)) in zip(starts, ends).enumerated() {
            output[i] = Float((prefix[end] - prefix[start]) / Double(end - start))
        }
    }

    func pool(_ values: [Float], offset: Int, into output: inout [Float], at position: Int) {
        output.withUnsafeMutableBufferPointer { pool(values, offset: offset, into: $0.baseAddress! + position) }
    }
}
