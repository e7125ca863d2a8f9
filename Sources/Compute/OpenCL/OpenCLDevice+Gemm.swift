/// Where the A operand of a GEMM lives: element `(i, p)` at
/// `offset + (i / rows)·panelStride + (i % rows)·rowStride + p·columnStride`, with `rows` =
/// ``OpenCLDevice/gemmRows`` (see `Kernels/gemm.cl`).
struct GemmOperandA {
    var buffer: DeviceBuffer
    var offset = 0
    var panelStride: Int
    var rowStride: Int
    var columnStride: Int

    /// Element `(i, p)` at `offset + i·rowStride + p·columnStride` (a matrix or its transpose).
    init(buffer: DeviceBuffer, offset: Int = 0, rowStride: Int, columnStride: Int) {
        self.init(buffer: buffer, offset: offset, panelStride: OpenCLDevice.gemmRows * rowStride,
                  rowStride: rowStride, columnStride: columnStride)
    }

    init(buffer: DeviceBuffer, offset: Int = 0, panelStride: Int, rowStride: Int, columnStride: Int) {
        (self.buffer, self.offset, self.panelStride) = (buffer, offset, panelStride)
        (self.rowStride, self.columnStride) = (rowStride, columnStride)
    }

    /// An `[M, K]` matrix packed in panels of ``OpenCLDevice/gemmRows`` rows, zero-padded.
    static func packed(_ buffer: DeviceBuffer, k: Int) -> GemmOperandA {
        GemmOperandA(buffer: buffer, panelStride: OpenCLDevice.gemmRows * k, rowStride: 1,
                     columnStride: OpenCLDevice.gemmRows)
    }
}

/// Where the B operand of a GEMM lives: element `(p, j)` at
/// `offset + (j / panel)·panelStride + p·rowStride + (j % panel)·columnStride`, with `panel` =
/// ``OpenCLDevice/gemmPanel`` (see `Kernels/gemm.cl`).
struct GemmOperandB {
    var buffer: DeviceBuffer
    var offset = 0
    var panelStride: Int
    var rowStride: Int
    var columnStride: Int
    /// Whether the buffer holds zeros up to the next multiple of `panel` columns, so whole panels can be loaded.
    var padded = false

    /// A row-major `[K, N]` matrix.
    static func plain(_ buffer: DeviceBuffer, offset: Int = 0, n: Int) -> GemmOperandB {
        GemmOperandB(buffer: buffer, offset: offset, panelStride: OpenCLDevice.gemmPanel, rowStride: n, columnStride: 1)
    }

    /// The transpose of a row-major `[N, K]` matrix.
    static func transposed(_ buffer: DeviceBuffer, k: Int) -> GemmOperandB {
        GemmOperandB(buffer: buffer, panelStride: OpenCLDevice.gemmPanel * k, rowStride: 1, columnStride: k)
    }

    /// A `[K, N]` matrix packed in panels of ``OpenCLDevice/gemmPanel`` columns, zero-padded.
    static func packed(_ buffer: DeviceBuffer, k: Int) -> GemmOperandB {
        GemmOperandB(buffer: buffer, panelStride: OpenCLDevice.gemmPanel * k, rowStride: OpenCLDevice.gemmPanel,
                     columnStride: 1, padded: true)
    }
}

/// Where the GEMM result goes: element `(i, j)` at `offset + i·rowStride + j`.
struct GemmOutput {
    var buffer: DeviceBuffer
    var offset = 0
    var rowStride: Int
}

extension OpenCLDevice: GemmOps {
    /// Columns per panel of packed B operands (`PANEL` in `Kernels/gemm.cl`).
    static let gemmPanel = 32
    /// Rows of A's packed panels (`MR` in `Kernels/gemm.cl`).
    static let gemmRows = 8

