import Compute
import Foundation

/// One image to render: its system and its index in the dataset (which keys every random choice).
public struct RenderJob: Sendable {
    public var system: IFSystem
    public var imageIndex: Int

    public init(system: IFSystem, imageIndex: Int) {
        self.system = system
        self.imageIndex = imageIndex
    }
}

/// How a render went: its fill fraction and how many attempts it took.
public struct RenderOutcome: Sendable, Equatable, Codable {
    /// Fraction of non-empty pixels of the fractal layer (before blur and background).
    public var fill: Double
    /// Renders made, including the kept one.
    public var attempts: Int
    /// False when even the last attempt stayed below the minimum fill.
    public var meetsMinimumFill: Bool
}

/// Renders batches of fractal images with the chaos-game ops of one device.
///
/// The device runs the walk, rasterisation, statistics, colouring and blur; the host only turns walker bounds
/// into view windows between the walk and the rasterisation, and composites backgrounds. Images whose fill falls
/// below ``RenderSettings/minFill`` are redrawn with the next attempt's random choices.
public final class FractalRenderer: Sendable {
    public let device: any Device
    public let settings: RenderSettings
    public let seed: UInt64

    public init(device: any Device, settings: RenderSettings, seed: UInt64) throws {
        try settings.validate()
        self.device = device
        self.settings = settings
        self.seed = seed
    }

    /// Renders `jobs` into an RGB tensor `[B, S, S, 3]` (uint8) on the device, without backgrounds.
    public func renderTensor(_ jobs: [RenderJob]) throws -> (images: Tensor, outcomes: [RenderOutcome]) {
        let size = settings.size
        var outcomes = [RenderOutcome?](repeating: nil, count: jobs.count)
        var pending = Array(jobs.indices)
        var rounds: [(images: Tensor, members: [Int], accepted: [Bool])] = []
        var attempt = 0
        while !pending.isEmpty {
            let plans = pending.map {
                RenderPlan(system: jobs[$0].system, imageIndex: jobs[$0].imageIndex, attempt: attempt,
                           settings: settings, seed: seed)
            }
            let (images, statistics) = try renderRound(plans)
            var accepted: [Bool] = []
            var next: [Int] = []
            for (slot, job) in pending.enumerated() {
                let fill = Double(statistics[2 * slot + 1]) / Double(size * size)
                let meets = fill >= settings.minFill
                if meets || attempt >= settings.maxAttempts {
                    outcomes[job] = RenderOutcome(fill: fill, attempts: attempt + 1, meetsMinimumFill: meets)
                    accepted.append(true)
                } else {
                    accepted.append(false)
                    next.append(job)
                }
            }
            rounds.append((images, pending, accepted))
            pending = next
            attempt += 1
        }
        let result = try gather(rounds, count: jobs.count)
        return (result, outcomes.map { $0! })
    }

    /// Renders `jobs` to host memory, compositing backgrounds when the settings ask for them.
    public func render(_ jobs: [RenderJob]) throws -> RenderedBatch {
        let (images, outcomes) = try renderTensor(jobs)
        let pixels = HostPixels(count: images.byteCount)
        try device.read(images.buffer, offset: 0, into: pixels.bytes)
        if settings.background {
            let imageBytes = settings.size * settings.size * 3
            let base = SendablePointer(pixels.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            let seed = self.seed, size = settings.size
            DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
                let background = DiamondSquare.background(size: size, seed: seed, imageIndex: jobs[i].imageIndex)
                DiamondSquare.composite(foreground: base.base + i * imageBytes, background: background)
            }
        }
        return RenderedBatch(size: settings.size, pixels: pixels, outcomes: outcomes,
                             imageIndices: jobs.map(\.imageIndex))
    }

    /// One pass of all ops over `plans`; returns the coloured images and the statistics read back.
    private func renderRound(_ plans: [RenderPlan]) throws -> (Tensor, [Int32]) {
        let batch = plans.count, size = settings.size
        let systems = try Tensor(plans.flatMap(ChaosGameRecords.system),
                                 shape: [batch, ChaosGameLayout.systemWords], on: device)
        let (points, bounds) = try device.chaosGameWalk(
            systems: systems, seed: seed, walkers: settings.walkers, pointsPerImage: settings.points,
            warmup: settings.warmup)
        let walkerBounds = try bounds.int32s()
        let stride = settings.walkers * 4
        var viewRecords: [Int32] = []
        viewRecords.reserveCapacity(batch * ChaosGameLayout.viewWords)
        for (i, plan) in plans.enumerated() {
            viewRecords += ChaosGameRecords.view(plan, walkerBounds: walkerBounds[(i * stride)..<((i + 1) * stride)],
                                                 size: size)
        }
        let views = try Tensor(viewRecords, shape: [batch, ChaosGameLayout.viewWords], on: device)
        let counts = try device.chaosGameRasterize(points: points, views: views, size: size)
        let statistics = try device.chaosGameStatistics(counts: counts)
        let colors = try Tensor(plans.flatMap(ChaosGameRecords.color), shape: [batch, ChaosGameLayout.colorWords],
                                on: device)
        var images = try device.chaosGameColorize(counts: counts, statistics: statistics, colors: colors)
        if plans.contains(where: { $0.blurSide != 0 }) {
            images = try device.chaosGameBlur(images: images, colors: colors)
        }
        return (images, try statistics.int32s())
    }

    /// Assembles the accepted image of every job from the rounds that produced them.
    private func gather(_ rounds: [(images: Tensor, members: [Int], accepted: [Bool])], count: Int) throws -> Tensor {
        if rounds.count == 1 { return rounds[0].images }
        let imageBytes = settings.size * settings.size * 3
        let result = try Tensor(uninitialized: [count, settings.size, settings.size, 3], dtype: .uint8, on: device)
        for round in rounds {
            for (slot, job) in round.members.enumerated() where round.accepted[slot] {
                try device.copy(from: round.images.buffer, sourceOffset: slot * imageBytes, to: result.buffer,
                                destinationOffset: job * imageBytes, byteCount: imageBytes)
            }
        }
        return result
    }
}

/// Rendered RGB images in host memory, `[B, S, S, 3]`.
public struct RenderedBatch: Sendable {
    public let size: Int
    public let pixels: HostPixels
    public let outcomes: [RenderOutcome]
    public let imageIndices: [Int]

    public var count: Int { outcomes.count }
    public var imageBytes: Int { size * size * 3 }

    /// The bytes of image `i`.
    public func withImage<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: pixels.bytes[(i * imageBytes)..<((i + 1) * imageBytes)]))
    }
}
