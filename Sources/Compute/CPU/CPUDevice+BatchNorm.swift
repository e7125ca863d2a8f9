extension CPUDevice: BatchNormOps {
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
            let (mu, squares) = planes.chunkedMoments()
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
            let (sumDy, sumDyCentered) = dys.chunkedGradientSums(centered: xs, mean: mu[channel])
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

    /// Contiguous chunks of at most this many values are summed in registers before merging (they stay in L1).
    static let chunk = 1024

    func start(_ image: Int) -> UnsafeMutablePointer<Float> { base + (image * channels + channel) * plane }

    /// Each chunk's two-pass mean and squared deviations in float SIMD lanes, merged across chunks with
    /// the pairwise update of Chan, Golub & LeVeque (1979) in float64.
    func chunkedMoments() -> (mean: Double, squares: Double) {
        var count = 0.0, mean = 0.0, squares = 0.0
        for image in 0..<planeCount {
            var offset = 0
            while offset < plane {
                let length = min(Self.chunk, plane - offset)
                let values = UnsafePointer(start(image) + offset)
                let chunkMean = SIMDSums.sum(values, length) / Float(length)
                let chunkSquares = SIMDSums.squaredDeviations(values, length, from: chunkMean)
                let merged = count + Double(length)
                let delta = Double(chunkMean) - mean
                mean += delta * Double(length) / merged
                squares += Double(chunkSquares) + delta * delta * count * Double(length) / merged
                count = merged
                offset += length
            }
        }
        return (mean, squares)
    }

    /// `Σdy` and `Σdy·(x − mean)` per chunk in float SIMD lanes, chunks accumulated in float64.
    func chunkedGradientSums(centered x: ChannelPlanes, mean: Float) -> (Double, Double) {
        var sumDy = 0.0, sumDyCentered = 0.0
        for image in 0..<planeCount {
            var offset = 0
            while offset < plane {
                let length = min(Self.chunk, plane - offset)
                let dy = UnsafePointer(start(image) + offset), xs = UnsafePointer(x.start(image) + offset)
                sumDy += Double(SIMDSums.sum(dy, length))
                sumDyCentered += Double(SIMDSums.productSum(dy, xs, length, centeredAt: mean))
                offset += length
            }
        }
        return (sumDy, sumDyCentered)
    }
}

/// Float sums in 16 SIMD lanes (one partial sum per lane, added together at the end). Planes need not be aligned,
/// so vectors are loaded unaligned.
private enum SIMDSums {
    typealias Lanes = SIMD16<Float>

    static func load(_ values: UnsafePointer<Float>, _ i: Int) -> Lanes {
        UnsafeRawPointer(values + i).loadUnaligned(as: Lanes.self)
    }

    static func sum(_ values: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = Lanes(), i = 0
        while i + 16 <= count { lanes += load(values, i); i += 16 }
        var total = lanes.sum()
        while i < count { total += values[i]; i += 1 }
        return total
    }

    static func squaredDeviations(_ values: UnsafePointer<Float>, _ count: Int, from mean: Float) -> Float {
        var lanes = Lanes(), i = 0
        let center = Lanes(repeating: mean)
        while i + 16 <= count {
            let d = load(values, i) - center
            lanes += d * d
            i += 16
        }
        var total = lanes.sum()
        while i < count { total += (values[i] - mean) * (values[i] - mean); i += 1 }
        return total
    }

    /// `Σ a·(b − center)`.
    static func productSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int,
                           centeredAt center: Float) -> Float {
        var lanes = Lanes(), i = 0
        let c = Lanes(repeating: center)
        while i + 16 <= count { lanes += load(a, i) * (load(b, i) - c); i += 16 }
        var total = lanes.sum()
        while i < count { total += a[i] * (b[i] - center); i += 1 }
        return total
    }
}