    public func gemm(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool, alpha: Float, beta: Float,
                     into c: Tensor, dimensions: GemmDimensions) throws {
        try gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: c,
                 dimensions: dimensions, tile: nil)
    }

    /// The hook of ``gemm(_:transposeA:_:transposeB:alpha:beta:into:)`` with the CPU kernel's register tile `tile`
    /// (the tuner's candidates), or the tuned or default one when nil.
    func gemm(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool, alpha: Float, beta: Float,
              into c: Tensor, dimensions: GemmDimensions, tile: KernelParameters?) throws {
        let (m, k, n) = dimensions
        var left = GemmOperandA(buffer: a.buffer, rowStride: transposeA ? 1 : k, columnStride: transposeA ? m : 1)
        var right = transposeB ? GemmOperandB.transposed(b.buffer, k: k) : GemmOperandB.plain(b.buffer, n: n)
        if variant == .cpu && m >= 256 && n >= 256 {
            // The CPU kernel streams one A panel and one B panel per tile; packed, both are contiguous and free of
            // the cache-set conflicts of row strides that are multiples of 4 KiB (1024³: 46 → 97 GFLOP/s on PoCL).
            // Packing copies B once per M rows of work and A once per N columns, so smaller products skip it (at
            // M = 64 it cost 15–20%). A transposed B is always packed: the kernel loads 32 consecutive columns.
            // The in-order queue keeps the temporaries alive for the GEMM even after they return to the pool.
            left = .packed(try packGemmRows(left, m: m, k: k).buffer, k: k)
            right = .packed(try packGemmPanels(right, k: k, n: n).buffer, k: k)
        } else if variant == .cpu && transposeB {
            right = .packed(try packGemmPanels(right, k: k, n: n).buffer, k: k)
        }
        try enqueueGemm(m: m, n: n, k: k, alpha: alpha, a: left, b: right, beta: beta,
                        c: GemmOutput(buffer: c.buffer, rowStride: n), tile: tile)
    }

    /// Seconds of one product of the tuning problem with `tile`: [256, 512] · [512, 256], unpacked (the size of
    /// ResNet's linear layers and of the convolution gradients' chunks).
    func timeGemm(_ tile: KernelParameters) throws -> Double {
        let a = try Tensor(tuningValues(256 * 512, seed: 4), shape: [256, 512], on: self)
        let b = try Tensor(tuningValues(512 * 256, seed: 5), shape: [512, 256], on: self)
        let c = try Tensor(uninitialized: [256, 256], on: self)
        try synchronize()
        let start = ContinuousClock.now
        try gemm(a, transposeA: false, b, transposeB: false, alpha: 1, beta: 0, into: c, dimensions: (256, 512, 256),
                 tile: tile)
        try synchronize()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Copies B into zero-padded panels (`[ceil(N/32), K, 32]`).
    func packGemmPanels(_ b: GemmOperandB, k: Int, n: Int) throws -> Tensor {
        let panel = OpenCLDevice.gemmPanel
        let panels = try Tensor(uninitialized: [(n + panel - 1) / panel, k, panel], on: self)
        try launch(Self.kernels.gemmPackPanels, global: [(n + panel - 1) / panel, (k + 63) / 64], local: [1, 1],
                   [.int(k), .int(n), .buffer(b.buffer), .int(b.offset), .int(b.panelStride), .int(b.rowStride),
                    .int(b.columnStride), .tensor(panels)])
        return panels
    }

    /// Copies A into zero-padded panels of ``gemmRows`` rows (`[ceil(M/8), K, 8]`).
    func packGemmRows(_ a: GemmOperandA, m: Int, k: Int) throws -> Tensor {
        let rows = Self.gemmRows
        let panels = try Tensor(uninitialized: [(m + rows - 1) / rows, k, rows], on: self)
        try launch(Self.kernels.gemmPackRows, global: [(m + rows - 1) / rows, (k + 63) / 64], local: [1, 1],
                   [.int(m), .int(k), .buffer(a.buffer), .int(a.offset), .int(a.panelStride), .int(a.rowStride),
                    .int(a.columnStride), .tensor(panels)])
        return panels
    }

    /// Enqueues `c ← α·A·B + β·c` with the kernel shape of ``variant`` (and the CPU kernel's register `tile`, or
    /// the tuned or default one when nil).
    func enqueueGemm(m: Int, n: Int, k: Int, alpha: Float, a: GemmOperandA, b: GemmOperandB, beta: Float,
                     c: GemmOutput, tile: KernelParameters? = nil) throws {
        guard m > 0, n > 0 else { return }
        let arguments: [KernelArgument] = [
            .int(m), .int(n), .int(k), .float(alpha),
            .buffer(a.buffer), .int(a.offset), .int(a.panelStride), .int(a.rowStride), .int(a.columnStride),
            .buffer(b.buffer), .int(b.offset), .int(b.panelStride), .int(b.rowStride), .int(b.columnStride),
            .int(b.padded ? 1 : 0),
            .float(beta), .buffer(c.buffer), .int(c.offset), .int(c.rowStride),
        ]
        switch variant {
        case .cpu:
            let tile = try tile ?? parameters(for: .gemmCPU, .every)
            let (rows, columns) = (tile["GEMM_ROWS"], tile["GEMM_COLUMNS"])
            // One work-item per group: groups of 1, 4 and 16 row tiles measured the same on PoCL.
            try launch(Self.kernels.gemmCPU.variant(tile), global: [(m + rows - 1) / rows, (n + columns - 1) / columns],
                       local: [1, 1], arguments)
        case .gpu:
            try launch(Self.kernels.gemmGPU, global: [(n + 63) / 64 * 16, (m + 63) / 64 * 16], local: [16, 16], arguments)
        }
    }
}
