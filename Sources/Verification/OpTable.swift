import Compute

/// Every op of ``Device`` at awkward shapes (sizes of 1, primes, counts that are multiples of no work-group size),
/// each output with its declared tolerance: what `fractalad selftest` runs on a device against the reference loops.
/// Inputs are ``testValues(_:seed:low:high:)``, so every run sees the same data.
public enum OpTable {
    /// Every check, family by family.
    public static let all: [OpCheck] = elementwise + sums + gemm + conv + batchNorm + pooling + loss + optimizer
        + imageBatch + nearestNeighbors + coreset + chaosGame

    /// The checks of `selftest`, or the first shapes of each op for `selftest --quick`.
    public static func checks(quick: Bool) -> [OpCheck] { quick ? all.filter(\.quick) : all }

    static func label(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }

    static func tensor(_ values: [Float], _ shape: [Int], _ device: any Device) throws -> Tensor {
        try Tensor(values, shape: shape, on: device)
    }

    /// Sizes of 1, a prime above every work-group size, and shapes whose sizes are multiples of nothing.
    static let elementwise: [OpCheck] = [[1], [4099], [13, 11], [3, 5, 7, 2]].enumerated().flatMap { i, shape in
        let quick = i < 2, count = shape.reduce(1, *), name = label(shape)
        let a = testValues(count, seed: 1).enumerated().map { $0.offset % 7 == 0 ? 0 : $0.element }  // ReLU's kink
        let b = testValues(count, seed: 2), positive = a.map { max($0, 0) }
        return [
            OpCheck("fill", "elementwise", name, [.init("x", .exact)], quick: quick) { d in
                let x = try Tensor(uninitialized: shape, on: d)
                try d.fill(x, value: -1.25)
                return [try x.floats()]
            },
            OpCheck("relu", "elementwise", name, [.init("output", .exact)], quick: quick) { d in
                [try d.relu(tensor(a, shape, d)).floats()]
            },
            OpCheck("reluBackward", "elementwise", name, [.init("input gradient", .exact)], quick: quick) { d in
                [try d.reluBackward(outputGradient: tensor(b, shape, d), output: tensor(positive, shape, d)).floats()]
            },
            OpCheck("add", "elementwise", name, [.init("output", .exact)], quick: quick) { d in
                [try d.add(tensor(a, shape, d), tensor(b, shape, d)).floats()]
            },
            OpCheck("addRelu", "elementwise", name, [.init("output", .exact)], quick: quick) { d in
                [try d.addRelu(tensor(a, shape, d), tensor(b, shape, d)).floats()]
            },
            OpCheck("axpy", "elementwise", name, [.init("y", .fusedMultiplyAdd)], quick: quick) { d in
                let y = try tensor(b, shape, d)
                try d.axpy(-0.37, tensor(a, shape, d), y)
                return [try y.floats()]
            },
            OpCheck("scale", "elementwise", name, [.init("x", .fusedMultiplyAdd)], quick: quick) { d in
                let x = try tensor(b, shape, d)
                try d.scale(x, by: 1.75)
                return [try x.floats()]
            },
        ]
    }

    static let sumCases: [([Int], Int)] = [([33, 1000], 0), ([5, 7], 1), ([2, 3, 4], 1), ([1], 0)]

    static let sums: [OpCheck] = sumCases.enumerated().map { i, c in
            let (shape, axis) = c, values = testValues(shape.reduce(1, *), seed: 5)
            return OpCheck("sum", "elementwise", "\(label(shape)) axis \(axis)",
                           [.init("output", .sums(length: shape[axis], magnitude: 2))], quick: i < 2) { d in
                [try d.sum(tensor(values, shape, d), axis: axis).floats()]
            }
        }

    /// `c ← 0.75·op(a)·op(b) + 0.5·c` with every transpose.
    static let gemmCases: [(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool)] = [
        (1, 1, 1, false, false), (67, 131, 97, false, false), (33, 65, 129, true, false), (17, 40, 300, false, true),
        (64, 64, 64, true, true),
    ]

    static let gemm: [OpCheck] = gemmCases.enumerated().map { i, c in
        let (m, n, k, ta, tb) = c
        let a = testValues(m * k, seed: 1), b = testValues(k * n, seed: 2), initial = testValues(m * n, seed: 3)
        let name = "\(m)×\(k) · \(k)×\(n)" + (ta ? " Aᵀ" : "") + (tb ? " Bᵀ" : "")
        return OpCheck("gemm", "gemm", name, [.init("c", .reduction(k + 1))], quick: i < 2) { d in
            let out = try tensor(initial, [m, n], d)
            try d.gemm(tensor(a, ta ? [k, m] : [m, k], d), transposeA: ta, tensor(b, tb ? [n, k] : [k, n], d),
                       transposeB: tb, alpha: 0.75, beta: 0.5, into: out)
            return [try out.floats()]
        }
    }
}
