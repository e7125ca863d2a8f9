/// The window of a 2-D pooling op: kernel size, stride and zero/−∞ padding per axis, PyTorch's `floor` output-size
/// rule (`ceil_mode=False`) and no dilation.
public struct PoolWindow: Sendable, Equatable, CustomStringConvertible {
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var paddingHeight: Int, paddingWidth: Int

    /// A square window, such as the ResNet stem's `PoolWindow(kernel: 3, stride: 2, padding: 1)`.
    public init(kernel: Int, stride: Int, padding: Int = 0) {
        self.init(kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding))
    }

    /// A window given as (height, width) pairs.
    public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)) {
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride
        (paddingHeight, paddingWidth) = padding
    }

    /// `floor((H + 2p − k)/s) + 1` per axis.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * paddingHeight - kernelHeight) / strideHeight + 1,
         (width + 2 * paddingWidth - kernelWidth) / strideWidth + 1)
    }

    public var description: String {
        "k=\(kernelHeight)x\(kernelWidth),s=\(strideHeight)x\(strideWidth),p=\(paddingHeight)x\(paddingWidth)"
    }
}

/// The sizes of a pooling op, checked by its entry point: input `[N, C, H, W]`, output `[N, C, OH, OW]`.
public typealias PoolGeometry = (n: Int, c: Int, h: Int, w: Int, oh: Int, ow: Int)

/// Pooling over the spatial axes of `[N, C, H, W]` float32 tensors, forward and backward, with PyTorch's semantics.
/// Kernels: `Kernels/pool.cl`.
///
/// Backward passes are written as gathers: each input position sums the gradients of the output windows that
/// contain it, in row-major output order, so no device needs atomics and results do not depend on scheduling.
///
/// The ops are the entry points in the extension below: they check the arguments, allocate the results and call
/// the device's hook of the same name, which only computes (see ``Device``).
public protocol PoolOps {
    /// Hook of ``maxPool2d(_:window:)``: fills `output` and `indices` `[N, C, OH, OW]`.
    func maxPool2d(_ x: Tensor, window: PoolWindow, geometry: PoolGeometry, into output: Tensor, indices: Tensor)
        throws
    /// Hook of ``maxPool2dBackward(outputGradient:indices:window:inputShape:)``: fills `inputGradient`.
    func maxPool2dBackward(outputGradient: Tensor, indices: Tensor, window: PoolWindow, geometry: PoolGeometry,
                           into inputGradient: Tensor) throws
    /// Hook of ``avgPool2d(_:window:)``: fills `output`.
    func avgPool2d(_ x: Tensor, window: PoolWindow, geometry: PoolGeometry, into output: Tensor) throws
    /// Hook of ``avgPool2dBackward(outputGradient:window:inputShape:)``: fills `inputGradient`.
    func avgPool2dBackward(outputGradient: Tensor, window: PoolWindow, geometry: PoolGeometry,
                           into inputGradient: Tensor) throws
    /// Hook of ``adaptiveAvgPool2d(_:outputHeight:outputWidth:)``: fills `output`.
    func adaptiveAvgPool2d(_ x: Tensor, geometry: PoolGeometry, into output: Tensor) throws
    /// Hook of ``adaptiveAvgPool2dBackward(outputGradient:inputShape:)``: fills `inputGradient`.
    func adaptiveAvgPool2dBackward(outputGradient: Tensor, geometry: PoolGeometry, into inputGradient: Tensor) throws
}

extension PoolOps where Self: Device {
    /// Max pooling (`nn.MaxPool2d`): padding counts as −∞, ties go to the first maximum in row-major window order,
    /// and a NaN wins (the last NaN of the window, as PyTorch's CPU kernel picks it).
    /// - Parameters:
    ///   - x: `[N, C, H, W]`.
    ///   - window: requires `padding ≤ kernel/2` per axis (as PyTorch does) and an output of at least 1×1.
    /// - Returns: the output `[N, C, OH, OW]` and int32 `indices` of the same shape holding each maximum's position
    ///   `h·W + w` in its input plane (PyTorch's `return_indices`).
    public func maxPool2d(_ x: Tensor, window: PoolWindow) throws -> (output: Tensor, indices: Tensor) {
        let g = try validatePool("maxPool2d", x: x, window: window, device: self)
        let output = try Tensor(uninitialized: [g.n, g.c, g.oh, g.ow], on: self)
        let indices = try Tensor(uninitialized: [g.n, g.c, g.oh, g.ow], dtype: .int32, on: self)
        try maxPool2d(x, window: window, geometry: g, into: output, indices: indices)
        return (output, indices)
    }

