extension ReferenceDevice: DistanceOps {
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
                    NeighborOrder.insert(Self.squaredDistance(query.base + i * width, rows.base + r * width, width),
                                         Int32(range.lowerBound + r), distances: bestDistances.base + i * k,
                                         indices: bestIndices.base + i * k, k: k)
                }
            }
        }
    }

    /// `Σ (q_d − b_d)²` summed in double precision and rounded once: the reference.
    static func squaredDistance(_ q: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ width: Int) -> Float {
        var sum = 0.0
        for d in 0..<width {
            let difference = Double(q[d]) - Double(b[d])
            sum += difference * difference
        }
        return Float(sum)
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
        let points = codes.host(UInt8.self), minima = minimumDistances.host(Float.self)
        let out = picks.host(Int32.self)
        var pick = Self.argmax(minima, n)
        for step in 0..<count {
            out[step] = Int32(pick)
            for i in 0..<n {
                var squared = 0
                for j in 0..<width {
                    let difference = Int(points[CoresetCodeLayout.offset(point: i, code: j, width: width)])
                        - Int(points[CoresetCodeLayout.offset(point: pick, code: j, width: width)])
                    squared += difference * difference
                }
                minima[i] = i == pick ? -1 : min(minima[i], Float(squared))
            }
            pick = Self.argmax(minima, n)
        }
    }

    /// The index of the largest of `count` values (the first one on ties).
    private static func argmax(_ values: UnsafeMutablePointer<Float>, _ count: Int) -> Int {
        var best = 0
        for i in 0..<count where values[i] > values[best] { best = i }
        return best
    }
}
