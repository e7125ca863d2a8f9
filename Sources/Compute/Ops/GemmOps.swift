/// The sizes of a GEMM, checked by its entry point: `op(a)` is `[M, K]`, `op(b)` is `[K, N]`.
public typealias GemmDimensions = (m: Int, k: Int, n: Int)

/// Dense matrix products with BLAS SGEMM semantics (Dongarra et al., "A set of level 3 basic linear algebra
/// subprograms", ACM TOMS 1990). Kernels: `Kernels/gemm.cl`.
///
/// Matrices are row-major float32 tensors of rank 2. `op(x)` is `x` or, when the matching `transpose` flag is set,
/// its transpose, so `[M, K]·[K, N]` products can read either operand in the layout it is stored in.
///
/// The ops are the entry points in the extension below: they check the arguments, allocate the results and call
/// the device's hook of the same name, which only computes (see ``Device``).
public protocol GemmOps {
    /// Hook of ``gemm(_:transposeA:_:transposeB:alpha:beta:into:)``: updates `c`.
    func gemm(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool, alpha: Float, beta: Float,
              into c: Tensor, dimensions: GemmDimensions) throws
}

extension GemmOps where Self: Device {
    /// `c ← α·op(a)·op(b) + β·c`.
    ///
    /// With `β == 0` the old contents of `c` are not read (they may be uninitialised or NaN), as in BLAS.
    /// - Parameters:
    ///   - a: `[M, K]`, or `[K, M]` when `transposeA`.
    ///   - b: `[K, N]`, or `[N, K]` when `transposeB`.
    ///   - c: `[M, N]`, updated in place; it must not share memory with `a` or `b`.
    /// - Throws: ``ComputeError`` for a non-float32 or non-matrix operand, mismatched inner or outer sizes,
    ///   tensors of another device, or `c` sharing a buffer with `a` or `b`.
    public func gemm(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool, alpha: Float, beta: Float,
                     into c: Tensor) throws {
        let dimensions = try GemmShape.validate(a, transposeA: transposeA, b, transposeB: transposeB, c: c,
                                                device: self)
        try gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: c,
                 dimensions: dimensions)
    }
}

extension GemmOps where Self: Device {
    /// `α·op(a)·op(b)` as a new `[M, N]` tensor; see ``gemm(_:transposeA:_:transposeB:alpha:beta:into:)``.
    public func gemm(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
                     alpha: Float = 1) throws -> Tensor {
        let (m, _, n) = try GemmShape.validate(a, transposeA: transposeA, b, transposeB: transposeB, c: nil,
                                                device: self)
        let c = try Tensor(uninitialized: [m, n], on: self)
        try gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: 0, into: c)
        return c
    }
}

/// The fully connected layer `y = x·Wᵀ + b` with PyTorch's weight layout (`torch.nn.Linear`), built from GEMMs so
/// every device gets it from its ``GemmOps`` and ``ElementwiseOps/fill(_:value:)``.
extension Device {
    /// Forward pass.
    /// - Parameters:
    ///   - x: `[N, in]`.
    ///   - weight: `[out, in]`.
    ///   - bias: `[out]`, or nil.
    /// - Returns: `[N, out]`.
    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let op = "linear"
        try OpValidation.require(x, op, dtype: .float32, rank: 2)
        try OpValidation.require(weight, op, dtype: .float32, shape: [nil, x.shape[1]])
        let batch = x.shape[0], outputs = weight.shape[0]
        let y = try Tensor(uninitialized: [batch, outputs], on: self)
        var beta: Float = 0
        if let bias {
            try OpValidation.require(bias, op, dtype: .float32, shape: [outputs])
            // y = 1·bᵀ (an outer product with a column of ones), then y += x·Wᵀ.
            try gemm(try ones(batch), transposeA: false, try bias.reshaped([1, outputs]), transposeB: false,
                     alpha: 1, beta: 0, into: y)
            beta = 1
        }
        try gemm(x, transposeA: false, weight, transposeB: true, alpha: 1, beta: beta, into: y)
        return y
    }

    /// Gradient of ``linear(_:weight:bias:)`` with respect to its input: `dx = dy·W`.
    /// - Parameters:
    ///   - outputGradient: `dy`, `[N, out]`.
    ///   - weight: `[out, in]`.
    /// - Returns: `[N, in]`.
    public func linearBackwardData(outputGradient: Tensor, weight: Tensor) throws -> Tensor {
        try gemm(outputGradient, weight)
    }

    /// Gradients of ``linear(_:weight:bias:)`` with respect to its parameters: `dW = dyᵀ·x` and `db = Σₙ dy`.
    /// - Parameters:
    ///   - outputGradient: `dy`, `[N, out]`.
    ///   - input: `x`, `[N, in]`.
    ///   - includeBias: whether to compute `db`.
    /// - Returns: `weight` `[out, in]` and `bias` `[out]` (nil unless `includeBias`).
    public func linearBackwardWeight(outputGradient: Tensor, input: Tensor, includeBias: Bool) throws
        -> (weight: Tensor, bias: Tensor?) {
        let weight = try gemm(outputGradient, input, transposeA: true)
        guard includeBias else { return (weight, nil) }
        let outputs = outputGradient.shape[1]
        // db = dyᵀ·1: a matrix-vector product with a column of ones.
        let bias = try gemm(outputGradient, try ones(outputGradient.shape[0]), transposeA: true)
        return (weight, try bias.reshaped([outputs]))
    }

    /// A `[count, 1]` column of ones.
    private func ones(_ count: Int) throws -> Tensor {
        let column = try Tensor(uninitialized: [count, 1], on: self)
        try fill(column, value: 1)
        return column
    }
}

/// Shape checks shared by every device's GEMM.
enum GemmShape {
    /// Validates the operands; returns `(M, K, N)`.
    static func validate(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool, c: Tensor?,
                         device: AnyObject) throws -> GemmDimensions {
        let op = "gemm"
        try OpValidation.sameDevice(op, device, a, b)
        try OpValidation.require(a, op, dtype: .float32, rank: 2)
        try OpValidation.require(b, op, dtype: .float32, rank: 2)
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else {
            throw ComputeError.shapeMismatch(
                op: op, detail: "op(a) is [\(m), \(k)] but op(b) is [\(kb), \(n)] (transposeA \(transposeA), "
                    + "transposeB \(transposeB))")
        }
        if let c {
            try OpValidation.sameDevice(op, device, c)
            try OpValidation.require(c, op, dtype: .float32, shape: [m, n])
            guard c.buffer !== a.buffer, c.buffer !== b.buffer else {
                throw ComputeError.invalidArgument(op: op, detail: "c must not share memory with a or b")
            }
        }
        return (m, k, n)
    }
}
