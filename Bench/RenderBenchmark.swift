import Compute
import Fractals

/// Chaos-game points/s per device and end-to-end images/s (filled in with the Fractals pipeline).
struct RenderBenchmark: Benchmark {
    let name = "render"
    let summary = "chaos-game points/s per device; end-to-end images/s at 256² and 512²"

    func run(_ context: BenchmarkContext) throws {
        Report.header("render")
    }
}
