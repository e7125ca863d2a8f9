@testable import Backbones
import Compute
import Foundation
import Fractals
import Imaging
import Testing
import TestSupport

@Suite struct ScheduleTests {
    @Test func cosineScheduleFollowsTimmAsOFDBConfiguresIt() {
        // timm CosineLRScheduler(t_initial=20, lr_min=1e-5, warmup_t=5, warmup_lr_init=1e-6), stepped per epoch.
        let schedule = CosineSchedule(baseLearningRate: 0.1, epochs: 20)
        let expected: [(Int, Double)] = [(0, 1e-6), (1, 0.0200008), (4, 0.0800002), (5, 0.08535680352542145),
                                         (10, 0.050005), (19, 0.0006255214119460928), (20, 1e-5), (25, 1e-5)]
        for (epoch, rate) in expected {
            #expect(abs(schedule.learningRate(epoch: epoch) - rate) <= 1e-12 * max(1, rate), "epoch \(epoch)")
        }
        let noWarmup = CosineSchedule(baseLearningRate: 0.1, epochs: 4, warmupEpochs: 0)
        #expect(noWarmup.learningRate(epoch: 0) == 0.1)
    }
}

/// Small runs on fractals rendered on the fast CPU device (deterministic: no atomics, fixed reduction chunks).
@Suite struct TrainerTests {
    static let device = CPUDevice.fastShared

