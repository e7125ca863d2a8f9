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
}
