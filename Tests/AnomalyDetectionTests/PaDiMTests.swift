import Backbones
import Compute
import Foundation
import Imaging
import Testing
@testable import AnomalyDetection

/// Issue 9 item 2: PaDiM's patch scores against NumPy/scikit-learn (Fixtures/make_detector_fixtures.py), its
/// features, the pipeline on images, and its model file.
@Suite struct PaDiMTests {
    static func settings(_ covariance: CovarianceEstimator = .regularized) -> PaDiMSettings {
        var settings = PaDiMSettings.official
        settings.stages = ["layer2", "layer3"]
        settings.covariance = covariance
        settings.preprocessing = PatchCoreTests.settings().preprocessing
        return settings
    }

    /// Mahalanobis patch scores of fixed features; tolerance: float32 GEMM scatter and float32 precision matrices
    /// (condition below 10³), relative 10⁻⁴.
    @Test(arguments: 0..<2)
    func patchScoresMatchNumPy(_ index: Int) throws {
        let c = GaussianStatisticsTests.fixtures.padim[index]
        let locations = c.height * c.width
        func grids(_ values: [Double], _ count: Int) -> [FeatureGrid] {
            (0..<count).map { n in
                FeatureGrid(rows: values[(n * locations * c.d)..<((n + 1) * locations * c.d)].map(Float.init),
                            grid: (c.height, c.width), dimension: c.d)
            }
        }
        for device in try GaussianStatisticsTests.devices() {
            let padim = try PaDiM(settings: Self.settings(CovarianceEstimator(rawValue: c.estimator)!),
                                  extractor: PoolingExtractor(device: device))
            let model = try padim.fit(grids(c.train, c.n), trainingImages: c.n)
            let scores = try padim.score(grids(c.test, 2), model: model, resident: ())
            for (i, score) in scores.enumerated() {
                for l in 0..<locations {
                    let expected = c.scores[i * locations + l]
                    expectNear(Double(score.patchScores[l]), expected, 1e-4 * expected + 1e-5,
                               "\(c.estimator) \(device.info.identifier) image \(i) location \(l)")
                }
                #expect(score.score == Double(score.map.values.max()!))
            }
        }
    }

    /// Deeper stages are copied onto the first stage's grid (nearest) and the seeded channels are kept.
    @Test func featuresAreTheAlignedChannelSubset() throws {
        var settings = Self.settings()
        settings.featureCount = 4
        settings.seed = 11
        let extractor = PoolingExtractor(device: CPUDevice.reference)
        let padim = try PaDiM(settings: settings, extractor: extractor)
        let fixture = try ImageFolderFixture()
        let images = try padim.prepare([try fixture.image("a", seed: 1)])
        let feature = try padim.features(images)[0]
        #expect(feature.grid == (16, 16) && feature.dimension == 4)
        let channels = PaDiM.channelSubset(total: 6, count: 4, seed: 11)
        #expect(channels == PaDiM.channelSubset(total: 6, count: 4, seed: 11) && channels == channels.sorted())
        #expect(Set(channels).count == 4 && channels.allSatisfy { (0..<6).contains($0) })
        #expect(PaDiM.channelSubset(total: 448, count: 100, seed: 11) != PaDiM.channelSubset(total: 448, count: 100,
                                                                                              seed: 12))
        let batch = try Tensor(images[0].planes, shape: [1, 3, 64, 64], on: CPUDevice.reference)
        let stages = try extractor.stageFeatures(batch, stages: ["layer2", "layer3"]).map { try $0.floats() }
        for y in [0, 5, 15] {
            for x in [0, 8, 15] {
                for (j, channel) in channels.enumerated() {
                    let expected = channel < 3 ? stages[0][(channel * 16 + y) * 16 + x]
                        : stages[1][((channel - 3) * 8 + y / 2) * 8 + x / 2]
                    #expect(feature.rows[(y * 16 + x) * 4 + j] == expected)
                }
            }
        }
        #expect(PaDiMSettings.official.features(ofTotal: 448) == 100)
        #expect(PaDiMSettings.official.features(ofTotal: 1792) == 550)
    }

    @Test(arguments: [CovarianceEstimator.regularized, .ledoitWolf])
    func aDefectRaisesTheScoreWhereItIs(_ covariance: CovarianceEstimator) throws {
        let fixture = try ImageFolderFixture()
        let train = try (0..<8).map { try fixture.image("train\($0)", seed: $0) }
        let padim = try PaDiM(settings: Self.settings(covariance), extractor: PoolingExtractor(device: CPUDevice.reference))
        let model = try padim.fit(train)
        #expect(model.bytes == 4 * 256 * (6 + 36))
        let test = try padim.prepare([try fixture.image("good", seed: 20), try fixture.image("bad", seed: 21, defect: true)])
        let scores = try padim.loaded(model).score(test)
        #expect(scores[1].score > scores[0].score)
        let map = scores[1].map
        #expect(map.values[16 * 64 + 44] > map.values[50 * 64 + 10])
    }

    @Test func modelFilesRoundTripAndOtherMethodsAreRefused() throws {
        let fixture = try ImageFolderFixture()
        let train = try (0..<4).map { try fixture.image("train\($0)", seed: $0) }
        let padim = try PaDiM(settings: Self.settings(.ledoitWolf), extractor: PoolingExtractor(device: CPUDevice.reference))
        let model = try padim.fit(train)
        let url = fixture.root.appending(path: "model.padim")
        try model.write(to: url)
        let read = try PaDiMModel.read(url)
        #expect(read.settings == model.settings && read.mean == model.mean && read.precision == model.precision)
        #expect(try ModelFile.read(url).method == .padim)
        #expect {
            try PatchCoreModel.read(url)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("it holds a padim model, not a patchcore model")
        }
        let patchCore = try ModelFileTests.model(fixture)
        #expect {
            try PaDiMModel.read(patchCore)
        } throws: { error in
            "\(error)".contains("it holds a patchcore model, not a padim model")
        }
        // A precision tensor of the wrong shape is named.
        var file = try SafeTensorsFile.read(url)
        file.tensors["precision"] = SafeTensor([1, 2, 3], shape: [3])
        try file.write(to: url)
        #expect {
            try PaDiMModel.read(url)
        } throws: { error in
            "\(error)".contains("precision has shape [3], expected [256, 6, 6]")
        }
    }

    @Test func singularCovariancesAreNamed() throws {
        var settings = Self.settings()
        settings.epsilon = 0
        let padim = try PaDiM(settings: settings, extractor: PoolingExtractor(device: CPUDevice.reference))
        let one = FeatureGrid(rows: [Float](repeating: 1, count: 2 * 3), grid: (1, 2), dimension: 3)
        #expect {
            try padim.fit([one, one], trainingImages: 2)
        } throws: { error in
            "\(error)".contains("covariance at location (0, 0) is not positive definite")
        }
    }
}
