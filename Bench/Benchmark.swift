import Compute
import Foundation

/// One named measurement; `fractalad-bench <name>` runs it.
protocol Benchmark {
    var name: String { get }
    var summary: String { get }
    func run(_ context: BenchmarkContext) throws
}

/// Options shared by every benchmark.
struct BenchmarkContext {
    /// Devices to measure: the one given by `--device`, or every device except the reference loops.
    var devices: [any Device]
    /// Timed repetitions per case (the median is reported).
    var repeats: Int
    /// Smaller sizes, for a smoke run.
    var quick: Bool
    /// `--workload` prefixes: the workloads of `compare` to run (empty: all).
    var workloads: [String] = []
    /// `--json FILE`: where `compare` appends its results as JSON lines.
    var log: ResultLog?
}

/// Wall-clock and process CPU time of repeated runs.
struct Timing {
    var wall: [Double]
    var cpu: [Double]

    var medianWall: Double { Timing.median(wall) }
    var medianCPU: Double { Timing.median(cpu) }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Runs `body` once to warm up (kernel builds, JIT, pools), then `repeats` timed times.
    static func measure(repeats: Int, warmup: Int = 1, _ body: () throws -> Void) rethrows -> Timing {
        for _ in 0..<warmup { try body() }
        var timing = Timing(wall: [], cpu: [])
        for _ in 0..<max(repeats, 1) {
            let cpuStart = processCPUSeconds(), wallStart = DispatchTime.now().uptimeNanoseconds
            try body()
            timing.wall.append(Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9)
            timing.cpu.append(processCPUSeconds() - cpuStart)
        }
        return timing
    }

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// Prints aligned result rows.
enum Report {
    static func header(_ title: String) {
        print("\n## \(title)")
    }

    static func row(_ cells: [String]) {
        print("| " + cells.joined(separator: " | ") + " |")
    }

    static func table(_ columns: [String]) {
        row(columns)
        row(columns.map { _ in "---" })
    }

    static func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}

enum BenchmarkRunner {
    static func main(arguments: [String], benchmarks: [Benchmark]) -> Int32 {
        var names: [String] = []
        var deviceRequest: String?
        var repeats = 5
        var quick = false
        var workloads: [String] = []
        var jsonPath: String?
        var index = 0
        func usage() -> Int32 {
            let list = benchmarks.map { "  \($0.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \($0.summary)" }
            print("usage: fractalad-bench <benchmark...|all> [--device D] [--repeats N] [--quick] "
                  + "[--workload PREFIX]... [--json FILE]\n" +
                  list.joined(separator: "\n"))
            return 2
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--device":
                index += 1
                guard index < arguments.count else { return usage() }
                deviceRequest = arguments[index]
            case "--repeats":
                index += 1
                guard index < arguments.count, let n = Int(arguments[index]), n > 0 else { return usage() }
                repeats = n
            case "--quick":
                quick = true
            case "--workload":
                index += 1
                guard index < arguments.count, !arguments[index].isEmpty else { return usage() }
                workloads.append(arguments[index])
            case "--json":
                index += 1
                guard index < arguments.count, !arguments[index].isEmpty else { return usage() }
                jsonPath = arguments[index]
            case "-h", "--help":
                _ = usage()
                return 0
            default:
                guard argument == "all" || benchmarks.contains(where: { $0.name == argument }) else { return usage() }
                names.append(argument)
            }
            index += 1
        }
        guard !names.isEmpty else { return usage() }
        do {
            let devices: [any Device] =
                if deviceRequest != nil || ProcessInfo.processInfo.environment[Devices.environmentVariable] != nil {
                    [try Devices.select(deviceRequest)]
                }
                else { try Devices.all().filter { $0.info.identifier != "cpu-reference" } }
            let context = BenchmarkContext(devices: devices, repeats: repeats, quick: quick, workloads: workloads,
                                           log: try jsonPath.map { try ResultLog(path: $0) })
            print("# fractalad-bench \(FractalADVersion.string), \(ProcessInfo.processInfo.activeProcessorCount) cores")
            for device in devices { print("- \(device.info)") }
            // `all` leaves out `compare`, whose workloads repeat the others' for the peer bench.
            for benchmark in benchmarks where names.contains(benchmark.name)
                || names.contains("all") && !(benchmark is CompareBenchmark) {
                try benchmark.run(context)
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data("fractalad-bench: \(error)\n".utf8))
            return 1
        }
    }
}

/// Deterministic inputs and shared row formatting for the benchmarks.
enum BenchData {
    /// `count` floats uniform on [−1, 1) from a xorshift generator (fast enough for hundreds of millions).
    static func uniform(count: Int, seed: UInt64 = 1) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Float(state >> 40) * 0x1p-23 - 1
        }
    }

    /// Prints `cells` followed by the median time, GFLOP/s and GFLOP per CPU-second.
    static func row(_ cells: [String], flops: Double, timing: Timing) {
        Report.row(cells + [Report.format(timing.medianWall * 1e3, 2), Report.format(flops / timing.medianWall / 1e9),
                            Report.format(flops / max(timing.medianCPU, 1e-9) / 1e9)])
    }

    /// The 1-minute load average (`/proc/loadavg`), to judge how busy the shared machine was.
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return String(text.split(separator: " ").first ?? "?")
    }
}
