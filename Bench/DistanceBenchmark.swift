import Compute
import Foundation

/// Exact k-nearest-neighbour search (PatchCore scoring) in GFLOP/s, counting `2·M·N·D`, at the two shapes of
/// reference-anomaly-detection.md §6 (faiss and numpy anchors measured on this machine).
struct DistanceBenchmark: Benchmark {
    let name = "distance"
    let summary = "top-k nearest neighbours: GFLOP/s at 784×16,384×1,024 and 10,000×100,000×1,024 per device"

    struct Shape {
        var queries: Int, bank: Int, depth: Int, k: Int
        /// Timed runs of this shape: the large one takes tens of seconds per run.
        var large: Bool
    }

    func run(_ context: BenchmarkContext) throws {
        let shapes: [Shape] = context.quick
            ? [Shape(queries: 196, bank: 4_096, depth: 1_024, k: 1, large: false),
               Shape(queries: 196, bank: 4_096, depth: 1_024, k: 16, large: false),
               Shape(queries: 1_000, bank: 10_000, depth: 1_024, k: 1, large: true)]
            : [Shape(queries: 784, bank: 16_384, depth: 1_024, k: 1, large: false),
               Shape(queries: 784, bank: 16_384, depth: 1_024, k: 16, large: false),
               Shape(queries: 10_000, bank: 100_000, depth: 1_024, k: 1, large: true)]
        Report.header("nearest neighbours (squared L2 top-k), random uniform data")
        for device in context.devices { try validate(device) }
        print("anchors here (§6): faiss-cpu 15 / 27 GFLOP/s, faiss with a tuned BLAS 191 / 130, numpy 104 / 184")
        Report.table(["device", "M × N × D", "k", "runs", "median s", "GFLOP/s", "GFLOP per CPU-s", "load (1 min)"])
        for shape in shapes {
            let bank = BenchData.uniform(count: shape.bank * shape.depth, seed: 2)
            for device in context.devices {
                // The CPU devices are much slower: measure them on 64 queries, and not at the large shape.
                let queries = device is CPUDevice ? min(shape.queries, 64) : shape.queries
                if device is CPUDevice && shape.large { continue }
                let q = try Tensor(BenchData.uniform(count: queries * shape.depth, seed: 1),
                                   shape: [queries, shape.depth], on: device)
                let b = try Tensor(bank, shape: [shape.bank, shape.depth], on: device)
                // Build the kernels before timing anything.
                _ = try device.nearestNeighbors(queries: q, bank: b, k: shape.k, chunkRows: 64).indices.int32s()
                let runs = shape.large ? min(context.repeats, 3) : context.repeats
                let timing = try Timing.measure(repeats: runs, warmup: shape.large ? 0 : 1) {
                    _ = try device.nearestNeighbors(queries: q, bank: b, k: shape.k, chunkRows: nil).indices.int32s()
                }
                let gflop = 2 * Double(queries) * Double(shape.bank) * Double(shape.depth) / 1e9
                Report.row([device.info.identifier, "\(queries) × \(shape.bank) × \(shape.depth)", "\(shape.k)",
                            "\(runs)", Report.format(timing.medianWall, 3),
                            Report.format(gflop / timing.medianWall), Report.format(gflop / timing.medianCPU),
                            BenchData.loadAverage()])
            }
        }
    }

    /// Distances of k = 1 and k = 16 at an awkward 13 × 300 × 1,024 search (several bank chunks of 64 rows and the
    /// device's own choice), against the reference. Indices are not compared: near-ties may order differently.
    func validate(_ device: any Device) throws {
        let cases: [(k: Int, chunkRows: Int?)] = [(1, 64), (16, 64), (1, nil), (16, nil)]
        let outputs = cases.map { "distances k=\($0.k), chunk \($0.chunkRows.map(String.init) ?? "auto")" }
        try Validation.check(name, on: device, tolerance: 1e-4, outputs: outputs) { device in
            let depth = 1_024
            let q = try Tensor(BenchData.uniform(count: 13 * depth, seed: 31), shape: [13, depth], on: device)
            let b = try Tensor(BenchData.uniform(count: 300 * depth, seed: 32), shape: [300, depth], on: device)
            return try cases.map { k, chunkRows in
                try device.nearestNeighbors(queries: q, bank: b, k: k, chunkRows: chunkRows).distances.floats()
            }
        }
    }
}
