import Backbones
import Compute
import Foundation
import Fractals
import Testing

/// A narrow ResNet learns a small generated fractal set: 8 classes of 8 jittered renders each (FractalDB-style
/// instances, 32×32), written by `DatasetWriter` and read back as an ImageFolder, reaches at least 90% top-1
/// accuracy on its (unaugmented) training images within 320 SGD steps. About a minute in a debug build, so it
/// runs with `FRACTALAD_SLOW_TESTS=1`.
@Suite struct ConvergenceTests {
    @Test(.enabled(if: TestTier.slow, "set FRACTALAD_SLOW_TESTS=1"))
    func aSmallResNetLearnsAFractalSet() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let device = CPUDevice.fastShared
        var render = RenderSettings()
        render.size = 32
        render.points = 5_000
        render.walkers = 32
        let spec = DatasetSpec(mode: .instances, classes: 8, perClass: 8, seed: 4, render: render)
        let sampler = try IFSSampler(minMaps: 2, maxMaps: 4, translationBound: 1, sigmaFactorRange: nil)
        _ = try DatasetWriter(spec: spec, systems: SystemsFile.sample(count: 8, sampler: sampler, seed: 4), root: root,
                              device: device).run()

        var configuration = TrainingConfiguration()
        configuration.architecture = Fixtures.tinyBasic.name
        configuration.classes = 8
        configuration.epochs = 80
        configuration.batchSize = 16
        configuration.imageSize = 32
        configuration.warmupEpochs = 2
        configuration.learningRate = 0.05
        configuration.mixProbability = 0
        configuration.augmentation = .none
        let data = try ImageFolderData(folder: try ImageFolder(root: root), configuration: configuration,
                                       device: device)
        let trainer = try Trainer(configuration: configuration, data: data, device: device,
                                  architecture: Fixtures.tinyBasic)
        var last: EpochSummary?
        try trainer.run(evaluateEvery: 20) { event in
            if case let .epoch(summary) = event { last = summary }
        }
        let summary = try #require(last)
        #expect(trainer.optimizer.steps == 320)
        let accuracy = try #require(summary.evaluation).accuracy
        #expect(accuracy >= 0.9, "accuracy \(accuracy) after 320 steps (training loss \(summary.totals.meanLoss))")
    }
}
