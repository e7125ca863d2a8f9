import Compute
import Foundation
import Imaging
import Testing

@Suite struct AutoAugmentTests {
    static let operations: [String: AutoAugment.Operation] = [
        "ShearX": .shearX, "ShearY": .shearY, "TranslateX": .translateX, "TranslateY": .translateY,
        "Rotate": .rotate, "Brightness": .brightness, "Color": .color, "Contrast": .contrast,
        "Sharpness": .sharpness, "Posterize": .posterize, "Solarize": .solarize, "AutoContrast": .autoContrast,
        "Equalize": .equalize, "Invert": .invert,
    ]

    /// Every operation result in `Fixtures/autoaugment` (`<image>_<operation>[_<bin>][_neg].png`, made with PIL the
    /// way torchvision's `_apply_op` calls it) must be reproduced exactly.
    @Test func operationsMatchPIL() throws {
        let folder = try Fixtures.url("autoaugment")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".png") && !$0.hasPrefix("source_") }
        var checked: Set<String> = []
        for name in names.sorted() {
            let parts = name.dropLast(4).split(separator: "_").map(String.init)
            let operation = try #require(Self.operations[parts[1]], "\(name)")
            let source = try PNG.read(folder.appendingPathComponent("source_\(parts[0]).png"))
            var magnitude = 0.0
            if parts.count > 2, let bin = Int(parts[2]) {
                magnitude = AutoAugment.magnitude(operation, bin: bin, width: source.width, height: source.height)
            }
            if parts.last == "neg" { magnitude = -magnitude }
            let got = try AutoAugment.apply(operation, magnitude: magnitude, to: source)
            let expected = try PNG.read(folder.appendingPathComponent(name))
            expectIdentical(got.pixels, expected.pixels, name)
            checked.insert(parts[1])
        }
        #expect(names.count == 46)
        #expect(checked == Set(Self.operations.keys), "every operation has a fixture")
    }

    @Test func magnitudesFollowTorchvision() {
        #expect(AutoAugment.magnitude(.rotate, bin: 9, width: 1, height: 1) == 30)
        #expect((0...9).map { AutoAugment.magnitude(.posterize, bin: $0, width: 1, height: 1) }
                == [8, 8, 7, 7, 6, 6, 5, 5, 4, 4])
        #expect(AutoAugment.magnitude(.solarize, bin: 0, width: 1, height: 1) == 255)
        #expect(AutoAugment.magnitude(.solarize, bin: 9, width: 1, height: 1) == 0)
        #expect(abs(AutoAugment.magnitude(.translateX, bin: 9, width: 331, height: 1) - 150) < 1e-4)
        #expect(AutoAugment.imageNetPolicy.count == 25)
    }

    @Test func policyIsDeterministicPerStream() throws {
        let image = try ByteImage(width: 32, height: 24, channels: 3, pixels: testBytes(32 * 24 * 3, seed: 9))
        var outputs: [[UInt8]] = []
        for index in 0..<12 {
            var a = PhiloxStream.augmentation(seed: 5, index: index, epoch: 0, step: .autoAugment)
            var b = PhiloxStream.augmentation(seed: 5, index: index, epoch: 0, step: .autoAugment)
            let first = try AutoAugment().apply(image, random: &a)
            #expect(try AutoAugment().apply(image, random: &b) == first)
            outputs.append(first.pixels)
        }
        #expect(Set(outputs).count > 6, "different streams pick different sub-policies")
        #expect(throws: ImagingError.self) {
            var random = PhiloxStream.augmentation(seed: 5, index: 0, epoch: 0, step: .autoAugment)
            _ = try AutoAugment().apply(ByteImage(width: 2, height: 2, channels: 4), random: &random)
        }
    }
}