    static func configuration(epochs: Int = 3, mix: Double = 0.8) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.architecture = Fixtures.tinyBasic.name
        c.classes = 4
        c.epochs = epochs
        c.batchSize = 4
        c.imageSize = 32
        c.rendersPerClass = 2
        c.evaluationRenders = 4
        c.warmupEpochs = 1
        c.mixProbability = mix
        c.augmentation = .none
        c.seed = 5
        return c
    }

    static func stream(_ configuration: TrainingConfiguration) throws -> FractalStreamData {
        let sampler = try IFSSampler(minMaps: 2, maxMaps: 3, translationBound: 1, sigmaFactorRange: nil)
        var render = RenderSettings()
        render.points = 3_000
        render.walkers = 16
        return try FractalStreamData(systems: SystemsFile.sample(count: 4, sampler: sampler, seed: 3), render: render,
                                     configuration: configuration, device: device)
    }

    static func trainer(_ configuration: TrainingConfiguration) throws -> Trainer {
        try Trainer(configuration: configuration, data: try stream(configuration), device: device,
                    architecture: Fixtures.tinyBasic)
    }

    static func weights(_ trainer: Trainer) throws -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for case let (name, tensor) in try trainer.model.stateTensors() where tensor.dtype == .float32 {
            result[name] = try tensor.floats()
        }
        return result
    }

    @Test func anInterruptedRunResumesExactly() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let straight = try Self.trainer(Self.configuration())
        var epochs: [EpochSummary] = []
        #expect(try straight.run(evaluateEvery: 1, directory: folder.appending(path: "a")) { event in
            if case let .epoch(summary) = event { epochs.append(summary) }
        })
        #expect(epochs.map(\.epoch) == [0, 1, 2] && epochs.allSatisfy { $0.totals.images == 8 })
        #expect(epochs.allSatisfy { $0.evaluation != nil })

        // Stop after three batches (in the middle of epoch 2), then continue in a new trainer.
        let runFolder = folder.appending(path: "b")
        let first = try Self.trainer(Self.configuration())
        let cancellation = CancellationFlag()
        var batches = 0
        #expect(try !first.run(cancellation: cancellation, directory: runFolder) { event in
            if case .batch = event {
                batches += 1
                if batches == 3 { cancellation.cancel() }
            }
        })
        #expect(first.position == BatchPosition(epoch: 1, batch: 1))
        let second = try Self.trainer(Self.configuration())
        try second.resume(from: runFolder.appending(path: Trainer.checkpointFile))
        #expect(second.position == BatchPosition(epoch: 1, batch: 1))
        #expect(second.optimizer.steps == 3)
        #expect(try second.run(directory: runFolder))
        #expect(try Self.weights(second) == Self.weights(straight), "resumed weights differ from an uninterrupted run")
        #expect(second.model.bn1.batchesTracked.value == 6)

        // The log has one row per epoch across both processes; the model file loads as the trained network.
        let log = try String(contentsOf: runFolder.appending(path: Trainer.logFile), encoding: .utf8)
        let rows = log.split(separator: "\n")
        #expect(rows.first.map(String.init) == TrainingLog.header && rows.count == 4)
        let straightLog = try String(contentsOf: folder.appending(path: "a").appending(path: Trainer.logFile),
                                     encoding: .utf8)
        let columns = { (row: Substring) in row.split(separator: ",", omittingEmptySubsequences: false).prefix(6) }
        #expect(rows.map(columns) == straightLog.split(separator: "\n").map(columns))
        let reloaded = try ResNet(Fixtures.tinyBasic, classes: 4, initialization: .none, device: Self.device)
        try reloaded.load(from: runFolder.appending(path: Trainer.modelFile))
        #expect(try reloaded.fc.weight.value.floats() == second.model.fc.weight.value.floats())
    }

    @Test func resumingWithOtherSettingsIsRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try Self.trainer(Self.configuration(epochs: 1))
        try trainer.saveCheckpoint(in: folder)
        var other = Self.configuration(epochs: 1)
        other.batchSize = 2
        other.learningRate = 0.05
        let changed = try Self.trainer(other)
        #expect {
            try changed.resume(from: folder.appending(path: Trainer.checkpointFile))
        } throws: { error in
            "\(error)".contains("batchSize: 4 → 2") && "\(error)".contains("learningRate: 0.1 → 0.05")
        }
        #expect(throws: BackboneError.self) { try changed.resume(from: folder.appending(path: Trainer.modelFile)) }
    }

    /// Issue 7 item 8: rows logged after the checkpoint (by a process killed before its next checkpoint) are
    /// dropped on resume, so every epoch appears once.
    @Test func resumingDropsLogRowsAfterTheCheckpoint() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Self.trainer(Self.configuration(mix: 0))
        let cancellation = CancellationFlag()
        var batches = 0
        #expect(try !first.run(cancellation: cancellation, directory: folder) { event in
            if case .batch = event {
                batches += 1
                if batches == 3 { cancellation.cancel() }
            }
        })
        let log = folder.appending(path: Trainer.logFile)
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("2,0.1,1.0,0.5,,,8,1.000,8.00\n3,0.1,1.0,0.5,,,8,1.000,8.00\n".utf8))
        try handle.close()
        let second = try Self.trainer(Self.configuration(mix: 0))
        try second.resume(from: folder.appending(path: Trainer.checkpointFile))
        #expect(try second.run(directory: folder))
        let epochs = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.prefix { $0 != "," } }
        #expect(epochs == ["1", "2", "3"])
    }

    /// Issue 7 item 2: a checkpoint's counters are checked against the run (naming the file and the field) before
    /// they index batches or count steps.
    @Test(arguments: [("next_batch", "-1"), ("next_batch", "1000000"), ("next_epoch", "-5"),
                      ("next_epoch", "9223372036854775807"), ("optimizer_steps", "9223372036854775807"),
                      ("optimizer_steps", "1"),
                      ("epoch_totals", #"{"correct":5,"images":4,"lossSum":1,"seconds":1}"#)])
    func damagedCountersAreRefusedByName(field: String, value: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.trainer(Self.configuration(epochs: 2)).saveCheckpoint(in: folder)
        let url = folder.appending(path: Trainer.checkpointFile)
        var file = try SafeTensorsFile.read(url)
        file.metadata[field] = value
        try file.write(to: url)
        let resumed = try Self.trainer(Self.configuration(epochs: 2))
        #expect {
            try resumed.resume(from: url)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("field \(field)")
        }
    }

    /// Issue 7 item 12: a momentum buffer of integers is refused naming the file and the tensor.
    @Test func anIntegerMomentumBufferNamesTheFileAndTensor() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try Self.trainer(Self.configuration(epochs: 2))
        try trainer.saveCheckpoint(in: folder)
        let url = folder.appending(path: Trainer.checkpointFile)
        var file = try SafeTensorsFile.read(url)
        file.tensors["optimizer.fc.bias.momentum"] = SafeTensor(scalar: 3)
        try file.write(to: url)
        #expect {
            try Self.trainer(Self.configuration(epochs: 2)).resume(from: url)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("tensor optimizer.fc.bias.momentum: a I64 tensor")
        }
    }

    /// Issue 7 item 2: resuming a finished run writes its model rather than exiting without one.
    @Test func resumingAFinishedRunWritesTheModel() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let finished = try Self.trainer(Self.configuration(epochs: 1, mix: 0))
        #expect(try finished.run(directory: folder))
        let model = folder.appending(path: Trainer.modelFile)
        try FileManager.default.removeItem(at: model)
        let again = try Self.trainer(Self.configuration(epochs: 1, mix: 0))
        try again.resume(from: folder.appending(path: Trainer.checkpointFile))
        #expect(again.position == BatchPosition(epoch: 1, batch: 0))
        #expect(try again.run(directory: folder))
        let reloaded = try ResNet(Fixtures.tinyBasic, classes: 4, initialization: .none, device: Self.device)
        try reloaded.load(from: model)
        #expect(try reloaded.fc.weight.value.floats() == finished.model.fc.weight.value.floats())
    }

    @Test func deviceMixingEqualsImagingsBatchMixing() throws {
        let configuration = Self.configuration(mix: 1)
        let data = try Self.stream(configuration)
        var seen: Set<String> = []
        for batch in 0..<12 where seen.count < 2 {
            let position = BatchPosition(epoch: batch / 2, batch: batch % 2)
            let choice = MixingChoice(configuration: configuration, position: position)
            let kind = "\(choice.mixing!)".hasPrefix("cutMix") ? "cutMix" : "mixUp"
            guard seen.insert(kind).inserted else { continue }
            let got = try #require(try data.trainingBatches(from: position, endEpoch: position.epoch + 1).next())
            // The same renders, normalised and mixed on the host by Imaging.
            let slots = data.order(for: position)
            let classes = slots.map { $0 % 4 }
            let jobs = slots.map { RenderJob(system: data.systems[$0 % 4], imageIndex: position.epoch * 8 + $0) }
            let pixels = try data.renderer.renderTensor(jobs).images.bytes()
            var planes: [Float] = []
            for i in 0..<4 {
                planes += try ByteImage(width: 32, height: 32, channels: 3,
                                        pixels: Array(pixels[(i * 3072)..<((i + 1) * 3072)]))
                    .normalizedPlanes(mean: ByteImage.imageNetMean, std: ByteImage.imageNetStd)
            }
            var random = choice.random
            let mixed = try choice.mixing!.apply(images: planes, shape: (4, 3, 32, 32), labels: classes, classCount: 4,
                                                 random: &random)
            expectClose(try got.images.floats(), mixed.images, .elementwise(absolute: 2e-6, relative: 1e-6),
                        "\(kind) images")
            expectClose(try got.targets.floats(), mixed.targets, .elementwise(absolute: 1e-7, relative: 0),
                        "\(kind) targets")
            #expect(try got.labels.int32s() == classes.map(Int32.init))
        }
        #expect(seen == ["cutMix", "mixUp"])
    }

    @Test func devicePastingAndRollingMatchTheHostOnDenseImages() throws {
        // Renders are mostly black, so check the buffer copies on random pixels too.
        let data = try Self.stream(Self.configuration())
        var random = PhiloxStream(seed: 1, stream: (2, 3, 4))
        let pixels = (0..<(3 * 9 * 9 * 3)).map { _ in UInt8(truncatingIfNeeded: random.nextUInt32()) }
        let images = try Tensor(pixels, shape: [3, 9, 9, 3], on: Self.device)
        let box = (x0: 2, y0: 3, x1: 7, y1: 5)
        let pasted = try data.pasteBoxes(images, box: box).bytes()
        for n in 0..<3 {
            for y in 0..<9 {
                for x in 0..<9 {
                    let inside = (box.y0..<box.y1).contains(y) && (box.x0..<box.x1).contains(x)
                    let source = inside ? (n + 2) % 3 : n
                    for c in 0..<3 {
                        #expect(pasted[((n * 9 + y) * 9 + x) * 3 + c] == pixels[((source * 9 + y) * 9 + x) * 3 + c])
                    }
                }
            }
        }
        let floats = try Tensor(testValues(3 * 5, seed: 3), shape: [3, 5], on: Self.device)
        let values = try floats.floats()
        #expect(try data.rolled(floats).floats() == Array(values[10...]) + Array(values[..<10]))
    }

    @Test func rendersAugmentedOnTheHostMatchImagingsPipeline() throws {
        var configuration = Self.configuration(mix: 0)
        configuration.augmentation = .ofdb
        let data = try Self.stream(configuration)
        let position = BatchPosition(epoch: 1, batch: 1)
        let got = try #require(try data.trainingBatches(from: position, endEpoch: 2).next())
        let slots = data.order(for: position)
        let jobs = slots.map { RenderJob(system: data.systems[$0 % 4], imageIndex: 8 + $0) }
        let pixels = try data.renderer.renderTensor(jobs).images.bytes()
        let augmentation = TrainingAugmentation(seed: 5, crop: RandomResizedCrop(width: 32, height: 32),
                                                autoAugment: AutoAugment(), erasing: RandomErasing(probability: 0.5))
        var expected: [Float] = []
        for (i, job) in jobs.enumerated() {
            let image = try ByteImage(width: 32, height: 32, channels: 3,
                                      pixels: Array(pixels[(i * 3072)..<((i + 1) * 3072)]))
            expected += try augmentation(image, index: job.imageIndex, epoch: 1)
        }
        #expect(try got.images.floats() == expected)
    }

    @Test func everySampleIsAFreshRender() throws {
        let data = try Self.stream(Self.configuration(mix: 0))
        let batches = try data.trainingBatches(from: BatchPosition(epoch: 0, batch: 0), endEpoch: 2)
        var images: [[Float]] = []
        while let batch = try batches.next() {
            let values = try batch.images.floats()
            for i in 0..<batch.count { images.append(Array(values[(i * 3072)..<((i + 1) * 3072)])) }
        }
        #expect(images.count == 16)
        #expect(Set(images.map { $0.description.hashValue }).count == 16)
        let evaluation = try data.evaluationBatches()
        let first = try #require(try evaluation.next())
        #expect(first.count == 4)
        #expect(try evaluation.next() == nil)
        let again = try #require(try data.evaluationBatches().next())
        #expect(try first.images.floats() == again.images.floats(), "evaluation renders are the same every time")
    }
}

