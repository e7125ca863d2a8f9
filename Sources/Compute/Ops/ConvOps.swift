/// Stride, zero padding and dilation per axis, and channel groups, of a 2-D convolution (PyTorch's
/// `torch.nn.Conv2d` arguments). Only dilation 1 and one group are implemented; the ops reject other values.
public struct Conv2DOptions: Sendable, Hashable, CustomStringConvertible {
    public var strideHeight: Int, strideWidth: Int
    public var paddingHeight: Int, paddingWidth: Int
    public var dilationHeight: Int, dilationWidth: Int
    public var groups: Int

    /// The same stride, padding and dilation on both axes.
    public init(stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) {
        self.init(stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation),
                  groups: groups)
    }

    /// Per-axis values as `(height, width)`.
    public init(stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        (strideHeight, strideWidth) = stride
        (paddingHeight, paddingWidth) = padding
        (dilationHeight, dilationWidth) = dilation
        self.groups = groups
    }

    /// Output size along one axis: `⌊(input + 2·padding − kernel) / stride⌋ + 1` (dilation 1).
    public static func outputSize(input: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        (input + 2 * padding - kernel) / stride + 1
    }

    public var description: String {
        "s=\(strideHeight)x\(strideWidth),p=\(paddingHeight)x\(paddingWidth)"
            + (dilationHeight == 1 && dilationWidth == 1 ? "" : ",d=\(dilationHeight)x\(dilationWidth)")
            + (groups == 1 ? "" : ",g=\(groups)")
    }
}

/// 2-D convolution (cross-correlation, as in PyTorch) on NCHW tensors and its two gradients. Kernels:
/// `Kernels/conv.cl`.
///
/// With input `x` `[N, C, H, W]`, weight `w` `[O, C, KH, KW]`, stride `(sh, sw)` and padding `(ph, pw)`, the
/// output `y` is `[N, O, OH, OW]` with `OH = ⌊(H + 2·ph − KH) / sh⌋ + 1` (same for `OW`) and
///
///     y[n, o, i, j] = b[o] + Σ_{c, u, v} w[o, c, u, v] · x[n, c, i·sh − ph + u, j·sw − pw + v]
///
/// where `x` is zero outside `[0, H) × [0, W)`.
///
/// The ops are the entry points in the extension below: they check the arguments, allocate the results and call
/// the device's hook of the same name, which only computes (see ``Device``).
public protocol ConvOps {
    /// Hook of ``conv2d(_:weight:bias:options:)``: fills `y`; called with `N ≥ 1`.
    func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, shape: Conv2DShape, into y: Tensor) throws
    /// Hook of ``conv2dBackwardData(outputGradient:weight:inputSize:options:)``: fills `inputGradient`; called
    /// with `N ≥ 1`.
    func conv2dBackwardData(outputGradient: Tensor, weight: Tensor, shape: Conv2DShape,
                            into inputGradient: Tensor) throws
    /// Hook of ``conv2dBackwardFilter(outputGradient:input:kernelSize:options:includeBias:)``: fills
    /// `weightGradient` and, when given, `biasGradient`; called with `N ≥ 1`.
    func conv2dBackwardFilter(outputGradient: Tensor, input: Tensor, shape: Conv2DShape,
                              into weightGradient: Tensor, biasGradient: Tensor?) throws
}

