import Compute
import Foundation

/// Every random choice for one render of one image, drawn from the seed, the image's index and the attempt number,
/// so an image is the same whichever batch, shard, thread or device renders it.
public struct RenderPlan: Sendable {
    public var imageIndex: Int
    public var attempt: Int
    /// The system after parameter jitter, scaled so its attractor fits the fixed-point range (rendering is
    /// invariant to that scale).
    public var system: IFSystem
    public var scale: Double
    /// View centre offsets (fractions of the extent) and zoom factors per axis.
    public var centreShift: (x: Double, y: Double)
    public var zoom: (x: Double, y: Double)
    /// Bit 0 transpose, bit 1 flip rows, bit 2 flip columns.
    public var flips: Int32
    public var hueOffset: Int32
    public var saturation: Int32
    public var value: Int32
    /// Q16 separable blur weights; side 0 means no blur.
    public var blurSide: Int32
    public var patchMask: Int32

    /// Draws the plan of `attempt` for image `imageIndex` rendering `system`.
    ///
    /// The last attempt (`attempt == settings.maxAttempts`) keeps the un-jittered system and the un-zoomed view.
    public init(system base: IFSystem, imageIndex: Int, attempt: Int, settings: RenderSettings, seed: UInt64) {
        var random = PhiloxStream(seed: seed, stream: (RandomStreams.renderParameters,
                                                       UInt32(truncatingIfNeeded: imageIndex),
                                                       UInt32(truncatingIfNeeded: imageIndex >> 32) << 8
                                                           | UInt32(truncatingIfNeeded: attempt)))
        let lastResort = attempt >= settings.maxAttempts
        self.imageIndex = imageIndex
        self.attempt = attempt
        var system = base
        if settings.parameterJitter && !lastResort {
            system = Self.jittered(base, random: &random)
        }
        scale = Self.fixedPointScale(system)
        if settings.viewJitter && !lastResort {
            centreShift = (random.uniform(-0.2, 0.2), random.uniform(-0.2, 0.2))
            zoom = (random.uniform(0.5, 2.0), random.uniform(0.5, 2.0))
        } else {
            centreShift = (0, 0)
            zoom = (1, 1)
        }
        var flips: Int32 = 0
        if settings.flips {
            for bit in 0..<3 where random.bernoulli(0.5) { flips |= 1 << bit }
        }
        self.flips = flips
        hueOffset = Int32(random.integer(in: 0...255))
        saturation = Int32(255 * random.uniform(0.3, 1))
        value = Int32(255 * random.uniform(0.5, 1))
        blurSide = 0
        if random.bernoulli(settings.blurProbability) {
            let sigma = random.uniform(0.5, 1)
            let w = exp(-1 / (2 * sigma * sigma))
            blurSide = Int32((65_536 * w / (1 + 2 * w)).rounded())
        }
        patchMask = settings.patch ? Int32(random.integer(in: 1...511)) : 0
        self.system = system.scaledForFixedPoint(scale)
    }

    /// Basic parameter jitter of the reference generators: one map's six parameters times U(0.8, 1.1), redrawn up
    /// to four times while that breaks contractivity, else the system unchanged.
    static func jittered(_ system: IFSystem, random: inout PhiloxStream) -> IFSystem {
        for _ in 0..<4 {
            let k = random.integer(in: 0...(system.maps.count - 1))
            let factor = random.uniform(0.8, 1.1)
            var maps = system.maps
            maps[k] = maps[k].scaled(by: factor)
            if maps[k].singularValues.0 <= 1, let jittered = try? IFSystem(maps: maps) { return jittered }
        }
        return system
    }

    /// Multiplier that brings the attractor's half-extent to about 256 units, estimated by a short chaos game in
    /// double precision: small attractors keep their resolution and large ones cannot overflow Q11.20.
    static func fixedPointScale(_ system: IFSystem) -> Double {
        guard var (x, y) = system.maps[0].fixedPoint else { return 1 }
        var radius = max(abs(x), abs(y))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var cumulative: [Double] = []
        var total = 0.0
        for p in system.probabilities { total += p; cumulative.append(total) }
        for _ in 0..<4_096 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Double(state >> 11) * 0x1p-53
            let k = cumulative.firstIndex { u < $0 } ?? cumulative.count - 1
            let m = system.maps[k]
            (x, y) = (m.a * x + m.b * y + m.e, m.c * x + m.d * y + m.f)
            radius = max(radius, abs(x), abs(y))
        }
        guard radius.isFinite, radius > 0 else { return 1 }
        return 256 / radius
    }
}

extension IFSystem {
    /// The conjugate system `x ↦ s·x`: same linear parts, translations times `s` (its attractor is scaled by `s`).
    func scaledForFixedPoint(_ s: Double) -> IFSystem {
        var copy = self
        copy.maps = maps.map { AffineMap(a: $0.a, b: $0.b, c: $0.c, d: $0.d, e: $0.e * s, f: $0.f * s) }
        return copy
    }
}