extension FractalStreamData {
    /// The sample slots of a training batch, as the stream orders them.
    func order(for position: BatchPosition) -> [Int] {
        EpochOrder(sampleCount: epochSize, batchSize: configuration.batchSize, seed: configuration.seed)
            .slots(epoch: position.epoch, batch: position.batch)
    }
}

/// Batch positions are computed on demand: a run of ten million epochs costs nothing to set up.
@Suite struct BatchPositionTests {
    @Test func positionsOfAHugeRunAreComputedOnDemand() {
        let order = EpochOrder(sampleCount: 9, batchSize: 4, seed: 0)  // batches of 4, 4 and 1 → 2 per epoch
        let positions = order.positions(from: BatchPosition(epoch: 3, batch: 1), endEpoch: 1 << 40)
        #expect(positions.count == 2 * (1 << 40) - 7)
        #expect(Array(positions.prefix(3)) == [BatchPosition(epoch: 3, batch: 1), BatchPosition(epoch: 4, batch: 0),
                                                BatchPosition(epoch: 4, batch: 1)])
        #expect(positions.last == BatchPosition(epoch: (1 << 40) - 1, batch: 1))
        #expect(Array(order.positions(from: BatchPosition(epoch: 0, batch: 2), endEpoch: 2))
                    == [BatchPosition(epoch: 1, batch: 0), BatchPosition(epoch: 1, batch: 1)])
        #expect(order.positions(from: BatchPosition(epoch: 5, batch: 0), endEpoch: 5).isEmpty)
    }

    /// Training renders are numbered below the evaluation renders; a run too long for that is refused.
    @Test func aStreamTooLongForItsRenderIndicesIsRefused() throws {
        var configuration = TrainerTests.configuration()
        configuration.classes = 8
        configuration.rendersPerClass = 1_000_000
        configuration.epochs = 10_000_000
        let sampler = try IFSSampler(minMaps: 2, maxMaps: 3, translationBound: 1, sigmaFactorRange: nil)
        #expect {
            try FractalStreamData(systems: SystemsFile.sample(count: 8, sampler: sampler, seed: 3),
                                  render: RenderSettings(), configuration: configuration, device: CPUDevice.fastShared)
        } throws: { error in
            "\(error)".contains("10000000 epochs of 8000000 renders exceed")
        }
    }
}

