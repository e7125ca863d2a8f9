/// The CPU-shaped convolutions: implicit GEMM over the zero-padded input, no column matrix (`Kernels/conv.cl`,
/// `conv2d_cpu` and `conv2d_backward_filter_cpu`).
///
/// - forward: pad `x`, pack `W` into 32-channel panels, one launch.
/// - input gradient: for stride `s`, the `s²` phases of `dx` (pixels `h ≡ a`, `w ≡ b` mod `s`) are each a
///   stride-1 correlation of `dy`, cropped or padded, with the rotated sub-kernel of the taps `u ≡ (a + ph) mod s`,
///   `v ≡ (b + pw) mod s` (the sub-pixel decomposition of a transposed convolution), so no multiplication by an
///   inserted zero is ever made. Stride 1 is one phase with the whole rotated kernel.
/// - filter gradient: `dy` transposed to pixel-major rows, then launches over chunks of output pixels that keep
///   those rows in the cache, accumulating into `dw`.
extension OpenCLDevice {
    /// Floats of pixel-major `dy` rows per filter-gradient launch (2 MiB; 512 KiB measured up to 30% slower at 2²
    /// maps, where more launches each re-read and re-write all of `dw`).
    static let filterGradientRowBudget = 1 << 19

    /// The register tile of `kernel` (``TunableKernel/conv2dCPU`` or ``TunableKernel/conv2dBackwardFilterCPU``):
    /// `tile` when given (the tuner's candidates), else the tuned or default one.
    private func convTile(_ kernel: TunableKernel, _ tile: KernelParameters?) throws -> KernelParameters {
        try tile ?? parameters(for: kernel, .every)
    }

    func implicitForward(_ s: Conv2DShape, x: Tensor, weight: Tensor, bias: Tensor?, y: Tensor,
                         tile: KernelParameters? = nil) throws {
        let tile = try convTile(.conv2dCPU, tile)
        let input = try paddedPlanes(x.buffer, planes: s.batch * s.inChannels, height: s.height, width: s.width,
                                     top: s.paddingHeight, left: s.paddingWidth,
                                     paddedHeight: s.height + 2 * s.paddingHeight,
                                     paddedWidth: s.width + 2 * s.paddingWidth)
        let packed = try packedWeights(weight, s, rows: s.outChannels, columns: s.inChannels, flip: false,
                                       start: (0, 0), step: (1, 1), taps: (s.kernelHeight, s.kernelWidth))
        try enqueueImplicit(input: input.buffer, channels: s.inChannels,
                            inputSize: (s.height + 2 * s.paddingHeight, s.width + 2 * s.paddingWidth),
                            taps: (s.kernelHeight, s.kernelWidth), stride: (s.strideHeight, s.strideWidth),
                            grid: (s.batch, s.outHeight, s.outWidth), weights: packed, outChannels: s.outChannels,
                            bias: bias?.buffer, output: y, outputSize: (s.outHeight, s.outWidth),
                            origin: (0, 0), step: (1, 1), tile: tile)
    }

