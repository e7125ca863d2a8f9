import Foundation
import Imaging
import Testing

@Suite struct JPEGTests {
    static let cases = [
        "gray_baseline", "gray_progressive", "rgb444_baseline", "rgb422_baseline", "rgb420_baseline",
        "rgb420_optimized", "rgb444_progressive", "rgb420_progressive", "rgb422_progressive_restart", "rgb420_restart",
        "rgb420_exif_comment", "rgb_adobe", "rgb420_narrow", "rgb420_small", "rgb411_baseline", "rgb440_baseline",
        "rgb411_restart",
    ]

    /// Every sample must equal Pillow's (libjpeg-turbo's) within `maximumDifference` levels.
    static let maximumDifference = 0

    @Test(arguments: cases)
    func matchesPillow(name: String) throws {
        let decoded = try JPEG.read(Fixtures.url("jpeg/\(name).jpg"))
        let expected = try PNG.read(Fixtures.url("jpeg/\(name).png"))
        #expect(try ImageFile.read(Fixtures.url("jpeg/\(name).jpg")) == decoded)
        #expect(decoded.width == expected.width && decoded.height == expected.height
                && decoded.channels == expected.channels)
        guard decoded.pixels.count == expected.pixels.count else { return }
        let differences = zip(decoded.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }
        let worst = differences.max() ?? 0
        let mean = Double(differences.reduce(0, +)) / Double(differences.count)
        #expect(worst <= Self.maximumDifference, "\(name): max difference \(worst), mean \(mean)")
    }
}

@Suite struct JPEGErrorTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Fixtures.url("jpeg/\(name).jpg")))
    }

    static func kind(_ body: () throws -> ByteImage) -> ImagingError.Kind? {
        do {
            _ = try body()
            return nil
        } catch let error as ImagingError {
            return error.kind
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    /// Every prefix of a valid file throws `truncated` (the decoder requires EOI) and never traps.
    @Test(arguments: ["rgb420_baseline", "rgb420_progressive", "rgb422_progressive_restart", "gray_baseline"])
    func everyTruncationThrows(name: String) throws {
        let bytes = try Self.fixture(name)
        var kinds: [ImagingError.Kind: Int] = [:]
        for cut in stride(from: 2, to: bytes.count, by: 3) {
            let kind = Self.kind { try JPEG.decode(Array(bytes[0..<cut])) }
            kinds[kind ?? .invalidArgument, default: 0] += 1
        }
        #expect(kinds.keys.allSatisfy { $0 == .truncated }, "\(name): \(kinds)")
    }

    /// Random byte changes either decode to some image or throw an `ImagingError`; the process keeps running.
    @Test func corruptedBytesNeverTrap() throws {
        for name in ["rgb420_baseline", "rgb444_progressive", "rgb422_progressive_restart", "rgb411_restart"] {
            let original = try Self.fixture(name)
            let noise = testBytes(3 * 100, seed: UInt64(original.count))
            for trial in 0..<100 {
                var bytes = original
                for flip in 0..<(1 + trial % 3) {
                    let at = 2 + Int(noise[3 * trial + flip]) * (bytes.count - 2) / 256
                    bytes[at] ^= noise[(3 * trial + flip + 1) % noise.count] | 1
                }
                _ = Self.kind { try JPEG.decode(bytes) }
            }
        }
    }

    @Test func headerErrors() throws {
        let good = try Self.fixture("rgb420_baseline")
        let sof = try #require((0..<(good.count - 1)).first { good[$0] == 0xFF && good[$0 + 1] == 0xC0 })
        var arithmetic = good
        arithmetic[sof + 1] = 0xC9
        #expect(Self.kind { try JPEG.decode(arithmetic) } == .unsupported)
        var twelveBit = good
        twelveBit[sof + 4] = 12
        #expect(Self.kind { try JPEG.decode(twelveBit) } == .unsupported)
        var zeroWidth = good
        zeroWidth[sof + 7] = 0
        zeroWidth[sof + 8] = 0
        #expect(Self.kind { try JPEG.decode(zeroWidth) } == .corrupt)
        var huge = good
        huge[sof + 5] = 0xFF
        huge[sof + 7] = 0xFF
        #expect(Self.kind { try JPEG.decode(huge) } == .tooLarge)
        #expect(Self.kind { try JPEG.decode([]) } == .unknownFormat)
        #expect(Self.kind { try JPEG.decode(Array("GIF89a".utf8)) } == .unknownFormat)
        var noEOI = good
        noEOI.removeLast(2)
        #expect(Self.kind { try JPEG.decode(noEOI) } == .truncated)
    }

    @Test func imageFileDispatchesOnContentAndNamesTheFile() throws {
        let folder = try ScratchFolder()
        defer { folder.cleanUp() }
        let image = try ByteImage(width: 5, height: 3, channels: 3, pixels: testBytes(45, seed: 1))
        try PNG.write(image, to: folder.file("really-a-png.jpg"))
        #expect(try ImageFile.read(folder.file("really-a-png.jpg")) == image)

        for (name, bytes, kind) in [("text.png", Array("hello".utf8), ImagingError.Kind.unknownFormat),
                                    ("empty.jpg", [], .unknownFormat),
                                    ("cut.JPG", Array(try Self.fixture("rgb420_baseline").prefix(300)), .truncated)] {
            let url = folder.file(name)
            try Data(bytes).write(to: url)
            do {
                _ = try ImageFile.read(url)
                Issue.record("\(name): no error")
            } catch let error as ImagingError {
                #expect(error.kind == kind && error.file == url.path, "\(error)")
            }
        }
        do {
            _ = try ImageFile.read(folder.file("missing.JPG"))
            Issue.record("no error")
        } catch let error as ImagingError {
            #expect(error.kind == .fileNotFound && "\(error)".contains("missing.JPG"))
        }
    }
}