extension ConvOps where Self: Device {
    /// Forward pass.
    /// - Parameters:
    ///   - x: `[N, C, H, W]`.
    ///   - weight: `[O, C, KH, KW]`.
    ///   - bias: `[O]`, or nil.
    /// - Returns: `[N, O, OH, OW]`.
    /// - Throws: ``ComputeError`` for bad shapes, an empty output, dilation ≠ 1 or groups ≠ 1.
    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, options: Conv2DOptions) throws -> Tensor {
        let s = try Conv2DShape.forward(x, weight: weight, bias: bias, options: options, device: self)
        let y = try Tensor(uninitialized: s.outputShape, on: self)
        if s.batch > 0 { try conv2d(x, weight: weight, bias: bias, shape: s, into: y) }
        return y
    }

    /// Gradient with respect to the input:
    /// `dx[n, c, h, w] = Σ_{o, u, v} w[o, c, u, v] · dy[n, o, i, j]` over the `(i, j)` with
    /// `i·sh − ph + u = h` and `j·sw − pw + v = w`.
    /// - Parameters:
    ///   - outputGradient: `dy`, `[N, O, OH, OW]`.
    ///   - weight: `[O, C, KH, KW]`.
    ///   - inputSize: `(H, W)` of the forward input (several sizes share an output size when the stride is > 1).
    /// - Returns: `[N, C, H, W]`.
    public func conv2dBackwardData(outputGradient: Tensor, weight: Tensor, inputSize: (height: Int, width: Int),
                                   options: Conv2DOptions) throws -> Tensor {
        let s = try Conv2DShape.backwardData(outputGradient, weight: weight, inputSize: inputSize, options: options,
                                             device: self)
        let dx = try Tensor(uninitialized: s.inputShape, on: self)
        if s.batch > 0 { try conv2dBackwardData(outputGradient: outputGradient, weight: weight, shape: s, into: dx) }
        return dx
    }

    /// Gradients with respect to the parameters:
    /// `dw[o, c, u, v] = Σ_{n, i, j} dy[n, o, i, j] · x[n, c, i·sh − ph + u, j·sw − pw + v]` and
    /// `db[o] = Σ_{n, i, j} dy[n, o, i, j]`.
    /// - Parameters:
    ///   - outputGradient: `dy`, `[N, O, OH, OW]`.
    ///   - input: the forward input `x`, `[N, C, H, W]`.
    ///   - kernelSize: `(KH, KW)`.
    ///   - includeBias: whether to compute `db`.
    /// - Returns: `weight` `[O, C, KH, KW]` and `bias` `[O]` (nil unless `includeBias`).
    public func conv2dBackwardFilter(outputGradient: Tensor, input: Tensor, kernelSize: (height: Int, width: Int),
                                     options: Conv2DOptions, includeBias: Bool) throws
        -> (weight: Tensor, bias: Tensor?) {
        let s = try Conv2DShape.backwardFilter(outputGradient, input: input, kernelSize: kernelSize, options: options,
                                               device: self)
        let dw = try Tensor(uninitialized: s.weightShape, on: self)
        let db = includeBias ? try Tensor(uninitialized: [s.outChannels], on: self) : nil
        if s.batch > 0 {
            try conv2dBackwardFilter(outputGradient: outputGradient, input: input, shape: s, into: dw,
                                     biasGradient: db)
        } else {
            // No pixels: both gradients are empty sums.
            for gradient in [dw] + (db.map { [$0] } ?? []) { try fill(gradient, value: 0) }
        }
        return (dw, db)
    }
}

extension ConvOps where Self: Device {
    /// ``conv2d(_:weight:bias:options:)`` with the same stride and padding on both axes.
    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) throws
        -> Tensor {
        try conv2d(x, weight: weight, bias: bias, options: Conv2DOptions(stride: stride, padding: padding))
    }
}

/// The sizes of one convolution, checked once by the op's entry point and passed to every device's hook.
public struct Conv2DShape: Equatable, Sendable {
    public private(set) var batch: Int, inChannels: Int, height: Int, width: Int
    public private(set) var outChannels: Int, kernelHeight: Int, kernelWidth: Int
    public private(set) var strideHeight: Int, strideWidth: Int, paddingHeight: Int, paddingWidth: Int
    public private(set) var outHeight: Int, outWidth: Int