    func implicitBackwardData(_ s: Conv2DShape, dy: Tensor, weight: Tensor, dx: Tensor) throws {
        let tile = try convTile(.conv2dCPU, nil)
        let (sh, sw) = (s.strideHeight, s.strideWidth)
        // The taps of phase `a` along one axis: `u ≡ (a + padding) mod stride`, the first one and how many.
        func taps(_ a: Int, kernel: Int, padding: Int, stride: Int) -> (first: Int, count: Int) {
            let first = (a + padding) % stride
            return (first, first < kernel ? (kernel - first + stride - 1) / stride : 0)
        }
        let phasesH = (0..<min(sh, s.height)).map {
            taps($0, kernel: s.kernelHeight, padding: s.paddingHeight, stride: sh)
        }
        let phasesW = (0..<min(sw, s.width)).map {
            taps($0, kernel: s.kernelWidth, padding: s.paddingWidth, stride: sw)
        }
        if phasesH.contains(where: { $0.count == 0 }) || phasesW.contains(where: { $0.count == 0 }) {
            // Some pixels are reached by no tap: their gradient is zero.
            try fill(dx, value: 0)
        }
        for (a, (ua, tapsH)) in phasesH.enumerated() where tapsH > 0 {
            for (b, (vb, tapsW)) in phasesW.enumerated() where tapsW > 0 {
                // Phase (a, b): dx pixels (a + sh·t, b + sw·t'), taps u = ua + sh·k, v = vb + sw·l.
                let rows = (s.height - a + sh - 1) / sh, columns = (s.width - b + sw - 1) / sw
                // Row t + k of the cropped/padded dy is dy row t + k − (tapsH − 1) + da.
                let da = (a + s.paddingHeight - ua) / sh, db = (b + s.paddingWidth - vb) / sw
                let input = try paddedPlanes(dy.buffer, planes: s.batch * s.outChannels, height: s.outHeight,
                                             width: s.outWidth, top: tapsH - 1 - da, left: tapsW - 1 - db,
                                             paddedHeight: rows + tapsH - 1, paddedWidth: columns + tapsW - 1)
                let packed = try packedWeights(weight, s, rows: s.inChannels, columns: s.outChannels, flip: true,
                                               start: (ua, vb), step: (sh, sw), taps: (tapsH, tapsW))
                try enqueueImplicit(input: input.buffer, channels: s.outChannels,
                                    inputSize: (rows + tapsH - 1, columns + tapsW - 1), taps: (tapsH, tapsW),
                                    stride: (1, 1), grid: (s.batch, rows, columns), weights: packed,
                                    outChannels: s.inChannels, bias: nil, output: dx,
                                    outputSize: (s.height, s.width), origin: (a, b), step: (sh, sw), tile: tile)
            }
        }
    }

    func implicitBackwardFilter(_ s: Conv2DShape, dy: Tensor, x: Tensor, dw: Tensor,
                                tile: KernelParameters? = nil) throws {
        let tile = try convTile(.conv2dBackwardFilterCPU, tile)
        let (tileRows, tileColumns) = (tile["CONV_ROWS"], tile["CONV_COLUMNS"])
        let paddedHeight = s.height + 2 * s.paddingHeight, paddedWidth = s.width + 2 * s.paddingWidth
        let input = try paddedPlanes(x.buffer, planes: s.batch * s.inChannels, height: s.height, width: s.width,
                                     top: s.paddingHeight, left: s.paddingWidth, paddedHeight: paddedHeight,
                                     paddedWidth: paddedWidth)
        let pixels = s.batch * s.outputPlane, rowStride = padded(s.outChannels)
        let rows = try Tensor(uninitialized: [pixels, rowStride], on: self)
        try launch(Self.kernels.conv2dPixelMajor, global: [(pixels + 31) / 32], local: [1],
                   [.tensor(dy), .int(pixels), .int(s.outChannels), .int(s.outputPlane), .int(rowStride),
                    .tensor(rows)])
        let chunk = max(64, Self.filterGradientRowBudget / rowStride)
        let tiles = [(s.patchSize + tileRows - 1) / tileRows, rowStride / tileColumns]
        for first in stride(from: 0, to: pixels, by: chunk) {
            try launch(Self.kernels.conv2dBackwardFilterCPU.variant(tile), global: tiles, local: [1, 1],
                       [.tensor(input), .int(s.inChannels), .int(paddedHeight), .int(paddedWidth),
                        .int(s.kernelHeight), .int(s.kernelWidth), .int(s.strideHeight), .int(s.strideWidth),
                        .int(s.outHeight), .int(s.outWidth), .int(first), .int(min(first + chunk, pixels)),
                        .tensor(rows), .int(rowStride), .int(s.outChannels), .int(first == 0 ? 0 : 1), .tensor(dw)])
        }
    }

    /// `planes` planes of `source` zero-padded (or cropped, for negative offsets) to `paddedHeight × paddedWidth`,
    /// with source pixel `(h, w)` at `(h + top, w + left)`; the source itself when nothing changes.
    private func paddedPlanes(_ source: DeviceBuffer, planes: Int, height: Int, width: Int, top: Int, left: Int,
                              paddedHeight: Int, paddedWidth: Int) throws -> Tensor {
        if top == 0, left == 0, paddedHeight == height, paddedWidth == width {
            return Tensor(shape: [planes * height * width], dtype: .float32, buffer: source)
        }
        let result = try Tensor(uninitialized: [planes * paddedHeight * paddedWidth], on: self)
        // Each work-item copies about 16 KiB.
        let perItem = max(1, 4096 / (paddedHeight * paddedWidth))
        try launch(Self.kernels.conv2dPad, global: [(planes + perItem - 1) / perItem], local: [1],
                   [.buffer(source), .int(planes), .int(perItem), .int(height), .int(width), .int(top), .int(left),
                    .int(paddedHeight), .int(paddedWidth), .tensor(result)])
        return result
    }

