extension ReferenceDevice: ConvOps {
    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, shape s: Conv2DShape, into y: Tensor) throws {
        let input = x.host(Float.self), w = weight.host(Float.self), out = y.host(Float.self)
        let b = bias?.host(Float.self)
        for n in 0..<s.batch {
            for o in 0..<s.outChannels {
                for i in 0..<s.outHeight {
                    for j in 0..<s.outWidth {
                        var sum: Float = 0
                        for c in 0..<s.inChannels {
                            for u in 0..<s.kernelHeight {
                                let h = i * s.strideHeight - s.paddingHeight + u
                                guard h >= 0, h < s.height else { continue }
                                for v in 0..<s.kernelWidth {
                                    let col = j * s.strideWidth - s.paddingWidth + v
                                    guard col >= 0, col < s.width else { continue }
                                    sum += w[((o * s.inChannels + c) * s.kernelHeight + u) * s.kernelWidth + v]
                                        * input[((n * s.inChannels + c) * s.height + h) * s.width + col]
                                }
                            }
                        }
                        out[((n * s.outChannels + o) * s.outHeight + i) * s.outWidth + j] = sum + (b?[o] ?? 0)
                    }
                }
            }
        }
    }

    public func conv2dBackwardData(outputGradient: Tensor, weight: Tensor, shape s: Conv2DShape,
                                   into dx: Tensor) throws {
        let dy = outputGradient.host(Float.self), w = weight.host(Float.self), out = dx.host(Float.self)
        out.update(repeating: 0, count: dx.count)
        // The adjoint of the forward loop: every product of the forward pass sends its gradient back to its input.
        for n in 0..<s.batch {
            for o in 0..<s.outChannels {
                for i in 0..<s.outHeight {
                    for j in 0..<s.outWidth {
                        let g = dy[((n * s.outChannels + o) * s.outHeight + i) * s.outWidth + j]
                        for c in 0..<s.inChannels {
                            for u in 0..<s.kernelHeight {
                                let h = i * s.strideHeight - s.paddingHeight + u
                                guard h >= 0, h < s.height else { continue }
                                for v in 0..<s.kernelWidth {
                                    let col = j * s.strideWidth - s.paddingWidth + v
                                    guard col >= 0, col < s.width else { continue }
                                    out[((n * s.inChannels + c) * s.height + h) * s.width + col] +=
                                        w[((o * s.inChannels + c) * s.kernelHeight + u) * s.kernelWidth + v] * g
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func conv2dBackwardFilter(outputGradient: Tensor, input: Tensor, shape s: Conv2DShape,
                                     into dw: Tensor, biasGradient db: Tensor?) throws {
        let dy = outputGradient.host(Float.self), x = input.host(Float.self), out = dw.host(Float.self)
        for o in 0..<s.outChannels {
            for c in 0..<s.inChannels {
                for u in 0..<s.kernelHeight {
                    for v in 0..<s.kernelWidth {
                        var sum: Float = 0
                        for n in 0..<s.batch {
                            for i in 0..<s.outHeight {
                                let h = i * s.strideHeight - s.paddingHeight + u
                                guard h >= 0, h < s.height else { continue }
                                for j in 0..<s.outWidth {
                                    let col = j * s.strideWidth - s.paddingWidth + v
                                    guard col >= 0, col < s.width else { continue }
                                    sum += dy[((n * s.outChannels + o) * s.outHeight + i) * s.outWidth + j]
                                        * x[((n * s.inChannels + c) * s.height + h) * s.width + col]
                                }
                            }
                        }
                        out[((o * s.inChannels + c) * s.kernelHeight + u) * s.kernelWidth + v] = sum
                    }
                }
            }
        }
        guard let db else { return }
        let biasOut = db.host(Float.self)
        for o in 0..<s.outChannels {
            var sum: Float = 0
            for n in 0..<s.batch {
                for p in 0..<s.outputPlane { sum += dy[(n * s.outChannels + o) * s.outputPlane + p] }
            }
            biasOut[o] = sum
        }
    }
}
