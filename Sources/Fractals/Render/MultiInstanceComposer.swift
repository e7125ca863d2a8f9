import Compute
import Foundation
import Imaging

/// Multi-instance images (fractal4AD's multi-fractals mode): each image of class `c` composites 4–10 objects,
/// each a render of a random system of the class, resized to U(0.15, 0.6) of the side and placed with its corner in
/// `[−s/2, S − s/2)²`; later objects cover earlier ones; the whole image is blurred with the renderer's blur
/// probability.
struct MultiInstanceComposer {
    let spec: DatasetSpec
    let systems: [IFSystem]
    /// Renders the objects at half the image size with 3×3 stamping.
    let renderer: FractalRenderer

    /// An object's render index: image `k`'s object `o` is `k·16 + o`.
    static func objectIndex(image: Int, object: Int) -> Int { image * 16 + object }

    func render(_ images: [Int]) throws -> RenderedBatch {
        var layouts: [[(job: Int, side: Int, x: Int, y: Int)]] = []
        var jobs: [RenderJob] = []
        let size = spec.render.size
        for image in images {
            var random = PhiloxStream(seed: spec.seed, stream: (RandomStreams.multiInstance,
                                                                UInt32(truncatingIfNeeded: image), 0))
            let count = random.integer(in: spec.minObjects...spec.maxObjects)
            let group = spec.classIndex(ofImage: image) * spec.systemsPerClass
            var layout: [(Int, Int, Int, Int)] = []
            for object in 0..<count {
                let system = systems[group + random.integer(in: 0...(spec.systemsPerClass - 1))]
                let side = max(1, Int(Double(size) * random.uniform(0.15, 0.6)))
                let x = random.integer(in: -(side / 2)...(size - side / 2 - 1))
                let y = random.integer(in: -(side / 2)...(size - side / 2 - 1))
                layout.append((jobs.count, side, x, y))
                jobs.append(RenderJob(system: system, imageIndex: Self.objectIndex(image: image, object: object)))
            }
            layouts.append(layout)
        }
        let objects = try renderer.render(jobs)
        let objectSide = renderer.settings.size
        let pixels = HostPixels(count: images.count * size * size * 3)
        var outcomes: [RenderOutcome] = []
        let blur = spec.render.blurProbability
        for (slot, image) in images.enumerated() {
            var canvas = [UInt8](repeating: 0, count: size * size * 3)
            if spec.render.background {
                canvas = DiamondSquare.background(size: size, seed: spec.seed, imageIndex: image)
            }
            var fills: [Double] = []
            var attempts = 0
            var meets = true
            for placement in layouts[slot] {
                let outcome = objects.outcomes[placement.job]
                fills.append(outcome.fill)
                attempts = max(attempts, outcome.attempts)
                meets = meets && outcome.meetsMinimumFill
                let object = try objects.withImage(placement.job) { bytes in
                    try ByteImage(width: objectSide, height: objectSide, channels: 3, pixels: Array(bytes))
                }
                let resized = try object.resize(width: placement.side, height: placement.side, interpolation: .bilinear)
                paste(resized, into: &canvas, size: size, x: placement.x, y: placement.y)
            }
            var random = PhiloxStream(seed: spec.seed, stream: (RandomStreams.multiInstance,
                                                                UInt32(truncatingIfNeeded: image), 1))
            if random.bernoulli(blur) {
                let sigma = random.uniform(0.5, 1)
                let w = exp(-1 / (2 * sigma * sigma))
                let side = Int32((65_536 * w / (1 + 2 * w)).rounded())
                canvas = Self.blurred(canvas, size: size, side: side)
            }
            canvas.withUnsafeBytes { pixels.bytes.baseAddress!.advanced(by: slot * size * size * 3).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            outcomes.append(RenderOutcome(fill: fills.reduce(0, +) / Double(max(fills.count, 1)), attempts: attempts,
                                          meetsMinimumFill: meets))
        }
        return RenderedBatch(size: size, pixels: pixels, outcomes: outcomes, imageIndices: images)
    }

    /// Copies the non-black pixels of `object` to `(x, y)`, clipping at the borders.
    private func paste(_ object: ByteImage, into canvas: inout [UInt8], size: Int, x: Int, y: Int) {
        for row in 0..<object.height {
            let targetRow = y + row
            guard targetRow >= 0, targetRow < size else { continue }
            for column in 0..<object.width {
                let targetColumn = x + column
                guard targetColumn >= 0, targetColumn < size else { continue }
                let source = (row * object.width + column) * 3
                let r = object.pixels[source], g = object.pixels[source + 1], b = object.pixels[source + 2]
                guard r | g | b != 0 else { continue }
                let target = (targetRow * size + targetColumn) * 3
                canvas[target] = r; canvas[target + 1] = g; canvas[target + 2] = b
            }
        }
    }

    /// The chaos-game blur on the host (``ChaosGameMath/blur(_:height:width:channels:side:centre:x:y:channel:)``).
    static func blurred(_ image: [UInt8], size: Int, side: Int32) -> [UInt8] {
        var output = image
        image.withUnsafeBufferPointer { source in
            for y in 0..<size {
                for x in 0..<size {
                    for channel in 0..<3 {
                        output[(y * size + x) * 3 + channel] = ChaosGameMath.blur(
                            source.baseAddress!, height: size, width: size, channels: 3, side: side,
                            centre: 65_536 - 2 * side, x: x, y: y, channel: channel)
                    }
                }
            }
        }
        return output
    }
}
