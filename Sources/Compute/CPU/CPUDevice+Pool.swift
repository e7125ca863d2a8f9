extension CPUDevice: PoolOps {
    public func maxPool2d(_ x: Tensor, window: PoolWindow, geometry: PoolGeometry, into output: Tensor, indices: Tensor)
        throws {
        let d = geometry
        let source = SendablePointer(x.host(Float.self)), out = SendablePointer(output.host(Float.self))
        let argmax = SendablePointer(indices.host(Int32.self))
        forEach(d.n * d.c) { p in
            Self.maxPoolPlane(source.base + p * d.h * d.w, height: d.h, width: d.w, window: window,
                              outputHeight: d.oh, outputWidth: d.ow, output: out.base + p * d.oh * d.ow,
                              indices: argmax.base + p * d.oh * d.ow)
        }
    }

    /// ``maxPool2d(_:window:)`` for one plane, as `max_pool2d_forward_cpu` does it: each output row
    /// starts at −∞ with the index of its window's first position, then the taps are visited window row by window
    /// row and column by column (row-major per output, so PyTorch's tie and NaN rule holds) with the output column
    /// innermost.
    private static func maxPoolPlane(_ input: UnsafeMutablePointer<Float>, height: Int, width: Int,
                                     window: PoolWindow, outputHeight: Int, outputWidth: Int,
                                     output: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>) {
        let (sw, pw) = (window.strideWidth, window.paddingWidth)
        for i in 0..<outputHeight {
            let rows = window.rows(of: i, height: height)
            let best = output + i * outputWidth, bestIndex = indices + i * outputWidth
            for j in 0..<outputWidth {
                best[j] = -.infinity
                bestIndex[j] = Int32(rows.lowerBound * width + window.columns(of: j, width: width).lowerBound)
            }
            for h in rows {
                let row = input + h * width
                for dw in 0..<window.kernelWidth {
                    // Outputs whose tap dw falls inside the row: 0 ≤ j·sw − pw + dw < width.
                    let first = pw - dw <= 0 ? 0 : (pw - dw + sw - 1) / sw
                    let last = width - 1 + pw - dw
                    let end = last < 0 ? 0 : min(outputWidth, last / sw + 1)
                    for j in first..<max(first, end) {
                        let w = j * sw - pw + dw
                        if row[w] > best[j] || row[w].isNaN {
                            best[j] = row[w]
                            bestIndex[j] = Int32(h * width + w)
                        }
                    }
                }
            }
        }
    }

    public func maxPool2dBackward(outputGradient: Tensor, indices: Tensor, window: PoolWindow, geometry: PoolGeometry,
                                  into inputGradient: Tensor) throws {
        let d = geometry
        let dy = SendablePointer(outputGradient.host(Float.self)), argmax = SendablePointer(indices.host(Int32.self))
        let dx = SendablePointer(inputGradient.host(Float.self))
        let plane = d.h * d.w, outputPlane = d.oh * d.ow
        forEach(d.n * d.c) { p in
            let target = dx.base + p * plane
            target.update(repeating: 0, count: plane)
            for o in 0..<outputPlane {
                let index = Int(argmax[p * outputPlane + o])
                // Indices come from maxPool2d; one outside the plane cannot be routed and is dropped.
                if index >= 0, index < plane { target[index] += dy[p * outputPlane + o] }
            }
        }
    }

    public func avgPool2d(_ x: Tensor, window: PoolWindow, geometry: PoolGeometry, into output: Tensor) throws {
        let d = geometry
        let source = SendablePointer(x.host(Float.self)), out = SendablePointer(output.host(Float.self))
        let divisor = Float(window.kernelHeight * window.kernelWidth)
        forEach(d.n * d.c) { p in
            let input = source.base + p * d.h * d.w
            for i in 0..<d.oh {
                let rows = window.rows(of: i, height: d.h)
                for j in 0..<d.ow {
                    var total: Float = 0
                    for h in rows {
                        for w in window.columns(of: j, width: d.w) { total += input[h * d.w + w] }
                    }
                    out[(p * d.oh + i) * d.ow + j] = total / divisor
                }
            }
        }
    }

    public func avgPool2dBackward(outputGradient: Tensor, window: PoolWindow, geometry: PoolGeometry,
                                  into inputGradient: Tensor) throws {
        let d = geometry
        let dy = SendablePointer(outputGradient.host(Float.self)), dx = SendablePointer(inputGradient.host(Float.self))
        let divisor = Float(window.kernelHeight * window.kernelWidth)
        forEach(d.n * d.c) { p in
            let target = dx.base + p * d.h * d.w
            target.update(repeating: 0, count: d.h * d.w)
            for i in 0..<d.oh {
                let rows = window.rows(of: i, height: d.h)
                for j in 0..<d.ow {
                    let share = dy[(p * d.oh + i) * d.ow + j] / divisor
                    for h in rows {
                        for w in window.columns(of: j, width: d.w) { target[h * d.w + w] += share }
                    }
                }
            }
        }
    }

    public func adaptiveAvgPool2d(_ x: Tensor, geometry: PoolGeometry, into output: Tensor) throws {
        let (n, c, h, w, outputHeight, outputWidth) = geometry
        let source = SendablePointer(x.host(Float.self)), out = SendablePointer(output.host(Float.self))
        forEach(n * c) { p in
            let input = source.base + p * h * w
            for i in 0..<outputHeight {
                let rows = AdaptivePooling.start(i, outputHeight, h)..<AdaptivePooling.end(i, outputHeight, h)
                for j in 0..<outputWidth {
                    let columns = AdaptivePooling.start(j, outputWidth, w)..<AdaptivePooling.end(j, outputWidth, w)
                    var total: Float = 0
                    for r in rows {
                        for s in columns { total += input[r * w + s] }
                    }
                    out[(p * outputHeight + i) * outputWidth + j] = total / Float(rows.count * columns.count)
                }
            }
        }
    }

    public func adaptiveAvgPool2dBackward(outputGradient: Tensor, geometry: PoolGeometry,
                                          into inputGradient: Tensor) throws {
        let (n, c, h, w, oh, ow) = geometry
        let dy = SendablePointer(outputGradient.host(Float.self)), dx = SendablePointer(inputGradient.host(Float.self))
        forEach(n * c) { p in
            let target = dx.base + p * h * w
            target.update(repeating: 0, count: h * w)
            for i in 0..<oh {
                let rows = AdaptivePooling.start(i, oh, h)..<AdaptivePooling.end(i, oh, h)
                for j in 0..<ow {
                    let columns = AdaptivePooling.start(j, ow, w)..<AdaptivePooling.end(j, ow, w)
                    let share = dy[(p * oh + i) * ow + j] / Float(rows.count * columns.count)
                    for r in rows {
                        for s in columns { target[r * w + s] += share }
                    }
                }
            }
        }
    }
}
