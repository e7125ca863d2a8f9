import CHostGemm

/// The fast host GEMM: operands packed into panels, a 6×32 register-blocked SIMD micro-kernel, cache blocking over
/// K, and tiles of the output spread over threads (the loop structure of Goto & van de Geijn, "Anatomy of
/// high-performance matrix multiplication", ACM TOMS 2008).
///
/// The micro-kernel is C (`Sources/CHostGemm`), compiled once per instruction-set level with target attributes and
/// picked at run time (``CPUDevice/isa``): Swift compiles for baseline x86-64, where `SIMD8<Float>` is two SSE
/// registers and `addingProduct` a libm `fmaf` call per lane. The packed layout is the same at every level.
enum HostGemm {
    /// Rows of A per panel and per micro-kernel tile.
    static let mr = Int(HOST_GEMM_MR)
    /// Columns of B per panel and per micro-kernel tile.
    static let nr = Int(HOST_GEMM_NR)
    /// Depth of one cache block: an A panel slice (6×128 floats) and a B panel slice (128×32) stay in L1.
    static let kc = 128

    /// Floats needed to pack `count` rows (or columns) of depth `depth` in panels of `width`.
    static func packedCount(_ count: Int, depth: Int, width: Int) -> Int {
        (count + width - 1) / width * width * depth
    }

    /// `c ← α·A·B + β·c + bias[i]` for A packed in `mr`-row panels and B in `nr`-column panels (both with depth
    /// `k`, zero-padded). With `β == 0` the old contents of `c` are not read. Output tiles run on `device.forEach`.
    static func multiply(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                         beta: Float, c: HostOutput, rowBias: UnsafePointer<Float>?, device: CPUDevice) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            scaleOutput(m: m, n: n, beta: beta, c: c, rowBias: rowBias)
            return
        }
        let rowPanels = (m + mr - 1) / mr, columnPanels = (n + nr - 1) / nr
        let (rowsPerTile, columnsPerTile) = tileSize(rowPanels: rowPanels, columnPanels: columnPanels,
                                                     tasks: 8 * device.info.computeUnits)
        let rowTiles = (rowPanels + rowsPerTile - 1) / rowsPerTile
        let columnTiles = (columnPanels + columnsPerTile - 1) / columnsPerTile
        let packedA = UnsafeSendable(a), packedB = UnsafeSendable(b), bias = rowBias.map(UnsafeSendable.init)
        let isa = device.isa.rawValue
        device.forEach(rowTiles * columnTiles) { tile in
            let firstRowPanel = (tile / columnTiles) * rowsPerTile
            let firstColumnPanel = (tile % columnTiles) * columnsPerTile
            let lastRowPanel = min(firstRowPanel + rowsPerTile, rowPanels)
            let lastColumnPanel = min(firstColumnPanel + columnsPerTile, columnPanels)
            // Offsets of this tile's output columns, computed once (they may jump between images).
            let firstColumn = firstColumnPanel * nr, columns = min(lastColumnPanel * nr, n) - firstColumn
            withUnsafeTemporaryAllocation(of: Int.self, capacity: columns) { offsets in
                for j in 0..<columns { offsets[j] = c.columnOffset(firstColumn + j) }
                withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { result in
                    var k0 = 0
                    while k0 < k {
                        let depth = min(kc, k - k0)
                        for p in firstColumnPanel..<lastColumnPanel {
                            let bPanel = packedB.pointer + p * k * nr + k0 * nr
                            let j0 = p * nr, width = min(nr, n - j0)
                            for q in firstRowPanel..<lastRowPanel {
                                host_gemm_tile(isa, depth, packedA.pointer + q * k * mr + k0 * mr, bPanel,
                                               result.baseAddress!)
                                let i0 = q * mr, height = min(mr, m - i0)
                                for r in 0..<height {
                                    let row = c.base + (i0 + r) * c.rowStride
                                    let add = k0 == 0 ? (bias?.pointer[i0 + r] ?? 0) : 0
                                    for jj in 0..<width {
                                        let target = row + offsets[j0 - firstColumn + jj]
                                        let value = alpha * result[r * nr + jj]
                                        if k0 > 0 { target.pointee += value }
                                        else if beta == 0 { target.pointee = value + add }
                                        else { target.pointee = value + beta * target.pointee + add }
                                    }
                                }
                            }
                        }
                        k0 += depth
                    }
                }
            }
        }
    }

    /// Panels per output tile: up to 12 row panels × 64 column panels, halved until there are at least `tasks`
    /// tiles so every thread gets several.
    private static func tileSize(rowPanels: Int, columnPanels: Int, tasks: Int) -> (rows: Int, columns: Int) {
        var rows = min(rowPanels, 12), columns = min(columnPanels, 64)
        while ((rowPanels + rows - 1) / rows) * ((columnPanels + columns - 1) / columns) < tasks,
              rows > 1 || columns > 1 {
            if columns >= 2 * rows || rows == 1 { columns = (columns + 1) / 2 } else { rows = (rows + 1) / 2 }
        }
        return (rows, columns)
    }

    /// `c ← β·c + bias[i]`: the product of an empty inner dimension.
    private static func scaleOutput(m: Int, n: Int, beta: Float, c: HostOutput, rowBias: UnsafePointer<Float>?) {
        for i in 0..<m {
            for j in 0..<n {
                let target = c.base + i * c.rowStride + c.columnOffset(j)
                target.pointee = (beta == 0 ? 0 : beta * target.pointee) + (rowBias?[i] ?? 0)
            }
        }
    }

    /// Packs `A` (`[m, k]`, element `(i, p)` at `i·rowStride + p·columnStride`) into `mr`-row panels.
    static func packRows(_ source: UnsafePointer<Float>, rowStride: Int, columnStride: Int, m: Int, k: Int,
                         into packed: UnsafeMutablePointer<Float>, device: CPUDevice) {
        let from = UnsafeSendable(source), to = UnsafeSendable(UnsafePointer(packed))
        device.forEach((m + mr - 1) / mr) { panel in
            let out = UnsafeMutablePointer(mutating: to.pointer) + panel * k * mr
            for r in 0..<mr {
                let i = panel * mr + r
                if i >= m {
                    for p in 0..<k { out[p * mr + r] = 0 }
                    continue
                }
                let row = from.pointer + i * rowStride
                for p in 0..<k { out[p * mr + r] = row[p * columnStride] }
            }
        }
    }

    /// Packs `B` (`[k, n]`, element `(p, j)` at `p·rowStride + j·columnStride`) into `nr`-column panels.
    static func packColumns(_ source: UnsafePointer<Float>, rowStride: Int, columnStride: Int, k: Int, n: Int,
                            into packed: UnsafeMutablePointer<Float>, device: CPUDevice) {
        let from = UnsafeSendable(source), to = UnsafeSendable(UnsafePointer(packed))
        device.forEach((n + nr - 1) / nr) { panel in
            let out = UnsafeMutablePointer(mutating: to.pointer) + panel * k * nr
            let j0 = panel * nr, width = min(nr, n - j0)
            for p in 0..<k {
                let row = from.pointer + p * rowStride + j0 * columnStride
                for jj in 0..<width { out[p * nr + jj] = row[jj * columnStride] }
                for jj in width..<nr { out[p * nr + jj] = 0 }
            }
        }
    }
}