    /// Routes each output gradient to the input position recorded in `indices`; positions chosen by several
    /// overlapping windows receive the sum.
    /// - Parameters:
    ///   - outputGradient: `[N, C, OH, OW]`.
    ///   - indices: int32 `[N, C, OH, OW]` from ``maxPool2d(_:window:)``.
    ///   - window: the forward pass's window.
    ///   - inputShape: the forward pass's `[N, C, H, W]`.
    /// - Returns: `[N, C, H, W]`.
    public func maxPool2dBackward(outputGradient: Tensor, indices: Tensor, window: PoolWindow, inputShape: [Int])
        throws -> Tensor {
        let op = "maxPool2dBackward"
        let g = try validatePoolBackward(op, outputGradient: outputGradient, window: window, inputShape: inputShape,
                                         device: self)
        try OpValidation.sameDevice(op, self, indices)
        try OpValidation.require(indices, op, dtype: .int32, shape: outputGradient.shape)
        let inputGradient = try Tensor(uninitialized: inputShape, on: self)
        try maxPool2dBackward(outputGradient: outputGradient, indices: indices, window: window, geometry: g,
                              into: inputGradient)
        return inputGradient
    }

    /// Average pooling with `count_include_pad=True` (`nn.AvgPool2d`, as anomalib's 3×3 PatchCore aggregation
    /// uses it): every window sum is divided by `kernelHeight·kernelWidth`, padded zeros included.
    /// - Parameters:
    ///   - x: `[N, C, H, W]`.
    ///   - window: requires `padding ≤ kernel/2` per axis and an output of at least 1×1.
    /// - Returns: `[N, C, OH, OW]`.
    public func avgPool2d(_ x: Tensor, window: PoolWindow) throws -> Tensor {
        let g = try validatePool("avgPool2d", x: x, window: window, device: self)
        let output = try Tensor(uninitialized: [g.n, g.c, g.oh, g.ow], on: self)
        try avgPool2d(x, window: window, geometry: g, into: output)
        return output
    }

    /// Gradient of ``avgPool2d(_:window:)``: `dx[h, w] = Σ dy[i, j]/(kh·kw)` over the windows containing `(h, w)`.
    /// - Returns: `[N, C, H, W]` for `inputShape`.
    public func avgPool2dBackward(outputGradient: Tensor, window: PoolWindow, inputShape: [Int]) throws -> Tensor {
        let g = try validatePoolBackward("avgPool2dBackward", outputGradient: outputGradient, window: window,
                                         inputShape: inputShape, device: self)
        let inputGradient = try Tensor(uninitialized: inputShape, on: self)
        try avgPool2dBackward(outputGradient: outputGradient, window: window, geometry: g, into: inputGradient)
        return inputGradient
    }

    /// Adaptive average pooling (`nn.AdaptiveAvgPool2d`): output row `i` of `n` averages input rows
    /// `[floor(i·H/n), ceil((i+1)·H/n))`, and likewise for columns, so windows may differ in size and overlap.
    /// An output of 1×1 is global average pooling.
    /// - Parameters:
    ///   - x: `[N, C, H, W]` with `H, W ≥ 1`.
    ///   - outputHeight, outputWidth: positive.
    /// - Returns: `[N, C, outputHeight, outputWidth]`.
    public func adaptiveAvgPool2d(_ x: Tensor, outputHeight: Int, outputWidth: Int) throws -> Tensor {
        let (n, c, h, w) = try validateAdaptivePool(x: x, outputHeight: outputHeight, outputWidth: outputWidth,
                                                    device: self)
        let output = try Tensor(uninitialized: [n, c, outputHeight, outputWidth], on: self)
        try adaptiveAvgPool2d(x, geometry: (n, c, h, w, outputHeight, outputWidth), into: output)
        return output
    }

    /// Gradient of ``adaptiveAvgPool2d(_:outputHeight:outputWidth:)``: each input position receives `dy/area` of
    /// every window containing it.
    /// - Returns: `[N, C, H, W]` for `inputShape`.
    public func adaptiveAvgPool2dBackward(outputGradient: Tensor, inputShape: [Int]) throws -> Tensor {
        let g = try validateAdaptivePoolBackward(outputGradient: outputGradient, inputShape: inputShape, device: self)
        let inputGradient = try Tensor(uninitialized: inputShape, on: self)
        try adaptiveAvgPool2dBackward(outputGradient: outputGradient, geometry: g, into: inputGradient)
        return inputGradient
    }
}

/// The window arithmetic of adaptive pooling, shared by the CPU device and mirrored in `Kernels/pool.cl` (whose
/// GPU-shaped backward kernel gathers, for input index `h`, from outputs `floor(h·n/L) ... ceil((h+1)·n/L) − 1`).
public enum AdaptivePooling {
    /// First input index of output `i` of `n` over an axis of length `length`: `floor(i·length/n)`.
    @inlinable
    public static func start(_ i: Int, _ n: Int, _ length: Int) -> Int { i * length / n }

    /// One past the last input index of output `i`: `ceil((i+1)·length/n)`.
    @inlinable
    public static func end(_ i: Int, _ n: Int, _ length: Int) -> Int { ((i + 1) * length + n - 1) / n }
}

