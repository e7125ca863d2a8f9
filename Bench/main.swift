// fractalad-bench: speed measurements of every op family and pipeline, per device.
// Usage: fractalad-bench <benchmark|all> [--device D] [--repeats N] [--quick] [--workload PREFIX]... [--json FILE]
import Foundation

let benchmarks: [Benchmark] = [
    RenderBenchmark(),
    GemmBenchmark(),
    ConvBenchmark(),
    LayerBenchmark(),
    TrainBenchmark(),
    DistanceBenchmark(),
    CoresetBenchmark(),
    PatchCoreBenchmark(),
    CompareBenchmark(),
]

exit(BenchmarkRunner.main(arguments: Array(CommandLine.arguments.dropFirst()), benchmarks: benchmarks))
