import Backbones
import Compute
import Foundation
import Imaging
import Testing
@testable import AnomalyDetection

/// Issue 9 item 3: Gaussian AD's image scores against scikit-learn's LedoitWolf + SciPy's Mahalanobis
/// (Fixtures/make_detector_fixtures.py), its Grad-CAM maps, the pipeline on images, and its model file.
@Suite struct GaussianADTests {
    static func settings() -> GaussianADSettings {
        var settings = GaussianADSettings.official
        settings.stages = ["layer2", "layer3"]
        settings.preprocessing = PatchCoreTests.settings().preprocessing
        return settings
    }

    /// A Features value with `pooled` vectors and a constant 2×2 deepest map that averages to the last of them.
    static func features(_ pooled: [[Float]]) -> GaussianAD.Features {
        let last = pooled[pooled.count - 1]
        return GaussianAD.Features(pooled: pooled, deepest: StageFeatures(
            channels: last.count, height: 2, width: 2, values: last.flatMap { [$0, $0, $0, $0] }))
    }

    /// Tolerance: float32 GEMM scatter and float32 precision matrices, relative 10⁻⁴.
    @Test func imageScoresMatchScikitLearn() throws {
        let c = GaussianStatisticsTests.fixtures.gaussian
        func images(_ levels: [[Double]], _ count: Int) -> [GaussianAD.Features] {
            (0..<count).map { n in
                Self.features(zip(levels, c.channels).map { values, channels in
                    values[(n * channels)..<((n + 1) * channels)].map(Float.init)
                })
            }
        }
        for device in try GaussianStatisticsTests.devices() {
            let detector = try GaussianAD(settings: Self.settings(), extractor: PoolingExtractor(device: device))
            let model = try detector.fit(images(c.train, c.n), trainingImages: c.n)
            #expect(model.levels.map(\.mean.count) == c.channels)
            let scores = try detector.score(images(c.test, 3), model: model, resident: ())
            for (i, score) in scores.enumerated() {
                expectNear(score.score, c.scores[i], 1e-4 * c.scores[i], "\(device.info.identifier) image \(i)")
            }
        }
    }

    /// The Grad-CAM map is `ReLU(Σ_c ∂S/∂A_c · A_c)` with the gradient measured by central differences of the score
    /// (a change of `A[c, l]` by `ε` moves the pooled vector by `ε / (h·w)`).
    @Test func gradCAMUsesTheScoreGradient() throws {
        let c = GaussianStatisticsTests.fixtures.gaussian
        let detector = try GaussianAD(settings: Self.settings(), extractor: PoolingExtractor(device: CPUDevice.reference))
        var train: [GaussianAD.Features] = []
        for n in 0..<c.n {
            let deep: [Float] = c.train[0][(n * 9)..<((n + 1) * 9)].map { Float($0) }
            let shallow: [Float] = [Float(n), Float(n % 3)]
            train.append(Self.features([shallow, deep]))
        }
        let model = try detector.fit(train, trainingImages: c.n)
        var image = Self.features([[3, 1], c.test[0][0..<9].map(Float.init)])
        // A deepest map that varies by location but keeps its average.
        for channel in 0..<9 {
            let sign = Float(channel % 3 - 1)
            for l in 0..<4 {
                let offset: Float = 0.25 * Float(2 * l - 3) * sign
                image.deepest.values[channel * 4 + l] += offset
            }
        }
        let result = try detector.score([image], model: model, resident: ())[0]
        let epsilon: Float = 1e-2
        var gradient = [Double](repeating: 0, count: 9)
        for channel in 0..<9 {
            var plus = image, minus = image
            plus.pooled[1][channel] += epsilon / 4
            minus.pooled[1][channel] -= epsilon / 4
            let up: Double = try detector.score([plus], model: model, resident: ())[0].score
            let down: Double = try detector.score([minus], model: model, resident: ())[0].score
            let step = 2 * Double(epsilon)
            gradient[channel] = (up - down) / step
        }
        for l in 0..<4 {
            var sum = 0.0
            for channel in 0..<9 { sum += gradient[channel] * Double(image.deepest.values[channel * 4 + l]) }
            let expected = max(0, sum)
            expectNear(Double(result.patchScores[l]), expected, 1e-3 * max(1, abs(expected)), "location \(l)")
        }
        #expect(result.patchScores.contains { $0 > 0 })
    }

    @Test func aDefectRaisesTheScoreAndFilesRoundTrip() throws {
        let fixture = try ImageFolderFixture()
        let train = try (0..<8).map { try fixture.image("train\($0)", seed: $0) }
        let detector = try GaussianAD(settings: Self.settings(), extractor: PoolingExtractor(device: CPUDevice.reference))
        let model = try detector.fit(train)
        let test = try detector.prepare([try fixture.image("good", seed: 20),
                                         try fixture.image("bad", seed: 21, defect: true)])
        let scores = try detector.loaded(model).score(test)
        #expect(scores[1].score > scores[0].score)
        #expect(scores[0].map.width == 64)
        let url = fixture.root.appending(path: "model.gaussian")
        try model.write(to: url)
        let read = try GaussianADModel.read(url)
        #expect(read.levels.map(\.precision) == model.levels.map(\.precision) && read.settings == model.settings)
        #expect {
            try PaDiMModel.read(url)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("it holds a gaussian model, not a padim model")
        }
    }
}