@Suite struct ImageFolderTests {
    /// `root/<class>/<n>.png` with solid colours, plus files and folders ImageFolder must ignore.
    static func makeFolder(classes: [String: Int]) throws -> URL {
        let root = try temporaryFolder()
        for (name, count) in classes {
            let folder = root.appending(path: name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0..<count {
                let image = try ByteImage(width: 40, height: 30, channels: i % 2 == 0 ? 3 : 1,
                                          value: UInt8(truncatingIfNeeded: 37 * i + name.count * 11))
                try PNG.write(image, to: folder.appending(path: String(format: "img_%03d.png", i)))
            }
            try Data("not an image".utf8).write(to: folder.appending(path: "notes.txt"))
            try Data().write(to: folder.appending(path: ".hidden.png"))
        }
        try FileManager.default.createDirectory(at: root.appending(path: "empty"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: root.appending(path: "manifest.json"))
        return root
    }

    @Test func classesAreSortedFoldersWithImages() throws {
        let root = try Self.makeFolder(classes: ["b": 2, "a": 3, "c10": 1])
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try ImageFolder(root: root)
        #expect(folder.classes == ["a", "b", "c10"])
        #expect(folder.samples.map(\.label) == [0, 0, 0, 1, 1, 2])
        #expect(folder.samples.map(\.url.lastPathComponent) == ["img_000.png", "img_001.png", "img_002.png",
                                                                "img_000.png", "img_001.png", "img_000.png"])
        let (training, validation) = folder.split(validationFraction: 0.4, seed: 1)
        #expect(Set(training).isDisjoint(with: validation) && training.count + validation.count == 6)
        #expect(validation.map { folder.samples[$0].label }.sorted() == [0, 1])
        #expect(folder.split(validationFraction: 0.4, seed: 1) == (training, validation))
        #expect(throws: BackboneError.self) { try ImageFolder(root: root.appending(path: "empty")) }
    }

