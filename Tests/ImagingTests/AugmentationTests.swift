import Compute
import Foundation
import Imaging
import Synchronization
import Testing

@Suite struct AugmentationTests {
    static let image = try! ByteImage(width: 64, height: 48, channels: 3, pixels: testBytes(64 * 48 * 3, seed: 11))

    @Test func pipelineIsDeterministicPerSeedIndexAndEpoch() throws {
        let pipeline = TrainingAugmentation(seed: 42, crop: RandomResizedCrop(width: 32, height: 32),
                                            erasing: RandomErasing(probability: 0.5))
        let reference = try pipeline(Self.image, index: 3, epoch: 1)
        #expect(reference.count == 3 * 32 * 32)
        #expect(try pipeline(Self.image, index: 3, epoch: 1) == reference, "same seed, index, epoch → same values")
        #expect(try pipeline(Self.image, index: 4, epoch: 1) != reference, "another index")
        #expect(try pipeline(Self.image, index: 3, epoch: 2) != reference, "another epoch")
        var otherSeed = pipeline
        otherSeed.seed = 43
        #expect(try otherSeed(Self.image, index: 3, epoch: 1) != reference, "another seed")
        // Concurrent calls give the same bytes as serial ones.
        let serial = try (0..<8).map { try pipeline.augmentedImage(Self.image, index: $0, epoch: 0).pixels }
        let parallel = Mutex([[UInt8]](repeating: [], count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let pixels = (try? pipeline.augmentedImage(Self.image, index: index, epoch: 0).pixels) ?? []
            parallel.withLock { $0[index] = pixels }
        }
        #expect(parallel.withLock { $0 } == serial)
    }

    @Test func randomResizedCropBoxes() {
        let crop = RandomResizedCrop(width: 8, height: 8)
        for index in 0..<200 {
            var random = PhiloxStream.augmentation(seed: 1, index: index, epoch: 0, step: .resizedCrop)
            let box = crop.cropBox(imageWidth: 64, imageHeight: 48, random: &random)
            #expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= 64 && box.y + box.height <= 48)
            let area = Double(box.width * box.height) / Double(64 * 48)
            let ratio = Double(box.width) / Double(box.height)
            // Rounding the sides to integers moves area and ratio slightly outside the sampled ranges.
            #expect(area > 0.06 && area <= 1 && ratio > 0.6 && ratio < 1.6, "\(box)")
        }
        // A 1000×10 strip: no draw fits, so torchvision's fallback: full height, width round(10 · 4/3) = 13, centred.
        var random = PhiloxStream.augmentation(seed: 1, index: 0, epoch: 0, step: .resizedCrop)
        let fallback = crop.cropBox(imageWidth: 1000, imageHeight: 10, random: &random)
        #expect(fallback == (x: 493, y: 0, width: 13, height: 10))
    }

    @Test func randomErasingErasesOneRectangle() throws {
        let erasing = RandomErasing(probability: 1, value: -7)
        var erasedCount = 0
        for index in 0..<50 {
            var planes = [Float](repeating: 1, count: 3 * 20 * 30)
            var random = PhiloxStream.augmentation(seed: 2, index: index, epoch: 0, step: .erasing)
            guard let box = try erasing.apply(to: &planes, channels: 3, height: 20, width: 30, random: &random) else {
                continue
            }
            erasedCount += 1
            #expect(planes.filter { $0 == -7 }.count == 3 * box.width * box.height)
            #expect(box.height < 20 && box.width < 30)
            #expect(planes[box.y * 30 + box.x] == -7 && planes[2 * 600 + box.y * 30 + box.x] == -7)
        }
        #expect(erasedCount > 40)
        var planes = [Float](repeating: 1, count: 10)
        var random = PhiloxStream.augmentation(seed: 2, index: 0, epoch: 0, step: .erasing)
        #expect(try RandomErasing(probability: 0).apply(to: &planes, channels: 1, height: 2, width: 5,
                                                        random: &random) == nil)
        #expect(throws: ImagingError.self) {
            try erasing.apply(to: &planes, channels: 3, height: 2, width: 5, random: &random)
        }
    }

    /// Images whose pixels all equal their index, so every output pixel tells which image it came from.
    static func batch(_ n: Int, _ c: Int, _ h: Int, _ w: Int) -> [Float] {
        (0..<n).flatMap { i in [Float](repeating: Float(i), count: c * h * w) }
    }

    @Test func cutMixTargetsMatchThePastedArea() throws {
        let (n, c, h, w, k) = (4, 2, 12, 17, 5)
        let labels = [0, 3, 3, 1]
        for index in 0..<20 {
            var random = PhiloxStream.augmentation(seed: 3, index: index, epoch: 0, step: .batchMixing)
            let mixed = try BatchMixing.cutMix(alpha: 1).apply(images: Self.batch(n, c, h, w), shape: (n, c, h, w),
                                                                labels: labels, classCount: k, random: &random)
            let box = try #require(mixed.box)
            let pasted = (box.x1 - box.x0) * (box.y1 - box.y0)
            #expect(abs(mixed.lambda - (1 - Double(pasted) / Double(h * w))) < 1e-12)
            for i in 0..<n {
                let own = mixed.images[(i * c * h * w)..<((i + 1) * c * h * w)]
                let fromPartner = own.filter { $0 == Float((i + n - 1) % n) }.count
                #expect(fromPartner == c * pasted)
                let row = mixed.targets[(i * k)..<((i + 1) * k)]
                #expect(abs(row.reduce(0, +) - 1) < 1e-6)
                if labels[i] != labels[(i + n - 1) % n] {
                    #expect(abs(Double(row[row.startIndex + labels[i]]) - mixed.lambda) < 1e-6)
                }
            }
        }
    }

    @Test func mixUpBlendsImagesAndTargets() throws {
        let (n, c, h, w, k) = (3, 1, 2, 2, 3)
        var random = PhiloxStream.augmentation(seed: 4, index: 0, epoch: 0, step: .batchMixing)
        let mixed = try BatchMixing.mixUp(alpha: 0.2).apply(images: Self.batch(n, c, h, w), shape: (n, c, h, w),
                                                            labels: [0, 1, 2], classCount: k, random: &random)
        let lambda = Float(mixed.lambda)
        #expect(mixed.box == nil && mixed.lambda >= 0 && mixed.lambda <= 1)
        for i in 0..<n {
            let expected = Float(i) * lambda + Float((i + n - 1) % n) * (1 - lambda)
            #expect(abs(mixed.images[i * 4] - expected) < 1e-5)
            let row = Array(mixed.targets[(i * k)..<((i + 1) * k)])
            #expect(abs(row.reduce(0, +) - 1) < 1e-6)
            #expect(abs(row[i] - lambda) < 1e-6 && abs(row[(i + n - 1) % n] - (1 - lambda)) < 1e-6)
        }
        #expect(throws: ImagingError.self) {
            try BatchMixing.mixUp(alpha: 0.2).apply(images: [1], shape: (1, 1, 1, 1), labels: [5], classCount: 3,
                                                    random: &random)
        }
    }

    /// Beta(α, α) has mean ½ and variance 1 / (4(2α + 1)).
    @Test(arguments: [0.2, 1.0, 2.0])
    func mixingWeightsFollowBeta(alpha: Double) throws {
        var lambdas: [Double] = []
        for index in 0..<3000 {
            var random = PhiloxStream.augmentation(seed: 6, index: index, epoch: 0, step: .batchMixing)
            lambdas.append(try BatchMixing.mixUp(alpha: alpha).apply(images: [0], shape: (1, 1, 1, 1), labels: [0],
                                                                     classCount: 1, random: &random).lambda)
        }
        let mean = lambdas.reduce(0, +) / Double(lambdas.count)
        let variance = lambdas.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(lambdas.count)
        let expected = 1 / (4 * (2 * alpha + 1))
        #expect(abs(mean - 0.5) < 0.02, "mean \(mean)")
        #expect(abs(variance - expected) < 0.12 * expected, "variance \(variance), expected \(expected)")
    }
}