/// Where element `(i, j)` of a product is stored: `base + i·rowStride + (j / block)·blockStride + j % block`.
///
/// A plain row-major matrix has `block ≥ N`; the output of a convolution over a chunk of images, whose columns
/// are `(image, pixel)` pairs, has `block = OH·OW` and `blockStride = O·OH·OW`, so it lands directly in NCHW.
struct HostOutput: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let rowStride: Int
    let block: Int
    let blockStride: Int

    static func matrix(_ base: UnsafeMutablePointer<Float>, rowStride: Int) -> HostOutput {
        HostOutput(base: base, rowStride: rowStride, block: .max, blockStride: 0)
    }

    @inline(__always)
    func columnOffset(_ j: Int) -> Int { (j / block) * blockStride + j % block }
}

/// A read-only pointer that may cross into `concurrentPerform` closures.
struct UnsafeSendable<T>: @unchecked Sendable {
    let pointer: UnsafePointer<T>
    init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}

/// Host scratch memory for packed operands, freed when the scope ends.
func withHostScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    defer { buffer.deallocate() }
    return try body(buffer)
}

extension CPUDevice: GemmOps {
    /// Packs both operands, then multiplies.
    public func gemm(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool, alpha: Float, beta: Float,
                     into c: Tensor, dimensions: GemmDimensions) throws {
        let (m, k, n) = dimensions
        let mr = HostGemm.mr, nr = HostGemm.nr
        withHostScratch(HostGemm.packedCount(m, depth: k, width: mr)) { packedA in
            withHostScratch(HostGemm.packedCount(n, depth: k, width: nr)) { packedB in
                HostGemm.packRows(a.host(Float.self), rowStride: transposeA ? 1 : k, columnStride: transposeA ? m : 1,
                                  m: m, k: k, into: packedA, device: self)
                HostGemm.packColumns(b.host(Float.self), rowStride: transposeB ? 1 : n,
                                     columnStride: transposeB ? k : 1, k: k, n: n, into: packedB, device: self)
                HostGemm.multiply(m: m, n: n, k: k, alpha: alpha, a: packedA, b: packedB, beta: beta,
                                  c: .matrix(c.host(Float.self), rowStride: n), rowBias: nil, device: self)
            }
        }
    }
}
