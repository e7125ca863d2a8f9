/// The fast host convolutions: im2col (Chellapilla, Puri & Simard, "High performance convolutional neural
/// networks for document processing", 2006) written straight into the packed panels of ``HostGemm``, over chunks of
/// images so the column matrix stays in cache.
///
/// - forward: `y[:, chunk] = W [O, C·KH·KW] · col [C·KH·KW, images·OH·OW]`, stored directly in NCHW, bias fused;
/// - input gradient: `dcol = Wᵀ · dy [O, images·OH·OW]`, then col2im adds each column back onto its pixels;
/// - filter gradient: `dW += dy [O, images·OH·OW] · colᵀ`, accumulated over the chunks.
extension CPUDevice: ConvOps {
    /// Floats of one chunk's column matrix; 2 Mi floats (8 MiB) keeps it in the L3 cache.
    static let columnBudget = 1 << 21

    /// Images per chunk when one image's column matrix has `perImage` floats.
    private func chunkImages(_ s: Conv2DShape, perImage: Int) -> Int {
        max(1, min(s.batch, CPUDevice.columnBudget / max(perImage, 1)))
    }

    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, shape s: Conv2DShape, into y: Tensor) throws {
        let depth = s.patchSize, plane = s.outputPlane, out = s.outChannels
        let images = chunkImages(s, perImage: depth * plane)
        withHostScratch(HostGemm.packedCount(out, depth: depth, width: HostGemm.mr)) { packedW in
            HostGemm.packRows(weight.host(Float.self), rowStride: depth, columnStride: 1, m: out, k: depth,
                              into: packedW, device: self)
            withHostScratch(HostGemm.packedCount(images * plane, depth: depth, width: HostGemm.nr)) { columns in
                for first in stride(from: 0, to: s.batch, by: images) {
                    let count = min(images, s.batch - first)
                    packColumnPanels(s, x.host(Float.self), firstImage: first, images: count, into: columns)
                    HostGemm.multiply(m: out, n: count * plane, k: depth, alpha: 1, a: packedW, b: columns, beta: 0,
                                      c: HostOutput(base: y.host(Float.self) + first * out * plane, rowStride: plane,
                                                    block: plane, blockStride: out * plane),
                                      rowBias: bias.map { UnsafePointer($0.host(Float.self)) }, device: self)
                }
            }
        }
    }

    public func conv2dBackwardData(outputGradient dy: Tensor, weight: Tensor, shape s: Conv2DShape,
                                   into dx: Tensor) throws {
        let depth = s.patchSize, plane = s.outputPlane, out = s.outChannels
        // dy seen as the input of a 1×1 convolution: its column matrix is dy [O, images·OH·OW].
        let gradient = try Conv2DShape(batch: s.batch, inChannels: out, height: s.outHeight, width: s.outWidth,
                                       outChannels: 1, kernelHeight: 1, kernelWidth: 1, options: Conv2DOptions(),
                                       op: "conv2dBackwardData")
        let images = chunkImages(s, perImage: depth * plane)
        withHostScratch(HostGemm.packedCount(depth, depth: out, width: HostGemm.mr)) { packedW in
            // Wᵀ: element (patch row r, channel o) at o·C·KH·KW + r.
            HostGemm.packRows(weight.host(Float.self), rowStride: 1, columnStride: depth, m: depth, k: out,
                              into: packedW, device: self)
            withHostScratch(HostGemm.packedCount(images * plane, depth: out, width: HostGemm.nr)) { packedDy in
                withHostScratch(depth * images * plane) { columns in
                    for first in stride(from: 0, to: s.batch, by: images) {
                        let count = min(images, s.batch - first), width = count * plane
                        packColumnPanels(gradient, dy.host(Float.self), firstImage: first, images: count,
                                             into: packedDy)
                        HostGemm.multiply(m: depth, n: width, k: out, alpha: 1, a: packedW, b: packedDy, beta: 0,
                                          c: .matrix(columns, rowStride: width), rowBias: nil, device: self)
                        addColumnsToImages(s, columns, firstImage: first, images: count, into: dx.host(Float.self))
                    }
                }
            }
        }
    }

    public func conv2dBackwardFilter(outputGradient dy: Tensor, input x: Tensor, shape s: Conv2DShape,
                                     into dw: Tensor, biasGradient db: Tensor?) throws {
        let depth = s.patchSize, plane = s.outputPlane, out = s.outChannels
        let images = chunkImages(s, perImage: depth * plane)
        withHostScratch(HostGemm.packedCount(out, depth: images * plane, width: HostGemm.mr)) { packedDy in
            withHostScratch(HostGemm.packedCount(depth, depth: images * plane, width: HostGemm.nr)) { columns in
                for first in stride(from: 0, to: s.batch, by: images) {
                    let count = min(images, s.batch - first), width = count * plane
                    packGradientRows(s, dy.host(Float.self), firstImage: first, images: count, into: packedDy)
                    packRowPanels(s, x.host(Float.self), firstImage: first, images: count, into: columns)
                    HostGemm.multiply(m: out, n: depth, k: width, alpha: 1, a: packedDy, b: columns,
                                      beta: first == 0 ? 0 : 1, c: .matrix(dw.host(Float.self), rowStride: depth),
                                      rowBias: nil, device: self)
                }
            }
        }
        guard let db else { return }
        let gradient = UnsafeSendable(UnsafePointer(dy.host(Float.self))), sums = SendablePointer(db.host(Float.self))
        forEach(out) { o in
            var total: Float = 0
            for n in 0..<s.batch {
                let row = gradient.pointer + (n * out + o) * plane
                for p in 0..<plane { total += row[p] }
            }
            sums[o] = total
        }
    }

    /// Packs the column matrix of `images` images from `firstImage` (rows `(c, u, v)`, columns `(image, i, j)`)
    /// into ``HostGemm/nr``-column panels.
    private func packColumnPanels(_ s: Conv2DShape, _ x: UnsafeMutablePointer<Float>, firstImage: Int, images: Int,
                                  into packed: UnsafeMutablePointer<Float>) {
        let nr = HostGemm.nr, depth = s.patchSize, plane = s.outputPlane, columns = images * plane
        let source = UnsafeSendable(UnsafePointer(x)), target = SendablePointer(packed)
        forEach((columns + nr - 1) / nr) { panel in
            let out = target.base + panel * depth * nr
            let j0 = panel * nr, width = min(nr, columns - j0)
            withUnsafeTemporaryAllocation(of: (Int, Int, Int).self, capacity: nr) { origin in
                // (image offset, top row, left column) of each column's receptive field.
                for jj in 0..<width {
                    let j = j0 + jj, n = firstImage + j / plane, p = j % plane
                    origin[jj] = (n * s.inChannels * s.inputPlane, (p / s.outWidth) * s.strideHeight - s.paddingHeight,
                                  (p % s.outWidth) * s.strideWidth - s.paddingWidth)
                }
                // All nr columns in one output row with stride 1 read nr consecutive input pixels.
                let oneRow = width == nr && s.strideWidth == 1 && origin[0].0 == origin[nr - 1].0
                    && origin[0].1 == origin[nr - 1].1
                for c in 0..<s.inChannels {
                    for u in 0..<s.kernelHeight {
                        for v in 0..<s.kernelWidth {
                            let row = out + ((c * s.kernelHeight + u) * s.kernelWidth + v) * nr
                            if oneRow {
                                let h = origin[0].1 + u, w = origin[0].2 + v
                                if h >= 0, h < s.height, w >= 0, w + nr <= s.width {
                                    let pixels = source.pointer + origin[0].0 + (c * s.height + h) * s.width + w
                                    row.update(from: pixels, count: nr)
                                    continue
                                }
                            }
                            for jj in 0..<width {
                                let h = origin[jj].1 + u, w = origin[jj].2 + v
                                row[jj] = h >= 0 && h < s.height && w >= 0 && w < s.width
                                    ? source.pointer[origin[jj].0 + (c * s.height + h) * s.width + w] : 0
                            }
                            for jj in width..<nr { row[jj] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// Packs the transposed column matrix (rows `(image, i, j)`, columns `(c, u, v)`) into ``HostGemm/nr``-column
    /// panels: the B operand of the filter gradient.
    private func packRowPanels(_ s: Conv2DShape, _ x: UnsafeMutablePointer<Float>, firstImage: Int, images: Int,
                               into packed: UnsafeMutablePointer<Float>) {
        let nr = HostGemm.nr, depth = s.patchSize, plane = s.outputPlane, rows = images * plane
        let source = UnsafeSendable(UnsafePointer(x)), target = SendablePointer(packed)
        forEach((depth + nr - 1) / nr) { panel in
            let out = target.base + panel * rows * nr
            let r0 = panel * nr, width = min(nr, depth - r0)
            withUnsafeTemporaryAllocation(of: (Int, Int, Int).self, capacity: nr) { tap in
                // (channel offset, u, v) of each patch row in the panel.
                for rr in 0..<width {
                    let r = r0 + rr, kernel = s.kernelHeight * s.kernelWidth
                    tap[rr] = ((r / kernel) * s.inputPlane, (r % kernel) / s.kernelWidth, r % s.kernelWidth)
                }
                for q in 0..<rows {
                    let n = firstImage + q / plane, p = q % plane
                    let image = source.pointer + n * s.inChannels * s.inputPlane
                    let top = (p / s.outWidth) * s.strideHeight - s.paddingHeight
                    let left = (p % s.outWidth) * s.strideWidth - s.paddingWidth
                    let row = out + q * nr
                    for rr in 0..<width {
                        let h = top + tap[rr].1, w = left + tap[rr].2
                        row[rr] = h >= 0 && h < s.height && w >= 0 && w < s.width
                            ? image[tap[rr].0 + h * s.width + w] : 0
                    }
                    for rr in width..<nr { row[rr] = 0 }
                }
            }
        }
    }

    /// Packs `dy` of a chunk as the matrix `[O, images·OH·OW]` in ``HostGemm/mr``-row panels.
    private func packGradientRows(_ s: Conv2DShape, _ dy: UnsafeMutablePointer<Float>, firstImage: Int,
                                  images: Int, into packed: UnsafeMutablePointer<Float>) {
        let mr = HostGemm.mr, plane = s.outputPlane, out = s.outChannels, depth = images * plane
        let source = UnsafeSendable(UnsafePointer(dy)), target = SendablePointer(packed)
        forEach((out + mr - 1) / mr) { panel in
            let packedPanel = target.base + panel * depth * mr
            for r in 0..<mr {
                let o = panel * mr + r
                for n in 0..<images {
                    let row = source.pointer + ((firstImage + n) * out + min(o, out - 1)) * plane
                    let slot = packedPanel + n * plane * mr + r
                    for p in 0..<plane { slot[p * mr] = o < out ? row[p] : 0 }
                }
            }
        }
    }

    /// col2im: adds every element of the column-gradient matrix `[C·KH·KW, images·OH·OW]` onto the input pixel it
    /// was read from, overwriting the chunk's planes of `dx`.
    private func addColumnsToImages(_ s: Conv2DShape, _ columns: UnsafeMutablePointer<Float>, firstImage: Int,
                                    images: Int, into dx: UnsafeMutablePointer<Float>) {
        let plane = s.outputPlane, width = images * plane
        let source = UnsafeSendable(UnsafePointer(columns)), target = SendablePointer(dx)
        forEach(images * s.inChannels) { item in
            let n = item / s.inChannels, c = item % s.inChannels
            let pixels = target.base + ((firstImage + n) * s.inChannels + c) * s.inputPlane
            pixels.update(repeating: 0, count: s.inputPlane)
            for u in 0..<s.kernelHeight {
                for v in 0..<s.kernelWidth {
                    let row = source.pointer + ((c * s.kernelHeight + u) * s.kernelWidth + v) * width + n * plane
                    for i in 0..<s.outHeight {
                        let h = i * s.strideHeight - s.paddingHeight + u
                        guard h >= 0, h < s.height else { continue }
                        for j in 0..<s.outWidth {
                            let w = j * s.strideWidth - s.paddingWidth + v
                            if w >= 0, w < s.width { pixels[h * s.width + w] += row[i * s.outWidth + j] }
                        }
                    }
                }
            }
        }
    }
}
