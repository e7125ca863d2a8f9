import Compute

/// GEMM GFLOP/s per device: square 1024³ and the products the convolutions run at ResNet layer shapes.
struct GemmBenchmark: Benchmark {
    let name = "gemm"
    let summary = "SGEMM GFLOP/s per device at 1024³ and at the im2col shapes of ResNet convolutions"

    struct Shape {
        var label: String, m: Int, k: Int, n: Int, transposeA = false, transposeB = false
    }

    /// The square anchor, then `[O, C·KH·KW]·[C·KH·KW, columns]` forward products of one im2col chunk
    /// (2 Mi floats) and the transposed products of the gradients (the GPU-shaped convolution path).
    static let shapes: [Shape] = [
        Shape(label: "square", m: 1024, k: 1024, n: 1024),
        Shape(label: "square Aᵀ", m: 1024, k: 1024, n: 1024, transposeA: true),
        Shape(label: "square Bᵀ", m: 1024, k: 1024, n: 1024, transposeB: true),
        Shape(label: "fwd 64→64 3×3 56² (1 image)", m: 64, k: 576, n: 3136),
        Shape(label: "fwd 64→64 3×3 16² (14 images)", m: 64, k: 576, n: 3584),
        Shape(label: "fwd 512→512 3×3 2² (113 images)", m: 512, k: 4608, n: 452),
        Shape(label: "dx 64→64 3×3 16² (Wᵀ·dy)", m: 576, k: 64, n: 3584, transposeA: true),
        Shape(label: "dw 64→64 3×3 16² (dy·colᵀ)", m: 64, k: 3584, n: 576),
    ]

    func run(_ context: BenchmarkContext) throws {
        Report.header("gemm: C = A·B, float32 (median of \(context.repeats) runs after a warm-up)")
        for device in context.devices { try validate(device) }
        Report.table(["shape", "M×K×N", "device", "median ms", "GFLOP/s", "GFLOP per CPU-s"])
        for shape in Self.shapes {
            let scale = context.quick && shape.m * shape.k * shape.n > 1 << 26 ? 2 : 1
            let (m, k, n) = (shape.m / scale, shape.k / scale, shape.n / scale)
            for device in context.devices {
                let a = try Tensor(BenchData.uniform(count: m * k), shape: shape.transposeA ? [k, m] : [m, k], on: device)
                let b = try Tensor(BenchData.uniform(count: k * n), shape: shape.transposeB ? [n, k] : [k, n], on: device)
                let c = try Tensor(zeros: [m, n], on: device)
                let timing = try Timing.measure(repeats: context.repeats) {
                    try device.gemm(a, transposeA: shape.transposeA, b, transposeB: shape.transposeB, alpha: 1,
                                    beta: 0, into: c)
                    try device.synchronize()
                }
                BenchData.row([shape.label, "\(m)×\(k)×\(n)", device.info.identifier], flops: 2.0 * Double(m * k * n),
                              timing: timing)
            }
        }
    }

    /// Every transposition the benchmark times, at an awkward 37×53×29 product, against the reference.
    func validate(_ device: any Device) throws {
        let (m, k, n) = (37, 53, 29)
        let cases = [(false, false), (true, false), (false, true)]
        let outputs = cases.map { "C (Aᵀ \($0.0), Bᵀ \($0.1))" }
        try Validation.check(name, on: device, tolerance: 1e-4, outputs: outputs) { device in
            try cases.map { transposeA, transposeB in
                let a = try Tensor(BenchData.uniform(count: m * k, seed: 11), shape: transposeA ? [k, m] : [m, k],
                                   on: device)
                let b = try Tensor(BenchData.uniform(count: k * n, seed: 12), shape: transposeB ? [n, k] : [k, n],
                                   on: device)
                let c = try Tensor(zeros: [m, n], on: device)
                try device.gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: 1, beta: 0, into: c)
                return try c.floats()
            }
        }
    }
}
