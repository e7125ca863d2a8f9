import Foundation
import Imaging
import Testing

@Suite struct PNGTests {
    static let shapes: [(width: Int, height: Int, channels: Int)] = [
        (1, 1, 1), (1, 1, 3), (37, 5, 1), (37, 5, 2), (37, 5, 3), (37, 5, 4), (5, 37, 3), (64, 48, 4),
    ]

    @Test(arguments: 0..<shapes.count)
    func roundTrip(shapeIndex: Int) throws {
        let folder = try ScratchFolder()
        defer { folder.cleanUp() }
        let (width, height, channels) = Self.shapes[shapeIndex]
        let image = try ByteImage(width: width, height: height, channels: channels,
                                  pixels: testBytes(width * height * channels, seed: UInt64(shapeIndex)))
        for (level, filter) in [(0, PNG.RowFilter.automatic), (1, .automatic), (1, .adaptive), (6, .automatic),
                                (9, .none)] {
            let url = folder.file("image.png")
            try PNG.write(image, to: url, compressionLevel: level, rowFilter: filter)
            #expect(try PNG.read(url) == image, "\(width)×\(height)×\(channels) level \(level) \(filter)")
            #expect(try PNG.decode(Array(Data(contentsOf: url))) == image)
        }
        #expect(folder.contents == ["image.png"])
    }

    @Test func writeFromRawPointer() throws {
        let folder = try ScratchFolder()
        defer { folder.cleanUp() }
        let pixels = testBytes(7 * 3 * 3, seed: 7)
        try pixels.withUnsafeBytes { raw in
            try PNG.write(pixels: raw, width: 7, height: 3, channels: 3, to: folder.file("raw.png"))
        }
        #expect(try PNG.read(folder.file("raw.png")) == ByteImage(width: 7, height: 3, channels: 3, pixels: pixels))
    }

    @Test func sixteenBitSamplesKeepTheHighByte() throws {
        let gray16: [[UInt8]] = [[0x12, 0x34, 0xFF, 0xFF, 0x00, 0x80]]
        let gray = try PNG.decode(PNGBuilder(width: 3, height: 1, bitDepth: 16, colorType: 0, rows: gray16).bytes)
        #expect(gray == (try ByteImage(width: 3, height: 1, channels: 1, pixels: [0x12, 0xFF, 0x00])))

        let rgba16: [[UInt8]] = [[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16]]
        let rgba = try PNG.decode(PNGBuilder(width: 1, height: 2, bitDepth: 16, colorType: 6, rows: rgba16).bytes)
        #expect(rgba == (try ByteImage(width: 1, height: 2, channels: 4, pixels: [1, 3, 5, 7, 9, 11, 13, 15])))
    }

