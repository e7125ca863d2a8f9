extension ReferenceDevice: BatchNormOps {
    public func batchNormForward(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                 runningVariance: Tensor, momentum: Float, epsilon: Float,
                                 geometry: BatchNormGeometry, into output: Tensor, mean: Tensor,
                                 inverseStd: Tensor) throws {
        let (n, c, plane) = geometry
        let source = SendablePointer(x.host(Float.self))
        let meanOut = SendablePointer(mean.host(Float.self)), inverseOut = SendablePointer(inverseStd.host(Float.self))
        let runMean = SendablePointer(runningMean.host(Float.self))
        let runVariance = SendablePointer(runningVariance.host(Float.self))
        let count = Double(n * plane)
        forEach(c) { channel in
            let planes = ChannelPlanes(base: source.base, channel: channel, channels: c, planeCount: n, plane: plane)
            let (mu, squares) = planes.twoPassMoments()
            meanOut[channel] = Float(mu)
            inverseOut[channel] = Float(1 / (squares / count + Double(epsilon)).squareRoot())
            runMean[channel] = (1 - momentum) * runMean[channel] + momentum * Float(mu)
            runVariance[channel] = (1 - momentum) * runVariance[channel] + momentum * Float(squares / (count - 1))
        }
        normalize(x, n: n, c: c, plane: plane, mean: mean, inverseStd: inverseStd, gamma: gamma, beta: beta,
                  into: output)
    }

    public func batchNormInference(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor,
                                   runningVariance: Tensor, epsilon: Float, geometry: BatchNormGeometry,
                                   into output: Tensor) throws {
        let (n, c, plane) = geometry
        let source = SendablePointer(x.host(Float.self)), out = SendablePointer(output.host(Float.self))
        let mu = SendablePointer(runningMean.host(Float.self))
        let variance = SendablePointer(runningVariance.host(Float.self))
        let g = SendablePointer(gamma.host(Float.self)), b = SendablePointer(beta.host(Float.self))
        forEach(n * c) { item in
            let channel = item % c, offset = item * plane
            let inverse = 1 / (variance[channel] + epsilon).squareRoot()
            for i in offset..<(offset + plane) {
                out[i] = (source[i] - mu[channel]) * inverse * g[channel] + b[channel]
            }
        }
    }

    public func batchNormBackward(outputGradient: Tensor, input: Tensor, gamma: Tensor, mean: Tensor,
                                  inverseStd: Tensor, geometry: BatchNormGeometry, into inputGradient: Tensor,
                                  gammaGradient: Tensor, betaGradient: Tensor) throws {
        let (n, c, plane) = geometry
        let x = SendablePointer(input.host(Float.self)), dy = SendablePointer(outputGradient.host(Float.self))
        let mu = SendablePointer(mean.host(Float.self)), inverse = SendablePointer(inverseStd.host(Float.self))
        let g = SendablePointer(gamma.host(Float.self))
        let dGamma = SendablePointer(gammaGradient.host(Float.self))
        let dBeta = SendablePointer(betaGradient.host(Float.self))
        let dx = SendablePointer(inputGradient.host(Float.self))
        let count = Float(n * plane)
        forEach(c) { channel in
            let xs = ChannelPlanes(base: x.base, channel: channel, channels: c, planeCount: n, plane: plane)
            let dys = ChannelPlanes(base: dy.base, channel: channel, channels: c, planeCount: n, plane: plane)
            let (sumDy, sumDyCentered) = dys.gradientSums(centered: xs, mean: mu[channel])
            let betaGrad = Float(sumDy), gammaGrad = Float(sumDyCentered) * inverse[channel]
            dBeta[channel] = betaGrad
            dGamma[channel] = gammaGrad
            let scale = g[channel] * inverse[channel]
            for image in 0..<n {
                let offset = (image * c + channel) * plane
                for i in offset..<(offset + plane) {
                    let normalized = (x[i] - mu[channel]) * inverse[channel]
                    dx[i] = scale * (dy[i] - betaGrad / count - normalized * (gammaGrad / count))
                }
            }
        }
    }

    /// `y = (x − mean)·inverseStd·γ + β` per channel, one plane per iteration.
    private func normalize(_ x: Tensor, n: Int, c: Int, plane: Int, mean: Tensor, inverseStd: Tensor, gamma: Tensor,
                           beta: Tensor, into output: Tensor) {
        let source = SendablePointer(x.host(Float.self)), out = SendablePointer(output.host(Float.self))
        let mu = SendablePointer(mean.host(Float.self)), inverse = SendablePointer(inverseStd.host(Float.self))
        let g = SendablePointer(gamma.host(Float.self)), b = SendablePointer(beta.host(Float.self))
        forEach(n * c) { item in
            let channel = item % c, offset = item * plane
            for i in offset..<(offset + plane) {
                out[i] = (source[i] - mu[channel]) * inverse[channel] * g[channel] + b[channel]
            }
        }
    }
}

/// The `N` planes of one channel of an `[N, C, H·W]` tensor.
private struct ChannelPlanes {
    let base: UnsafeMutablePointer<Float>
    let channel: Int, channels: Int, planeCount: Int, plane: Int

    func start(_ image: Int) -> UnsafeMutablePointer<Float> { base + (image * channels + channel) * plane }

    /// Reference: the mean, then the sum of squared deviations from it, accumulated in float64.
    func twoPassMoments() -> (mean: Double, squares: Double) {
        var total = 0.0
        for image in 0..<planeCount {
            for value in UnsafeBufferPointer(start: start(image), count: plane) { total += Double(value) }
        }
        let mean = total / Double(planeCount * plane)
        var squares = 0.0
        for image in 0..<planeCount {
            for value in UnsafeBufferPointer(start: start(image), count: plane) {
                squares += (Double(value) - mean) * (Double(value) - mean)
            }
        }
        return (mean, squares)
    }

    /// Reference: `Σdy` and `Σdy·(x − mean)` over the channel in float64 (`self` holds `dy`).
    func gradientSums(centered x: ChannelPlanes, mean: Float) -> (Double, Double) {
        var sumDy = 0.0, sumDyCentered = 0.0
        for image in 0..<planeCount {
            let dy = start(image), xs = x.start(image)
            for i in 0..<plane {
                sumDy += Double(dy[i])
                sumDyCentered += Double(dy[i]) * (Double(xs[i]) - Double(mean))
            }
        }
        return (sumDy, sumDyCentered)
    }
}
