extension ReferenceDevice: PoolOps {
    public func maxPool2d(_ x: Tensor, window: PoolWindow, geometry: PoolGeometry, into output: Tensor, indices: Tensor)
        throws {
        let d = geometry
        let source = SendablePointer(x.host(Float.self)), out = SendablePointer(output.host(Float.self))
        let argmax = SendablePointer(indices.host(Int32.self))
        forEach(d.n * d.c) { p in
            let input = source.base + p * d.h * d.w
            for i in 0..<d.oh {
                let rows = window.rows(of: i, height: d.h)
                for j in 0..<d.ow {
                    let columns = window.columns(of: j, width: d.w)
                    // PyTorch's rule: start at the window's first position, then a greater value or any NaN
                    // takes over, so ties keep the first maximum.
                    var bestIndex = rows.lowerBound * d.w + columns.lowerBound
                    var best = input[bestIndex]
                    for h in rows {
                        for w in columns where input[h * d.w + w] > best || input[h * d.w + w].isNaN {
                            best = input[h * d.w + w]
                            bestIndex = h * d.w + w
                        }
                    }
                    let o = (p * d.oh + i) * d.ow + j
                    out[o] = best
                    argmax[o] = Int32(bestIndex)
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
