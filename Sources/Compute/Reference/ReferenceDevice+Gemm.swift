extension ReferenceDevice: GemmOps {
    public func gemm(_ a: Tensor, transposeA: Bool, _ b: Tensor, transposeB: Bool, alpha: Float, beta: Float,
                     into c: Tensor, dimensions: GemmDimensions) throws {
        let (m, k, n) = dimensions
        let left = a.host(Float.self), right = b.host(Float.self), out = c.host(Float.self)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let x = transposeA ? left[p * m + i] : left[i * k + p]
                    let y = transposeB ? right[j * k + p] : right[p * n + j]
                    sum += x * y
                }
                out[i * n + j] = alpha * sum + (beta == 0 ? 0 : beta * out[i * n + j])
            }
        }
    }
}
