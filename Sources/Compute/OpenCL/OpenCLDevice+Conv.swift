/// 2-D convolution on OpenCL (`Kernels/conv.cl`), in the kernel shape of ``OpenCLDevice/variant``:
///
/// - `.cpu`: implicit GEMM straight from the zero-padded input, with no column matrix (`conv2d_cpu`, see
///   `OpenCLDevice+ConvImplicit.swift`). On PoCL it needs 2–3.5× less CPU time than im2col + `gemm_cpu` at the
///   resnet18 shapes with 56² to 8² maps (80–94 against 23–42 GFLOP per CPU-second), where writing and reading
///   the nine-fold column matrix costs more than the multiplication, and the same at 2² maps.
/// - `.gpu`: the forward pass is `conv2d`, an implicit GEMM `y = W [O, C·KH·KW] · col [C·KH·KW, N·OH·OW]` with
///   `__local` tiles that reads the column matrix straight from `x` and writes NCHW with the bias fused. The
///   gradients use im2col + the tiled GEMM of `Kernels/gemm.cl` over chunks of images (Chellapilla, Puri &
///   Simard, "High performance convolutional neural networks for document processing", 2006): input gradient
///   `dcol = Wᵀ · dy`, then col2im gathers each pixel's columns; filter gradient `dW += dy · colᵀ` accumulated
///   over the chunks.
///
/// Temporary buffers are reused from chunk to chunk and may return to the pool while kernels still use them: the
/// in-order queue runs every kernel that reads a buffer before any later kernel that overwrites it.
extension OpenCLDevice: ConvOps {
    /// Output channels and output pixels of one `conv2d` work-group's tile (`TILE` in `Kernels/conv.cl`), computed
    /// by 16 × 16 work-items (`GROUP`).
    private static let forwardTile = 64, forwardGroup = 16

