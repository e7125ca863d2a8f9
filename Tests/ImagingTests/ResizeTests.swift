import Foundation
import Imaging
import Testing

@Suite struct ResizeTests {
    /// Every PIL result in `Fixtures/resize` (`<source>_<filter>_<w>x<h>.png`) must be reproduced exactly.
    @Test func matchesPillowExactly() throws {
        let folder = try Fixtures.url("resize")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".png") }
        let filters: [String: Interpolation] = ["nearest": .nearest, "bilinear": .bilinear, "bicubic": .bicubic,
                                                "lanczos": .lanczos]
        var checked = 0
        for name in names.sorted() {
            let parts = name.dropLast(4).split(separator: "_")
            guard parts.count == 3, let interpolation = filters[String(parts[1])] else { continue }
            let size = parts[2].split(separator: "x").compactMap { Int($0) }
            let source = try PNG.read(folder.appendingPathComponent("source_\(parts[0]).png"))
            let expected = try PNG.read(folder.appendingPathComponent(name))
            let got = try source.resize(width: size[0], height: size[1], interpolation: interpolation)
            expectIdentical(got.pixels, expected.pixels, name)
            #expect(got.width == expected.width && got.height == expected.height && got.channels == expected.channels)
            checked += 1
        }
        #expect(checked == 42)
    }

    @Test func torchvisionResizeAndCenterCrop() throws {
        let source = try PNG.read(Fixtures.url("resize/source_rgb.png"))  // 31×27
        let resized = try source.resize(shorterSide: 20)
        #expect(resized.width == 22 && resized.height == 20)  // int(20 · 31 / 27) = 22
        let expected = try PNG.read(Fixtures.url("resize/rgb_resize20_crop17.png"))
        expectIdentical(try resized.centerCrop(width: 17, height: 17).pixels, expected.pixels, "resize 20, crop 17")

        let tall = try ByteImage(width: 37, height: 45, channels: 1)
        #expect(try tall.resize(shorterSide: 20).width == 20 && tall.resize(shorterSide: 20).height == 24)
        #expect(try tall.resize(shorterSide: 37) == tall)
    }

    @Test func centerCropRoundsHalvesToEvenAndPads() throws {
        let image = try ByteImage(width: 9, height: 1, channels: 1, pixels: Array(0..<9))
        // (9 − 8) / 2 = 0.5 → 0; (9 − 6) / 2 = 1.5 → 2; (9 − 4) / 2 = 2.5 → 2.
        #expect(try image.centerCrop(width: 8, height: 1).pixels == Array(0..<8))
        #expect(try image.centerCrop(width: 6, height: 1).pixels == Array(2..<8))
        #expect(try image.centerCrop(width: 4, height: 1).pixels == Array(2..<6))
        // Larger than the image: (12 − 9) // 2 = 1 zero before, 2 after; 3 rows: 1 above, 1 below.
        let padded = try image.centerCrop(width: 12, height: 3)
        #expect(padded.pixels == [UInt8](repeating: 0, count: 12) + [0] + Array(0..<9) + [0, 0]
                + [UInt8](repeating: 0, count: 12))
        #expect(try image.crop(x: -2, y: 0, width: 3, height: 2).pixels == [0, 0, 0, 0, 0, 0])
    }

    @Test func normalizedPlanesMatchToTensorAndNormalize() throws {
        let image = try ByteImage(width: 2, height: 1, channels: 3, pixels: [0, 128, 255, 10, 20, 30])
        let planes = try image.normalizedPlanes(mean: ByteImage.imageNetMean, std: ByteImage.imageNetStd)
        let expected: [Float] = [(0 / 255 - 0.485) / 0.229, (10 / 255 - 0.485) / 0.229,
                                 (128 / 255 - 0.456) / 0.224, (20 / 255 - 0.456) / 0.224,
                                 (255 / 255 - 0.406) / 0.225, (30 / 255 - 0.406) / 0.225]
        #expect(planes == expected)
        let gray = try ByteImage(width: 2, height: 1, channels: 1, pixels: [51, 204])
        #expect(try gray.normalizedPlanes(mean: [0.5], std: [0.5]) == [-0.6, 0.6].map { Float($0) })
        #expect(try gray.normalizedPlanes(mean: [0, 0, 0], std: [1, 1, 1], expandGray: true)
                == [0.2, 0.8, 0.2, 0.8, 0.2, 0.8].map { Float($0) })
        #expect(throws: ImagingError.self) { try gray.normalizedPlanes(mean: [0, 0, 0], std: [1, 1, 1]) }
    }

    @Test func conversionsFollowPIL() throws {
        let rgba = try ByteImage(width: 2, height: 1, channels: 4, pixels: [255, 0, 0, 7, 10, 200, 30, 9])
        #expect(try rgba.converted(toChannels: 3).pixels == [255, 0, 0, 10, 200, 30])
        // PIL: Image.new("RGB", (1, 1), (255, 0, 0)).convert("L") → 76; (10, 200, 30) → 124.
        #expect(try rgba.converted(toChannels: 1).pixels == [76, 124])
        #expect(try rgba.converted(toChannels: 2).pixels == [76, 7, 124, 9])
        let gray = try ByteImage(width: 1, height: 1, channels: 1, pixels: [9])
        #expect(try gray.converted(toChannels: 4).pixels == [9, 9, 9, 255])
    }
}

/// Exact comparison that reports the first difference and the largest one.
func expectIdentical(_ got: [UInt8], _ expected: [UInt8], _ label: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    guard got.count == expected.count else {
        Issue.record("\(label): \(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    guard let first = got.indices.first(where: { got[$0] != expected[$0] }) else { return }
    let worst = zip(got, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
    let count = zip(got, expected).filter { $0 != $1 }.count
    let message = "\(label): \(count) of \(got.count) differ (max \(worst)); "
        + "first at \(first): \(got[first]) vs \(expected[first])"
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
}