    /// Rows of the im2col matrix: `C·KH·KW`.
    public var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    public var inputPlane: Int { height * width }
    public var outputPlane: Int { outHeight * outWidth }
    public var inputShape: [Int] { [batch, inChannels, height, width] }
    public var weightShape: [Int] { [outChannels, inChannels, kernelHeight, kernelWidth] }
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }

    init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int, kernelHeight: Int,
         kernelWidth: Int, options: Conv2DOptions, op: String) throws {
        guard options.dilationHeight == 1, options.dilationWidth == 1 else {
            throw ComputeError.invalidArgument(
                op: op,
                detail: "dilation (\(options.dilationHeight), \(options.dilationWidth)) is not supported; only 1")
        }
        guard options.groups == 1 else {
            throw ComputeError.invalidArgument(op: op, detail: "groups = \(options.groups) is not supported; only 1")
        }
        guard options.strideHeight > 0, options.strideWidth > 0 else {
            throw ComputeError.invalidArgument(op: op, detail: "stride must be positive, got \(options)")
        }
        guard options.paddingHeight >= 0, options.paddingWidth >= 0 else {
            throw ComputeError.invalidArgument(op: op, detail: "padding must be ≥ 0, got \(options)")
        }
        guard kernelHeight > 0, kernelWidth > 0, inChannels > 0, outChannels > 0 else {
            throw ComputeError.invalidArgument(
                op: op, detail: "kernel \(kernelHeight)x\(kernelWidth) and channels \(inChannels)→\(outChannels) "
                    + "must be positive")
        }
        (self.batch, self.inChannels, self.height, self.width) = (batch, inChannels, height, width)
        (self.outChannels, self.kernelHeight, self.kernelWidth) = (outChannels, kernelHeight, kernelWidth)
        (strideHeight, strideWidth) = (options.strideHeight, options.strideWidth)
        (paddingHeight, paddingWidth) = (options.paddingHeight, options.paddingWidth)
        outHeight = Conv2DOptions.outputSize(input: height, kernel: kernelHeight, stride: strideHeight,
                                             padding: paddingHeight)
        outWidth = Conv2DOptions.outputSize(input: width, kernel: kernelWidth, stride: strideWidth,
                                            padding: paddingWidth)
        guard height + 2 * paddingHeight >= kernelHeight, width + 2 * paddingWidth >= kernelWidth else {
            throw ComputeError.shapeMismatch(
                op: op, detail: "a \(kernelHeight)x\(kernelWidth) kernel does not fit a \(height)x\(width) input "
                    + "padded by \(paddingHeight)x\(paddingWidth)")
        }
    }

    /// Checks the forward pass's operands.
    static func forward(_ x: Tensor, weight: Tensor, bias: Tensor?, options: Conv2DOptions, device: AnyObject)
        throws -> Conv2DShape {
        let op = "conv2d"
        try OpValidation.sameDevice(op, device, x, weight)
        try OpValidation.require(x, op, dtype: .float32, rank: 4)
        try OpValidation.require(weight, op, dtype: .float32, shape: [nil, x.shape[1], nil, nil])
        let shape = try Conv2DShape(batch: x.shape[0], inChannels: x.shape[1], height: x.shape[2], width: x.shape[3],
                                    outChannels: weight.shape[0], kernelHeight: weight.shape[2],
                                    kernelWidth: weight.shape[3], options: options, op: op)
        if let bias {
            try OpValidation.sameDevice(op, device, bias)
            try OpValidation.require(bias, op, dtype: .float32, shape: [shape.outChannels])
        }
        return shape
    }

    /// Checks the input-gradient pass's operands.
    static func backwardData(_ dy: Tensor, weight: Tensor, inputSize: (height: Int, width: Int),
                             options: Conv2DOptions, device: AnyObject) throws -> Conv2DShape {
        let op = "conv2dBackwardData"
        try OpValidation.sameDevice(op, device, dy, weight)
        try OpValidation.require(weight, op, dtype: .float32, rank: 4)
        let shape = try Conv2DShape(batch: dy.rank == 4 ? dy.shape[0] : 0, inChannels: weight.shape[1],
                                    height: inputSize.height, width: inputSize.width, outChannels: weight.shape[0],
                                    kernelHeight: weight.shape[2], kernelWidth: weight.shape[3], options: options,
                                    op: op)
        try OpValidation.require(dy, op, dtype: .float32, shape: shape.outputShape.map { $0 })
        return shape
    }

    /// Checks the parameter-gradient pass's operands.
    static func backwardFilter(_ dy: Tensor, input x: Tensor, kernelSize: (height: Int, width: Int),
                               options: Conv2DOptions, device: AnyObject) throws -> Conv2DShape {
        let op = "conv2dBackwardFilter"
        try OpValidation.sameDevice(op, device, dy, x)
        try OpValidation.require(x, op, dtype: .float32, rank: 4)
        try OpValidation.require(dy, op, dtype: .float32, rank: 4)
        let shape = try Conv2DShape(batch: x.shape[0], inChannels: x.shape[1], height: x.shape[2], width: x.shape[3],
                                    outChannels: dy.shape[1], kernelHeight: kernelSize.height,
                                    kernelWidth: kernelSize.width, options: options, op: op)
        try OpValidation.require(dy, op, dtype: .float32, shape: shape.outputShape.map { $0 })
        return shape
    }
}