    /// Floats of one chunk's column matrix (2 Mi floats, 8 MiB).
    static let convColumnBudget = 1 << 21

    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, shape s: Conv2DShape, into y: Tensor) throws {
        if variant == .cpu { return try implicitForward(s, x: x, weight: weight, bias: bias, y: y) }
        let pixels = s.batch * s.outputPlane, tile = Self.forwardTile, group = Self.forwardGroup
        let tiles = [(pixels + tile - 1) / tile, (s.outChannels + tile - 1) / tile]
        try launch(Self.kernels.conv2d, global: tiles.map { $0 * group }, local: [group, group],
                   [.tensor(x), .int(s.inChannels), .int(s.height), .int(s.width), .int(s.kernelHeight),
                    .int(s.kernelWidth), .int(s.strideHeight), .int(s.strideWidth), .int(s.paddingHeight),
                    .int(s.paddingWidth), .int(s.outHeight), .int(s.outWidth), .int(pixels), .tensor(weight),
                    .int(s.outChannels), .buffer(bias?.buffer ?? weight.buffer), .int(bias == nil ? 0 : 1),
                    .tensor(y)])
    }

    public func conv2dBackwardData(outputGradient: Tensor, weight: Tensor, shape s: Conv2DShape,
                                   into dx: Tensor) throws {
        if variant == .cpu { return try implicitBackwardData(s, dy: outputGradient, weight: weight, dx: dx) }
        let depth = s.patchSize, plane = s.outputPlane
        let gradient = try Self.gradientAsInput(s, op: "conv2dBackwardData")
        let images = chunkImages(s)
        let gradientColumns = try Tensor(uninitialized: [padded(images * plane) * s.outChannels], on: self)
        let columns = try Tensor(uninitialized: [images * plane * depth], on: self)
        for first in stride(from: 0, to: s.batch, by: images) {
            let count = min(images, s.batch - first), width = count * plane
            try enqueueIm2col(gradient, outputGradient.buffer, firstImage: first, images: count,
                              into: .packed(gradientColumns.buffer, k: s.outChannels), columnExtent: padded(width))
            // Wᵀ: element (patch row r, channel o) at o·C·KH·KW + r.
            try enqueueGemm(m: depth, n: width, k: s.outChannels, alpha: 1,
                            a: GemmOperandA(buffer: weight.buffer, rowStride: 1, columnStride: depth),
                            b: .packed(gradientColumns.buffer, k: s.outChannels), beta: 0,
                            c: GemmOutput(buffer: columns.buffer, rowStride: width))
            try launch(Self.kernels.conv2dCol2im, global: [count * s.inChannels * s.height], local: nil,
                       [.tensor(columns), .int(width), .int(count), .int(s.inChannels), .int(s.height), .int(s.width),
                        .int(s.kernelHeight), .int(s.kernelWidth), .int(s.strideHeight), .int(s.strideWidth),
                        .int(s.paddingHeight), .int(s.paddingWidth), .int(s.outHeight), .int(s.outWidth),
                        .tensor(dx), .int(first * s.inChannels * s.inputPlane)])
        }
    }

    public func conv2dBackwardFilter(outputGradient: Tensor, input: Tensor, shape s: Conv2DShape,
                                     into dw: Tensor, biasGradient db: Tensor?) throws {
        if variant == .cpu {
            try implicitBackwardFilter(s, dy: outputGradient, x: input, dw: dw)
        } else {
            try im2colBackwardFilter(s, dy: outputGradient, x: input, dw: dw)
        }
        guard let db else { return }
        try launch(Self.kernels.conv2dBackwardBias, global: [s.outChannels], local: nil,
                   [.tensor(outputGradient), .int(s.batch), .int(s.outChannels), .int(s.outputPlane), .tensor(db)])
    }

    private func im2colBackwardFilter(_ s: Conv2DShape, dy: Tensor, x: Tensor, dw: Tensor) throws {
        let depth = s.patchSize, plane = s.outputPlane
        let gradient = try Self.gradientAsInput(s, op: "conv2dBackwardFilter")
        let images = chunkImages(s)
        let gradientMatrix = try Tensor(uninitialized: [s.outChannels * images * plane], on: self)
        let columns = try Tensor(uninitialized: [padded(depth) * images * plane], on: self)
        for first in stride(from: 0, to: s.batch, by: images) {
            let count = min(images, s.batch - first), width = count * plane
            try enqueueIm2col(gradient, dy.buffer, firstImage: first, images: count,
                              into: .plain(gradientMatrix.buffer, n: width), columnExtent: width)
            try launch(Self.kernels.conv2dIm2colTransposed, global: [padded(depth) / Self.gemmPanel, width], local: nil,
                       Self.geometryArguments(s, x.buffer, firstImage: first)
                           + [.int(width), .int(padded(depth)), .tensor(columns), .int(Self.gemmPanel * width),
                              .int(Self.gemmPanel), .int(1)])
            try enqueueGemm(m: s.outChannels, n: depth, k: width, alpha: 1,
                            a: GemmOperandA(buffer: gradientMatrix.buffer, rowStride: width, columnStride: 1),
                            b: .packed(columns.buffer, k: width), beta: first == 0 ? 0 : 1,
                            c: GemmOutput(buffer: dw.buffer, rowStride: depth))
        }
    }

    /// Writes the column matrix of `images` images from `firstImage` as the B operand `destination`, padding
    /// columns up to `columnExtent` with zeros.
    private func enqueueIm2col(_ s: Conv2DShape, _ source: DeviceBuffer, firstImage: Int, images: Int,
                               into destination: GemmOperandB, columnExtent: Int) throws {
        try launch(Self.kernels.conv2dIm2col,
                   global: [(columnExtent + Self.gemmPanel - 1) / Self.gemmPanel, s.patchSize],
                   local: nil,
                   Self.geometryArguments(s, source, firstImage: firstImage)
                       + [.int(images * s.outputPlane), .int(columnExtent), .int(s.patchSize),
                          .buffer(destination.buffer), .int(destination.panelStride), .int(destination.rowStride),
                          .int(destination.columnStride)])
    }

    /// The leading arguments of the im2col kernels: the source chunk and the convolution's geometry.
    private static func geometryArguments(_ s: Conv2DShape, _ source: DeviceBuffer, firstImage: Int)
        -> [KernelArgument] {
        [.buffer(source), .int(firstImage * s.inChannels * s.inputPlane), .int(s.inChannels), .int(s.height),
         .int(s.width), .int(s.kernelHeight), .int(s.kernelWidth), .int(s.strideHeight), .int(s.strideWidth),
         .int(s.paddingHeight), .int(s.paddingWidth), .int(s.outHeight), .int(s.outWidth)]
    }

    /// `dy` seen as the input of a 1×1 convolution, whose column matrix is `dy` as `[O, images·OH·OW]`.
    private static func gradientAsInput(_ s: Conv2DShape, op: String) throws -> Conv2DShape {
        try Conv2DShape(batch: s.batch, inChannels: s.outChannels, height: s.outHeight, width: s.outWidth,
                        outChannels: 1, kernelHeight: 1, kernelWidth: 1, options: Conv2DOptions(), op: op)
    }

    /// Images per chunk, so one chunk's column matrix stays within ``convColumnBudget``.
    private func chunkImages(_ s: Conv2DShape) -> Int {
        max(1, min(s.batch, Self.convColumnBudget / max(s.patchSize * s.outputPlane, 1)))
    }

    /// `count` rounded up to whole panels of ``gemmPanel``.
    func padded(_ count: Int) -> Int {
        (count + Self.gemmPanel - 1) / Self.gemmPanel * Self.gemmPanel
    }
}
