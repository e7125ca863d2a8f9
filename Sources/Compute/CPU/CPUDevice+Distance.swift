extension CPUDevice: DistanceOps {
    public func nearestNeighbors(queries: Tensor, bank: Tensor, k: Int, chunkRows: Int?, into distances: Tensor,
                                 indices: Tensor) throws {
        let (m, width) = (queries.shape[0], queries.shape[1])
        distances.host(Float.self).update(repeating: .infinity, count: m * k)
        indices.host(Int32.self).update(repeating: -1, count: m * k)
        let query = SendablePointer(queries.host(Float.self))
        let bestDistances = SendablePointer(distances.host(Float.self))
        let bestIndices = SendablePointer(indices.host(Int32.self))
        let chunks = BankChunks(bank: bank, chunkRows: chunkRows ?? max(bank.shape[0], 1))
        try chunks.forEach(on: self) { buffer, rowOffset, range in
            let rows = SendablePointer(UnsafeMutableRawPointer(buffer.handle).assumingMemoryBound(to: Float.self)
                + rowOffset * width)
            forEach(m) { i in
                for r in 0..<range.count {
                    NeighborOrder.insert(Self.vectorSquaredDistance(query.base + i * width, rows.base + r * width, width),
                                         Int32(range.lowerBound + r), distances: bestDistances.base + i * k,
                                         indices: bestIndices.base + i * k, k: k)
                }
            }
        }
    }

    /// `Σ (q_d − b_d)²` in float32 over 16-lane vectors (within the op's `(D + 8)·2⁻²⁴` bound).
    static func vectorSquaredDistance(_ q: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ width: Int) -> Float {
        var lanes = SIMD16<Float>()
        var d = 0
        while d + 16 <= width {
            let difference = UnsafeRawPointer(q + d).loadUnaligned(as: SIMD16<Float>.self)
                - UnsafeRawPointer(b + d).loadUnaligned(as: SIMD16<Float>.self)
            lanes += difference * difference
            d += 16
        }
        var sum = lanes.sum()
        while d < width {
            let difference = q[d] - b[d]
            sum += difference * difference
            d += 1
        }
        return sum
    }

    public func coresetProject(features: Tensor, matrix: Tensor, into projected: Tensor) throws {
        let (n, depth, width) = (features.shape[0], features.shape[1], matrix.shape[1])
        projected.host(Float.self).update(repeating: 0, count: n * width)
        let x = SendablePointer(features.host(Float.self))
        let w = SendablePointer(matrix.host(Float.self))
        let out = SendablePointer(projected.host(Float.self))
        forEach(n) { row in
            let target = out.base + row * width
            for d in 0..<depth {
                let value = x[row * depth + d]
                let weights = w.base + d * width
                for j in 0..<width { target[j] = target[j] + value * weights[j] }
            }
        }
    }

    public func coresetSteps(codes: Tensor, minimumDistances: Tensor, count: Int, into picks: Tensor) throws {
        let (n, width) = (minimumDistances.shape[0], codes.shape[1])
        let points = SendablePointer(codes.host(UInt8.self))
        let minima = SendablePointer(minimumDistances.host(Float.self))
        let spans = min(n, 64)
        let spanLength = ((n + spans - 1) / max(spans, 1) + 15) / 16 * 16
        let partial = SendablePointer(UnsafeMutablePointer<(Float, Int)>.allocate(capacity: max(spans, 1)))
        defer { partial.base.deallocate() }
        var pick = CPUDevice.argmax(minima.base, 0..<n).1
        for step in 0..<count {
            picks.host(Int32.self)[step] = Int32(pick)
            let chosen = pick
            forEach(spans) { span in
                let range = min(n, span * spanLength)..<min(n, (span + 1) * spanLength)
                var i = range.lowerBound
                // Whole blocks of 16 points, one point per lane; the sums are exact integers, as below.
                while i + 16 <= range.upperBound {
                    Self.lowerBlock(points.base, block: i / 16, width: width, centre: chosen, minima: minima.base)
                    i += 16
                }
                for i in i..<range.upperBound {
                    var squared = 0
                    for j in 0..<width {
                        let difference = Int(points[CoresetCodeLayout.offset(point: i, code: j, width: width)])
                            - Int(points[CoresetCodeLayout.offset(point: chosen, code: j, width: width)])
                        squared += difference * difference
                    }
                    minima[i] = i == chosen ? -1 : min(minima[i], Float(squared))
                }
                partial[span] = CPUDevice.argmax(minima.base, range)
            }
            pick = (0..<spans).map { partial[$0] }.reduce((-Float.infinity, Int.max)) { best, next in
                next.0 > best.0 || (next.0 == best.0 && next.1 < best.1) ? next : best
            }.1
        }
    }

    /// Lowers the minima of the 16 points of `block` with their squared code distances to point `centre`.
    static func lowerBlock(_ codes: UnsafeMutablePointer<UInt8>, block: Int, width: Int, centre: Int,
                           minima: UnsafeMutablePointer<Float>) {
        var sum = SIMD16<Float>()
        let base = UnsafeRawPointer(codes + block * width * 16)
        for j in 0..<width {
            let lanes = SIMD16<Float>(base.loadUnaligned(fromByteOffset: j * 16, as: SIMD16<UInt8>.self))
            let difference = lanes - Float(codes[CoresetCodeLayout.offset(point: centre, code: j, width: width)])
            sum += difference * difference
        }
        for lane in 0..<16 {
            let i = block * 16 + lane
            minima[i] = i == centre ? -1 : min(minima[i], sum[lane])
        }
    }

    /// The largest value in `range` and its index (the first one on ties); `(−∞, Int.max)` for an empty range.
    static func argmax(_ values: UnsafeMutablePointer<Float>, _ range: Range<Int>) -> (Float, Int) {
        var best: (Float, Int) = (-.infinity, Int.max)
        for i in range where values[i] > best.0 { best = (values[i], i) }
        return best
    }
}