    @Test func paletteExpandsToRGBOrRGBA() throws {
        let palette: [UInt8] = [0, 0, 0, 255, 0, 0, 0, 255, 0, 10, 20, 30]
        let indices: [[UInt8]] = [[3, 1], [2, 0]]
        let rgb = try PNG.decode(PNGBuilder(width: 2, height: 2, colorType: 3, rows: indices, palette: palette).bytes)
        #expect(rgb == (try ByteImage(width: 2, height: 2, channels: 3,
                                      pixels: [10, 20, 30, 255, 0, 0, 0, 255, 0, 0, 0, 0])))

        let packed: [[UInt8]] = [[0b0011_0001]]  // 4-bit indices 3, 1
        let rgba = try PNG.decode(PNGBuilder(width: 2, height: 1, bitDepth: 4, colorType: 3, rows: packed,
                                             palette: palette, transparency: [0, 128]).bytes)
        #expect(rgba == (try ByteImage(width: 2, height: 1, channels: 4, pixels: [10, 20, 30, 255, 255, 0, 0, 128])))
    }

    @Test func lowBitDepthGrayScalesToEightBits() throws {
        let oneBit = try PNG.decode(PNGBuilder(width: 3, height: 1, bitDepth: 1, colorType: 0,
                                               rows: [[0b1010_0000]]).bytes)
        #expect(oneBit.pixels == [255, 0, 255])
        let fourBit = try PNG.decode(PNGBuilder(width: 2, height: 1, bitDepth: 4, colorType: 0,
                                                rows: [[0x3F]]).bytes)
        #expect(fourBit.pixels == [0x33, 0xFF])
        let transparent = try PNG.decode(PNGBuilder(width: 2, height: 1, colorType: 0, rows: [[7, 9]],
                                                    transparency: [0, 9]).bytes)
        #expect(transparent == (try ByteImage(width: 2, height: 1, channels: 2, pixels: [7, 255, 9, 0])))
    }

    @Test func readErrorsAreThrownAndNameTheFile() throws {
        let folder = try ScratchFolder()
        defer { folder.cleanUp() }
        let image = try ByteImage(width: 40, height: 30, channels: 3, pixels: testBytes(3600, seed: 3))
        try PNG.write(image, to: folder.file("good.png"))
        let good = Array(try Data(contentsOf: folder.file("good.png")))

        func expectRead(_ bytes: [UInt8]?, _ kind: ImagingError.Kind, _ name: String,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
            let url = folder.file(name)
            if let bytes { try Data(bytes).write(to: url) }
            do {
                _ = try PNG.read(url)
                Issue.record("\(name): no error, expected \(kind)", sourceLocation: sourceLocation)
            } catch let error as ImagingError {
                #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
                #expect(error.file == url.path && "\(error)".contains(name), sourceLocation: sourceLocation)
                #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
            }
            if let bytes {
                #expect(throws: ImagingError.self, sourceLocation: sourceLocation) { try PNG.decode(bytes) }
            }
        }

        try expectRead(nil, .fileNotFound, "missing.png")
        try expectRead([], .notPNG, "empty.png")
        try expectRead(Array("hello, not a png".utf8), .notPNG, "text.png")
        try expectRead(Array(good.prefix(5)), .notPNG, "five-bytes.png")
        try expectRead(Array(good.prefix(40)), .truncated, "cut-40.png")
        try expectRead(Array(good.prefix(good.count / 2)), .truncated, "cut-half.png")
        try expectRead(Array(good.dropLast(6)), .truncated, "cut-in-IEND.png")

        // The IDAT chunk's stored CRC altered: the data inflates, then the CRC check fails.
        let idat = try #require(Self.find("IDAT", in: good))
        let length = Int(good[idat]) << 24 | Int(good[idat + 1]) << 16 | Int(good[idat + 2]) << 8 | Int(good[idat + 3])
        var badCRC = good
        badCRC[idat + 8 + length] ^= 0x5A
        try expectRead(badCRC, .checksum, "crc.png")
        // A byte of the compressed data flipped, with a recomputed CRC: zlib rejects the stream.
        var badData = good
        badData[idat + 8 + length - 2] ^= 0x5A
        let crc = PNGBuilder.bigEndian(PNGBuilder.crc32(Array(badData[(idat + 4)..<(idat + 8 + length)])))
        badData.replaceSubrange((idat + 8 + length)..<(idat + 12 + length), with: crc)
        try expectRead(badData, .corrupt, "zlib.png")

        let huge = PNGBuilder(width: 20000, height: 1, colorType: 0, rows: [[UInt8](repeating: 0, count: 20000)])
        try expectRead(huge.bytes, .tooLarge, "huge.png")
        try FileManager.default.createDirectory(at: folder.file("folder.png"), withIntermediateDirectories: false)
        try expectRead(nil, .unreadable, "folder.png")

        #expect(try PNG.read(folder.file("good.png")) == image, "the process and libpng still work")
    }

    @Test func decodeErrorsWithoutAFileNameTheSource() throws {
        do {
            _ = try PNG.decode([1, 2, 3], source: "archive.zip/member.png")
            Issue.record("no error")
        } catch let error as ImagingError {
            #expect(error.kind == .notPNG && error.file == "archive.zip/member.png")
        }
    }

    @Test func invalidWritesThrowAndLeaveNothing() throws {
        let folder = try ScratchFolder()
        defer { folder.cleanUp() }
        let url = folder.file("out.png")
        let image = try ByteImage(width: 2, height: 2, channels: 1)
        #expect(throws: ImagingError.self) { try PNG.write(image, to: url, compressionLevel: 10) }
        #expect(throws: ImagingError.self) {
            try [UInt8](repeating: 0, count: 5).withUnsafeBytes { raw in
                try PNG.write(pixels: raw, width: 2, height: 2, channels: 1, to: url)
            }
        }
        #expect(throws: ImagingError.self) { _ = try ByteImage(width: 2, height: 2, channels: 5, pixels: []) }
        #expect(throws: ImagingError.self) { _ = try ByteImage(width: 0, height: 2, channels: 1, pixels: []) }
        #expect(throws: ImagingError.self) { _ = try ByteImage(width: 2, height: 2, channels: 1, pixels: [1, 2, 3]) }
        #expect(folder.contents.isEmpty)
    }

    /// Offset of the length field of the first chunk of `type`.
    static func find(_ type: String, in bytes: [UInt8]) -> Int? {
        let tag = Array(type.utf8)
        return (8..<(bytes.count - 8)).first { Array(bytes[($0 + 4)..<($0 + 8)]) == tag }
    }
}