extension PoolWindow {
    /// The input rows of output row `i`'s window, clipped to `0..<height`.
    func rows(of i: Int, height: Int) -> Range<Int> {
        let first = i * strideHeight - paddingHeight
        return max(first, 0)..<min(first + kernelHeight, height)
    }

    /// The input columns of output column `j`'s window, clipped to `0..<width`.
    func columns(of j: Int, width: Int) -> Range<Int> {
        let first = j * strideWidth - paddingWidth
        return max(first, 0)..<min(first + kernelWidth, width)
    }
}

extension PoolOps where Self: Device {
    /// Checks a windowed pooling op's input; returns `(N, C, H, W, OH, OW)`.
    func validatePool(_ op: String, x: Tensor, window: PoolWindow, device: AnyObject) throws
        -> (n: Int, c: Int, h: Int, w: Int, oh: Int, ow: Int) {
        try OpValidation.sameDevice(op, device, x)
        let (n, c, h, w) = try OpValidation.nchw(x, op)
        return try Self.checkWindow(op, window: window, n: n, c: c, h: h, w: w)
    }

    /// Checks a windowed pooling op's backward arguments; returns `(N, C, H, W, OH, OW)`.
    func validatePoolBackward(_ op: String, outputGradient: Tensor, window: PoolWindow, inputShape: [Int],
                              device: AnyObject) throws -> (n: Int, c: Int, h: Int, w: Int, oh: Int, ow: Int) {
        try OpValidation.sameDevice(op, device, outputGradient)
        guard inputShape.count == 4, inputShape.allSatisfy({ $0 >= 0 }) else {
            throw ComputeError.shapeMismatch(op: op, detail: "inputShape must be [N, C, H, W], got \(inputShape)")
        }
        let dims = try Self.checkWindow(op, window: window, n: inputShape[0], c: inputShape[1], h: inputShape[2],
                                        w: inputShape[3])
        try OpValidation.require(outputGradient, op, dtype: .float32, shape: [dims.n, dims.c, dims.oh, dims.ow])
        return dims
    }

    private static func checkWindow(_ op: String, window: PoolWindow, n: Int, c: Int, h: Int, w: Int) throws
        -> (n: Int, c: Int, h: Int, w: Int, oh: Int, ow: Int) {
        try OpValidation.positive(window.kernelHeight, "kernel height", op)
        try OpValidation.positive(window.kernelWidth, "kernel width", op)
        try OpValidation.positive(window.strideHeight, "stride height", op)
        try OpValidation.positive(window.strideWidth, "stride width", op)
        guard window.paddingHeight >= 0, window.paddingWidth >= 0,
              window.paddingHeight <= window.kernelHeight / 2, window.paddingWidth <= window.kernelWidth / 2 else {
            throw ComputeError.invalidArgument(op: op, detail: "padding must be in 0...kernel/2, got \(window)")
        }
        guard h + 2 * window.paddingHeight >= window.kernelHeight, w + 2 * window.paddingWidth >= window.kernelWidth
        else {
            throw ComputeError.shapeMismatch(op: op, detail: "window \(window) is larger than the padded \(h)x\(w) input")
        }
        let (oh, ow) = window.outputSize(height: h, width: w)
        return (n, c, h, w, oh, ow)
    }

    /// Checks adaptive pooling's forward arguments; returns `(N, C, H, W)`.
    func validateAdaptivePool(x: Tensor, outputHeight: Int, outputWidth: Int, device: AnyObject) throws
        -> (n: Int, c: Int, h: Int, w: Int) {
        let op = "adaptiveAvgPool2d"
        try OpValidation.sameDevice(op, device, x)
        let dims = try OpValidation.nchw(x, op)
        try OpValidation.positive(outputHeight, "output height", op)
        try OpValidation.positive(outputWidth, "output width", op)
        guard dims.h > 0, dims.w > 0 else {
            throw ComputeError.shapeMismatch(op: op, detail: "input \(x.shape) has an empty plane")
        }
        return dims
    }

    /// Checks adaptive pooling's backward arguments; returns `(N, C, H, W, OH, OW)`.
    func validateAdaptivePoolBackward(outputGradient: Tensor, inputShape: [Int], device: AnyObject) throws
        -> (n: Int, c: Int, h: Int, w: Int, oh: Int, ow: Int) {
        let op = "adaptiveAvgPool2dBackward"
        try OpValidation.sameDevice(op, device, outputGradient)
        let (n, c, oh, ow) = try OpValidation.nchw(outputGradient, op)
        guard inputShape.count == 4, inputShape[0] == n, inputShape[1] == c, inputShape[2] > 0, inputShape[3] > 0,
              oh > 0, ow > 0 else {
            throw ComputeError.shapeMismatch(
                op: op, detail: "inputShape \(inputShape) does not fit an output gradient of \(outputGradient.shape)")
        }
        return (n, c, inputShape[2], inputShape[3], oh, ow)
    }
}