    @Test func batchesAreDeterministicPrefetchedAndWellFormed() throws {
        let root = try Self.makeFolder(classes: ["x": 5, "y": 4])
        defer { try? FileManager.default.removeItem(at: root) }
        var configuration = TrainingConfiguration()
        configuration.classes = 3
        configuration.batchSize = 4
        configuration.imageSize = 32
        configuration.validationFraction = 0.25
        let data = try ImageFolderData(folder: try ImageFolder(root: root), configuration: configuration,
                                       device: CPUDevice.fastShared)
        #expect(data.epochSize == 7 && data.validationIndices.count == 2)
        let first = try data.trainingBatches(from: BatchPosition(epoch: 0, batch: 0), endEpoch: 2)
        var counts: [Int] = []
        var firstImages: [Float] = []
        while let batch = try first.next() {
            counts.append(batch.count)
            if firstImages.isEmpty { firstImages = try batch.images.floats() }
            let targets = try batch.targets.floats()
            for row in 0..<batch.count {
                #expect(abs(targets[(row * 3)..<(row * 3 + 3)].reduce(0, +) - 1) < 1e-6)
            }
            #expect(try batch.images.floats().allSatisfy(\.isFinite))
        }
        #expect(counts == [4, 3, 4, 3])
        let again = try #require(try data.trainingBatches(from: BatchPosition(epoch: 0, batch: 0), endEpoch: 1).next())
        #expect(try again.images.floats() == firstImages)
        let evaluation = try data.evaluationBatches()
        #expect(try evaluation.next()?.count == 2)
        #expect(try evaluation.next() == nil)
    }

    @Test func aBrokenImageFailsTheBatchWithItsName() throws {
        let root = try Self.makeFolder(classes: ["x": 3])
        defer { try? FileManager.default.removeItem(at: root) }
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: root.appending(path: "x/img_001.png"))
        var configuration = TrainingConfiguration()
        configuration.batchSize = 3
        configuration.imageSize = 32
        let data = try ImageFolderData(folder: try ImageFolder(root: root), configuration: configuration,
                                       device: CPUDevice.fastShared)
        #expect {
            _ = try data.trainingBatches(from: BatchPosition(epoch: 0, batch: 0), endEpoch: 1).next()
        } throws: { "\($0)".contains("img_001.png") }
    }
}

@Suite struct PrefetcherTests {
    @Test func itemsArriveInOrderAndErrorsPassThrough() throws {
        let prefetcher = Prefetcher(count: 20, depth: 3) { index in index * index }
        var got: [Int] = []
        while let item = try prefetcher.next() { got.append(item) }
        #expect(got == (0..<20).map { $0 * $0 })
        struct Failure: Error {}
        let failing = Prefetcher(count: 5) { index in
            if index == 2 { throw Failure() }
            return index
        }
        #expect(try failing.next() == 0)
        #expect(try failing.next() == 1)
        #expect(throws: Failure.self) { try failing.next() }
    }
}
