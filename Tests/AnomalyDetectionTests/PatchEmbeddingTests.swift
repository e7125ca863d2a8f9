import Foundation
import Testing
@testable import AnomalyDetection

@Suite struct PatchEmbeddingTests {
    static func stage(_ channels: Int, _ height: Int, _ width: Int, seed: Int) -> StageFeatures {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
        let values = (0..<(channels * height * width)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        return StageFeatures(channels: channels, height: height, width: width, values: values)
    }

    /// The official pipeline step by step, as patchcore-inspection orders it: unfold, resize every unfolded
    /// component, pool each location, stack, pool again.
    static func officialBruteForce(_ stages: [StageFeatures], pretrain: Int, target: Int) -> [Float] {
        let (h0, w0) = (stages[0].height, stages[0].width)
        var perStage: [[Float]] = []
        for stage in stages {
            let (c, h, w) = (stage.channels, stage.height, stage.width)
            var unfolded = [Float](repeating: 0, count: c * 9 * h * w)  // [C·9, H, W]
            for channel in 0..<c {
                for k in 0..<9 {
                    for y in 0..<h {
                        for x in 0..<w {
                            let yy = y + k / 3 - 1, xx = x + k % 3 - 1
                            let inside = yy >= 0 && yy < h && xx >= 0 && xx < w
                            unfolded[((channel * 9 + k) * h + y) * w + x] = inside ? stage.values[(channel * h + yy) * w + xx] : 0
                        }
                    }
                }
            }
            let resized = PatchEmbedding.bilinear(unfolded, channels: c * 9, from: (h, w), to: (h0, w0),
                                                  channelsLast: false)
            var pooled = [Float](repeating: 0, count: h0 * w0 * pretrain)
            for l in 0..<(h0 * w0) {
                for i in 0..<pretrain {
                    let start = i * c * 9 / pretrain, end = ((i + 1) * c * 9 + pretrain - 1) / pretrain
                    var sum = 0.0
                    for j in start..<end { sum += Double(resized[j * h0 * w0 + l]) }
                    pooled[l * pretrain + i] = Float(sum / Double(end - start))
                }
            }
            perStage.append(pooled)
        }
        var result = [Float](repeating: 0, count: h0 * w0 * target)
        let length = stages.count * pretrain
        for l in 0..<(h0 * w0) {
            let stacked = perStage.flatMap { Array($0[(l * pretrain)..<((l + 1) * pretrain)]) }
            for i in 0..<target {
                let start = i * length / target, end = ((i + 1) * length + target - 1) / target
                var sum = 0.0
                for j in start..<end { sum += Double(stacked[j]) }
                result[l * target + i] = Float(sum / Double(end - start))
            }
        }
        return result
    }

    @Test(arguments: [(3, 5, 7, 2, 3), (16, 4, 4, 32, 2), (1, 3, 3, 1, 2)])
    func officialEmbeddingMatchesTheStepByStepPipeline(_ shape: (Int, Int, Int, Int, Int)) {
        let (c2, h2, w2, c3, h3) = shape
        let stages = [Self.stage(c2, h2, w2, seed: 1), Self.stage(c3, h3, max(1, w2 / 2), seed: 2)]
        let got = PatchEmbedding.official.embed(stages, pretrainDimension: 24, targetDimension: 20)
        let expected = Self.officialBruteForce(stages, pretrain: 24, target: 20)
        #expect(got.count == expected.count)
        let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "max abs difference \(worst)")
    }

    /// The closed form in reference-anomaly-detection.md §1.1 for wide_resnet50_2 (layer2 512 channels, layer3 1024).
    @Test func officialEmbeddingHasTheDocumentedClosedFormForWideResNetShapes() {
        let layer2 = Self.stage(512, 4, 4, seed: 3), layer3 = Self.stage(1024, 2, 2, seed: 4)
        let embedding = PatchEmbedding.official.embed([layer2, layer3])
        let (h, w) = (4, 4)
        func sum3x3(_ s: StageFeatures, _ c: Int, _ y: Int, _ x: Int) -> Float {
            var total: Float = 0
            for yy in (y - 1)...(y + 1) where yy >= 0 && yy < s.height {
                for xx in (x - 1)...(x + 1) where xx >= 0 && xx < s.width {
                    total += s.values[(c * s.height + yy) * s.width + xx]
                }
            }
            return total
        }
        var worst: Float = 0
        for y in 0..<h {
            for x in 0..<w {
                for c in stride(from: 0, to: 512, by: 37) {
                    let expected = (sum3x3(layer2, c, y, x) + layer2.values[(c * h + y) * w + x]) / 10
                    worst = max(worst, abs(embedding[(y * w + x) * 1024 + c] - expected))
                }
            }
        }
        // Layer 3 half: channel pairs of 3×3 means, bilinearly resized from 2×2 to 4×4.
        let means = (0..<512).flatMap { j in (0..<4).map { p in
            (sum3x3(layer3, 2 * j, p / 2, p % 2) + sum3x3(layer3, 2 * j + 1, p / 2, p % 2)) / 18 } }
        let resized = PatchEmbedding.bilinear(means, channels: 512, from: (2, 2), to: (4, 4), channelsLast: false)
        for l in 0..<16 {
            for j in stride(from: 0, to: 512, by: 41) {
                worst = max(worst, abs(embedding[l * 1024 + 512 + j] - resized[j * 16 + l]))
            }
        }
        #expect(worst < 1e-5, "max abs difference \(worst)")
    }

    @Test func anomalibEmbeddingConcatenatesAveragePooledStages() {
        let layer2 = Self.stage(3, 4, 4, seed: 5), layer3 = Self.stage(5, 2, 2, seed: 6)
        let embedding = PatchEmbedding.anomalib.embed([layer2, layer3])
        #expect(embedding.count == 16 * 8)
        #expect(PatchEmbedding.anomalib.dimension(channels: [512, 1024]) == 1536)
        // Corner location, channel 0: zero padding counts, so the mean divides by 9.
        let corner = (layer2.values[0] + layer2.values[1] + layer2.values[4] + layer2.values[5]) / 9
        #expect(abs(embedding[0] - corner) < 1e-6)
    }

    @Test func adaptiveWindowsFollowPyTorch() {
        let windows = AdaptiveWindows(length: 4608, count: 1024)
        #expect(windows.starts[0] == 0 && windows.ends[0] == 5)
        #expect(windows.starts[1] == 4 && windows.ends[1] == 9)
        let exact = AdaptiveWindows(length: 2048, count: 1024)
        #expect(exact.starts[3] == 6 && exact.ends[3] == 8)
    }

    @Test func bilinearResizeMatchesPyTorchAlignCornersFalse() {
        // F.interpolate([[1, 2], [3, 4]], size=(4, 4), mode="bilinear", align_corners=False) first row.
        let resized = PatchEmbedding.bilinear([1, 2, 3, 4], channels: 1, from: (2, 2), to: (4, 4), channelsLast: false)
        #expect(resized[0..<4].map { ($0 * 100).rounded() / 100 } == [1, 1.25, 1.75, 2])
        #expect(resized[4..<8].map { ($0 * 100).rounded() / 100 } == [1.5, 1.75, 2.25, 2.5])
    }
}
