import Backbones
import Compute
import Foundation
import Imaging
import Testing
@testable import AnomalyDetection

/// Issue 9 item 4: SPADE's image scores and maps against NumPy/SciPy (Fixtures/make_detector_fixtures.py), the
/// pipeline on images, and its model file.
@Suite struct SPADETests {
    static func settings(neighbors: Int = 3) -> SPADESettings {
        var settings = SPADESettings.official
        settings.stages = ["layer2", "layer3"]
        settings.neighbors = neighbors
        settings.preprocessing = PatchCoreTests.settings().preprocessing
        return settings
    }

    /// Tolerances: squared distances from the top-k kernel (relative `(D + 8)·2⁻²⁴`), float32 maps, relative 10⁻⁴.
    @Test func scoresAndMapsMatchNumPy() throws {
        let c = GaussianStatisticsTests.fixtures.spade
        let pooledDimension = c.grids.reduce(0) { $0 + $1[2] }
        func images(_ maps: [[Double]], _ pooled: [Double], _ count: Int) -> [SPADE.Features] {
            (0..<count).map { n in
                SPADE.Features(
                    pooled: pooled[(n * pooledDimension)..<((n + 1) * pooledDimension)].map(Float.init),
                    stages: zip(c.grids, maps).map { grid, values in
                        let size = grid[0] * grid[1] * grid[2]
                        return FeatureGrid(rows: values[(n * size)..<((n + 1) * size)].map(Float.init),
                                           grid: (grid[0], grid[1]), dimension: grid[2])
                    })
            }
        }
        var settings = Self.settings(neighbors: c.k)
        settings.preprocessing.resize = c.side
        settings.preprocessing.crop = c.side
        settings.mapSigma = c.sigma
        for device in try GaussianStatisticsTests.devices() {
            let spade = try SPADE(settings: settings, extractor: PoolingExtractor(device: device))
            let model = try spade.fit(images(c.train, c.trainPooled, c.n), trainingImages: c.n)
            let results = try spade.score(images(c.test, c.testPooled, 2), model: model,
                                          resident: try spade.resident(model))
            for (i, result) in results.enumerated() {
                let label = "\(device.info.identifier) image \(i)"
                expectNear(result.score, c.scores[i], 1e-5 * c.scores[i], label)
                #expect(result.map.width == c.side && result.map.height == c.side)
                for (p, (got, expected)) in zip(result.map.values, c.maps[i]).enumerated() {
                    expectNear(Double(got), expected, 1e-4 * expected + 1e-5, "\(label) pixel \(p)")
                }
            }
        }
    }

    @Test func aDefectRaisesTheScoreAndFilesRoundTrip() throws {
        let fixture = try ImageFolderFixture()
        let train = try (0..<6).map { try fixture.image("train\($0)", seed: $0) }
        let spade = try SPADE(settings: Self.settings(), extractor: PoolingExtractor(device: CPUDevice.reference))
        let model = try spade.fit(train)
        #expect(model.pooledDimension == 6 && model.stages.map(\.channels) == [3, 3])
        let test = try spade.prepare([try fixture.image("good", seed: 20),
                                      try fixture.image("bad", seed: 21, defect: true)])
        let scores = try spade.loaded(model).score(test)
        #expect(scores[1].score > scores[0].score)
        #expect(scores[1].map.values[16 * 64 + 44] > scores[1].map.values[50 * 64 + 10])
        let url = fixture.root.appending(path: "model.spade")
        try model.write(to: url)
        let read = try SPADEModel.read(url)
        #expect(read.pooled == model.pooled && read.stages.map(\.rows) == model.stages.map(\.rows))
        #expect {
            try GaussianADModel.read(url)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("it holds a spade model, not a gaussian model")
        }
        #expect {
            try spade.fit(Array(try spade.features(of: train).prefix(2)), trainingImages: 2)
        } throws: { error in
            "\(error)".contains("3 nearest images need at least 3 training images, got 2")
        }
    }
}
