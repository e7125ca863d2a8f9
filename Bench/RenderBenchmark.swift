import Compute
import Foundation
import Fractals
import Imaging

/// Chaos-game points/s per device, images/s rendered to memory, and end-to-end dataset images/s.
struct RenderBenchmark: Benchmark {
    let name = "render"
    let summary = "chaos-game points/s per device; images/s rendered to memory and written as PNG at 256² and 512²"

    func run(_ context: BenchmarkContext) throws {
        let batch = context.quick ? 16 : 64
        let sampler = try IFSSampler()
        let jobs = (0..<batch).map { RenderJob(system: sampler.system(index: $0, seed: 1), imageIndex: $0) }
        for device in context.devices { try validate(device, jobs: Array(jobs.prefix(5))) }

        Report.header("chaos game: walk only, \(batch) images × 100k points, 128 walkers")
        Report.table(["device", "median ms", "M points/s", "M points per CPU-s"])
        for device in context.devices {
            let renderer = try FractalRenderer(device: device, settings: RenderSettings(), seed: 1)
            let plans = jobs.map {
                RenderPlan(system: $0.system, imageIndex: $0.imageIndex, attempt: 0, settings: renderer.settings,
                           seed: renderer.seed)
            }
            let records = try Tensor(plans.flatMap(\.systemRecord), shape: [batch, ChaosGameLayout.systemWords],
                                     on: device)
            let timing = try Timing.measure(repeats: context.repeats) {
                let (points, _) = try device.chaosGameWalk(systems: records, seed: 1, walkers: 128,
                                                           pointsPerImage: 100_000, warmup: 32)
                try device.synchronize()
                _ = points
            }
            let points = Double(batch * (100_000 + 128 * 32))
            Report.row([device.info.identifier, Report.format(timing.medianWall * 1e3),
                        Report.format(points / timing.medianWall / 1e6),
                        Report.format(points / timing.medianCPU / 1e6)])
        }

        Report.header("rendering to host memory (no PNG), \(batch) images")
        Report.table(["device", "size", "background", "median ms", "images/s"])
        for device in context.devices {
            for size in [256, 512] {
                for background in [false, true] {
                    var settings = RenderSettings()
                    settings.size = size
                    settings.background = background
                    let renderer = try FractalRenderer(device: device, settings: settings, seed: 1)
                    let timing = try Timing.measure(repeats: context.repeats) { _ = try renderer.render(jobs) }
                    Report.row([device.info.identifier, "\(size)", "\(background)",
                                Report.format(timing.medianWall * 1e3),
                                Report.format(Double(batch) / timing.medianWall)])
                }
            }
        }

        Report.header("end to end: `generate` into a temporary folder (PNG level 1)")
        Report.table(["device", "size", "background", "images", "median s", "images/s", "reference images/s"])
        let reference: [String: Double] = ["256false": 50, "512false": 27, "256true": 23, "512true": 7.9]
        for device in context.devices {
            for size in [256, 512] {
                for background in [false, true] {
                    var spec = DatasetSpec(mode: .oneInstance, classes: context.quick ? 64 : 1000, perClass: 1,
                                           seed: 1, render: RenderSettings())
                    spec.render.size = size
                    spec.render.background = background
                    if background && !context.quick { spec.classes = 300 }
                    let systems = SystemsFile.sample(count: spec.classes, sampler: sampler, seed: 1)
                    let timing = try Timing.measure(repeats: max(1, context.repeats / 2), warmup: 0) {
                        let root = FileManager.default.temporaryDirectory
                            .appending(path: "fractalad-bench-\(ProcessInfo.processInfo.processIdentifier)")
                        try? FileManager.default.removeItem(at: root)
                        defer { try? FileManager.default.removeItem(at: root) }
                        _ = try DatasetWriter(spec: spec, systems: systems, root: root, device: device).run()
                    }
                    Report.row([device.info.identifier, "\(size)", "\(background)", "\(spec.classes)",
                                Report.format(timing.medianWall, 2),
                                Report.format(Double(spec.classes) / timing.medianWall),
                                Report.format(reference["\(size)\(background)"] ?? .nan)])
                }
            }
        }
    }

    /// The walk (5 images × 3,001 points, 7 walkers) and rendered 96² images with and without background, which must
    /// match the reference exactly (the chaos game is bit-exact by contract).
    func validate(_ device: any Device, jobs: [RenderJob]) throws {
        try Validation.check(name, on: device, tolerance: 0,
                             outputs: ["walk points", "walk bounds", "images", "images with background"]) { device in
            var settings = RenderSettings()
            settings.size = 96
            let renderer = try FractalRenderer(device: device, settings: settings, seed: 1)
            let plans = jobs.map {
                RenderPlan(system: $0.system, imageIndex: $0.imageIndex, attempt: 0, settings: settings, seed: 1)
            }
            let records = try Tensor(plans.flatMap(\.systemRecord), shape: [jobs.count, ChaosGameLayout.systemWords],
                                     on: device)
            let (points, bounds) = try device.chaosGameWalk(systems: records, seed: 1, walkers: 7,
                                                            pointsPerImage: 3_001, warmup: 32)
            settings.background = true
            let withBackground = try FractalRenderer(device: device, settings: settings, seed: 1)
            func bytes(_ batch: RenderedBatch) -> [Float] { batch.pixels.bytes.map(Float.init) }
            return [try points.int32s().map(Float.init), try bounds.int32s().map(Float.init),
                    bytes(try renderer.render(jobs)), bytes(try withBackground.render(jobs))]
        }
    }
}