    /// The weights as the operator `wp[row, (column, k, l)]` packed in 32-row panels (`conv2d_pack_weights`).
    private func packedWeights(_ weight: Tensor, _ s: Conv2DShape, rows: Int, columns: Int, flip: Bool,
                               start: (Int, Int), step: (Int, Int), taps: (Int, Int)) throws -> Tensor {
        let packed = try Tensor(uninitialized: [padded(rows) * columns * taps.0 * taps.1], on: self)
        try launch(Self.kernels.conv2dPackWeights, global: [padded(rows) / Self.gemmPanel, (columns * taps.0 * taps.1 + 63) / 64],
                   local: [1, 1],
                   [.tensor(weight), .int(s.kernelHeight), .int(s.kernelWidth), .int(rows), .int(columns),
                    .int(flip ? 1 : 0), .int(start.0), .int(start.1), .int(step.0), .int(step.1), .int(taps.0),
                    .int(taps.1), .tensor(packed)])
        return packed
    }

    /// Launches `conv2d_cpu` over a `grid` of (images, rows, columns) output pixels; pixel `(n, i, j)`
    /// of channel `o` goes to `output[n, o, origin.0 + i·step.0, origin.1 + j·step.1]`.
    private func enqueueImplicit(input: DeviceBuffer, channels: Int, inputSize: (Int, Int), taps: (Int, Int),
                                 stride: (Int, Int), grid: (Int, Int, Int), weights: Tensor, outChannels: Int,
                                 bias: DeviceBuffer?, output: Tensor, outputSize: (Int, Int), origin: (Int, Int),
                                 step: (Int, Int), tile: KernelParameters) throws {
        let pixels = grid.0 * grid.1 * grid.2, (rows, columns) = (tile["CONV_ROWS"], tile["CONV_COLUMNS"])
        try launch(Self.kernels.conv2dCPU.variant(tile), global: [(pixels + rows - 1) / rows, padded(outChannels) / columns],
                   local: [1, 1],
                   [.buffer(input), .int(channels), .int(inputSize.0), .int(inputSize.1), .int(taps.0), .int(taps.1),
                    .int(stride.0), .int(stride.1), .int(grid.1), .int(grid.2), .int(pixels), .tensor(weights),
                    .int(outChannels), .buffer(bias ?? weights.buffer), .int(bias == nil ? 0 : 1), .tensor(output),
                    .int(outputSize.0 * outputSize.1), .int(outputSize.1), .int(origin.0), .int(origin.1),
                    .int(step.0), .int(step.1)])
    }

    /// Seconds of one pass of the tuning problem of `kernel` with `tile`: resnet18's layer1 convolution, 64 → 64
    /// channels 3×3 at 16², batch 16 (the forward pass, or the filter gradient).
    func timeConv(_ kernel: TunableKernel, _ tile: KernelParameters) throws -> Double {
        let x = try Tensor(tuningValues(16 * 64 * 16 * 16, seed: 1), shape: [16, 64, 16, 16], on: self)
        let w = try Tensor(tuningValues(64 * 64 * 9, seed: 2), shape: [64, 64, 3, 3], on: self)
        let s = try Conv2DShape.forward(x, weight: w, bias: nil, options: Conv2DOptions(padding: 1), device: self)
        let out = try Tensor(uninitialized: kernel == .conv2dCPU ? s.outputShape : s.weightShape, on: self)
        try synchronize()
        let start = ContinuousClock.now
        if kernel == .conv2dCPU {
            try implicitForward(s, x: x, weight: w, bias: nil, y: out, tile: tile)
        } else {
            try implicitBackwardFilter(s, dy: try Tensor(tuningValues(16 * 64 * 16 * 16, seed: 3),
                                                         shape: [16, 64, 16, 16], on: self),
                                       x: x, dw: out, tile: tile)
        }
        try synchronize()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
