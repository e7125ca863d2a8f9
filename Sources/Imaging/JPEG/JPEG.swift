import Foundation

/// A JPEG decoder in Swift (ITU T.81), for VisA's `.JPG` files: baseline and extended sequential (SOF0/SOF1) and
/// progressive (SOF2) Huffman-coded JPEG with 8-bit samples, grayscale or 3-component (YCbCr, or RGB when an Adobe
/// marker or the component identifiers say so), any integral sampling factors (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1),
/// restart intervals. APPn (EXIF, JFIF, ICC, XMP) and COM segments are skipped; EXIF orientation is not applied (PIL's
/// `Image.open` does not apply it either).
///
/// Not supported (thrown as `unsupported`): arithmetic coding, lossless and hierarchical JPEG, 12-bit samples,
/// 2- and 4-component (CMYK/YCCK) images, heights given by a DNL marker.
///
/// Output equals PIL's (libjpeg-turbo with its defaults) on every test fixture: the IDCT is libjpeg's integer
/// `JDCT_ISLOW`, the colour conversion is libjpeg's fixed-point one and chroma upsampling is libjpeg's "fancy"
/// upsampling (see `JPEGUpsampling`). Corrupt or truncated data throws; it never traps.
public enum JPEG {
    /// Decodes the JPEG file at `url`.
    /// - Throws: `ImagingError` naming the file.
    public static func read(_ url: URL) throws -> ByteImage {
        try decode(FileBytes.read(url), source: url.path)
    }

    /// Decodes a JPEG held in memory.
    /// - Parameter source: names the data in errors.
    /// - Throws: `ImagingError`: `unknownFormat` (no SOI marker), `truncated`, `corrupt`, `unsupported`, `tooLarge`.
    public static func decode(_ data: [UInt8], source: String? = nil) throws -> ByteImage {
        do {
            return try data.withUnsafeBufferPointer { bytes in
                var decoder = JPEGDecoder(bytes: bytes)
                return try decoder.decode()
            }
        } catch var error as ImagingError {
            error.file = source
            throw error
        }
    }
}

/// Walks the marker segments of one JPEG image and assembles the decoded pixels.
private struct JPEGDecoder {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var frame: JPEGFrame?
    var quantizationTables: [[Int32]?] = [nil, nil, nil, nil]
    var dcTables: [JPEGHuffmanTable?] = [nil, nil, nil, nil]
    var acTables: [JPEGHuffmanTable?] = [nil, nil, nil, nil]
    var restartInterval = 0
    var sawJFIF = false
    var adobeTransform: UInt8?
    var scanCount = 0
    /// Coefficient work of the scans decoded so far (see ``JPEGScanHeader/work(in:)``).
    var work = 0

    /// The most scans one image may have: libjpeg-turbo's scan limit (`TJPARAM_SCANLIMIT`, as `tjbench
    /// -limitscans` sets it). libjpeg's progressive script has 10.
    static let maximumScans = 500
    /// The most work per coefficient block over all scans. libjpeg's progressive script costs about 135 (each
    /// coefficient twice, 5 visits per block), a baseline image 65; a file of refinement scans that each cross the
    /// whole frame reaches the limit after 16 of them.
    static let maximumWorkPerBlock = 1024

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func decode() throws -> ByteImage {
        guard bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw ImagingError(.unknownFormat, bytes.isEmpty ? "empty file" : "not a JPEG (no SOI marker)")
        }
        position = 2
        while true {
            let marker = try nextMarker()
            switch marker {
            case 0xD9:
                return try finish()
            case 0xC0, 0xC1, 0xC2:
                let segment = try readSegment()
                guard frame == nil else { throw ImagingError(.unsupported, "more than one frame") }
                frame = try JPEGFrame(segment: segment, progressive: marker == 0xC2)
            case 0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                throw ImagingError(.unsupported, String(format: "SOF%d frames (lossless, hierarchical or arithmetic "
                                                                + "coding)", Int(marker) - 0xC0))
            case 0xC4:
                try defineHuffmanTables(readSegment())
            case 0xDB:
                try defineQuantizationTables(readSegment())
            case 0xDD:
                let segment = try readSegment()
                guard segment.count == 2 else { throw ImagingError(.corrupt, "invalid DRI segment") }
                restartInterval = Int(segment[segment.startIndex]) << 8 | Int(segment[segment.startIndex + 1])
            case 0xDA:
                try decodeScan(readSegment())
            case 0xE0...0xEF, 0xFE:
                let segment = try readSegment()
                if marker == 0xE0 && segment.starts(with: Array("JFIF\0".utf8)) { sawJFIF = true }
                if marker == 0xEE && segment.count >= 12 && segment.starts(with: Array("Adobe".utf8)) {
                    adobeTransform = segment[segment.startIndex + 11]
                }
            case 0xDC:
                throw ImagingError(.unsupported, "DNL marker")
            default:
                throw ImagingError(.corrupt, String(format: "unexpected marker 0xFF%02X", marker))
            }
        }
    }

    /// The marker code at `position` (fill bytes 0xFF skipped); `position` moves past it.
    private mutating func nextMarker() throws -> UInt8 {
        guard position < bytes.count else { throw ImagingError(.truncated, "the data ends before the EOI marker") }
        guard bytes[position] == 0xFF else {
            throw ImagingError(.corrupt, "expected a marker at byte \(position)")
        }
        while position < bytes.count && bytes[position] == 0xFF { position += 1 }
        guard position < bytes.count else { throw ImagingError(.truncated, "the data ends inside a marker") }
        let marker = bytes[position]
        position += 1
        return marker
    }

    /// The payload of the segment at `position` (after its 2-byte length); `position` moves past it.
    private mutating func readSegment() throws -> ArraySlice<UInt8> {
        guard position + 2 <= bytes.count else { throw ImagingError(.truncated, "the data ends inside a segment") }
        let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
        guard length >= 2 else { throw ImagingError(.corrupt, "invalid segment length \(length)") }
        guard position + length <= bytes.count else {
            throw ImagingError(.truncated, "the data ends inside a segment")
        }
        let segment = Array(bytes[(position + 2)..<(position + length)])[...]
        position += length
        return segment
    }

    private mutating func defineHuffmanTables(_ segment: ArraySlice<UInt8>) throws {
        var s = segment
        while !s.isEmpty {
            guard s.count >= 17 else { throw ImagingError(.corrupt, "DHT segment too short") }
            let kind = s[s.startIndex] >> 4, slot = Int(s[s.startIndex] & 15)
            guard kind < 2, slot < 4 else { throw ImagingError(.corrupt, "invalid Huffman table class or slot") }
            let counts = s[(s.startIndex + 1)..<(s.startIndex + 17)].map(Int.init)
            let total = counts.reduce(0, +)
            guard s.count >= 17 + total else { throw ImagingError(.corrupt, "DHT segment too short") }
            let table = try JPEGHuffmanTable(counts: counts,
                                             symbols: Array(s[(s.startIndex + 17)..<(s.startIndex + 17 + total)]))
            if kind == 0 { dcTables[slot] = table } else { acTables[slot] = table }
            s = s.dropFirst(17 + total)
        }
    }

    private mutating func defineQuantizationTables(_ segment: ArraySlice<UInt8>) throws {
        var s = segment
        while !s.isEmpty {
            let precision = s[s.startIndex] >> 4, slot = Int(s[s.startIndex] & 15)
            let size = precision == 0 ? 64 : 128
            guard precision < 2, slot < 4, s.count >= 1 + size else {
                throw ImagingError(.corrupt, "invalid DQT segment")
            }
            var table = [Int32](repeating: 0, count: 64)
            for k in 0..<64 {
                let at = s.startIndex + 1 + (precision == 0 ? k : 2 * k)
                let value = precision == 0 ? Int32(s[at]) : Int32(s[at]) << 8 | Int32(s[at + 1])
                table[JPEGScanDecoder.naturalOrder[k]] = value
            }
            quantizationTables[slot] = table
            s = s.dropFirst(1 + size)
        }
    }

    private mutating func decodeScan(_ segment: ArraySlice<UInt8>) throws {
        guard let frame else { throw ImagingError(.corrupt, "scan before the frame header") }
        let scan = try JPEGScanHeader(segment: segment, frame: frame)
        // Bounded work: many refinement scans over a large frame would otherwise take minutes for a small file.
        guard scanCount < Self.maximumScans else {
            throw ImagingError(.tooLarge, "more than \(Self.maximumScans) scans (libjpeg-turbo's scan limit)")
        }
        work += scan.work(in: frame)
        guard work <= Self.maximumWorkPerBlock * frame.blockCount else {
            throw ImagingError(.tooLarge, "its first \(scanCount + 1) scans cost more than "
                + "\(Self.maximumWorkPerBlock) coefficient steps per block of the \(frame.width)×\(frame.height) "
                + "frame (a baseline image costs 65, a usual progressive one about 135); refused as a "
                + "decompression bomb")
        }
        for entry in scan.components {
            let component = frame.components[entry.index]
            if component.quantization == nil {
                guard let table = quantizationTables[component.quantizationTable] else {
                    throw ImagingError(.corrupt,
                                       "component \(component.identifier) uses an undefined quantisation table")
                }
                component.quantization = table
            }
        }
        var decoder = try JPEGScanDecoder(frame: frame, scan: scan, dcTables: dcTables, acTables: acTables,
                                          restartInterval: restartInterval)
        var reader = JPEGBitReader(bytes: bytes, position: position)
        try decoder.decode(&reader)
        position = try JPEGBitReader.nextMarker(in: bytes, from: reader.position)
        scanCount += 1
    }

    /// Inverse DCT, upsampling and colour conversion once EOI is reached.
    private func finish() throws -> ByteImage {
        guard let frame, scanCount > 0 else { throw ImagingError(.corrupt, "no image data before EOI") }
        let samples = try frame.components.map { try JPEGComponentSamples(component: $0, frame: frame) }
        let width = frame.width, height = frame.height, channels = samples.count == 1 ? 1 : 3
        let rgb = isRGB(frame)
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * channels) { out, initialized in
            for y in 0..<height {
                let target = out.baseAddress! + y * width * channels
                if channels == 1 {
                    target.update(from: samples[0].row(y), count: width)
                } else {
                    JPEGColor.convertRow(samples[0].row(y), samples[1].row(y), samples[2].row(y), width: width,
                                         isRGB: rgb, into: target)
                }
            }
            initialized = width * height * channels
        }
        return ByteImage(validatedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    /// libjpeg's colour-space guess for 3 components: JFIF → YCbCr; Adobe transform 0 → RGB; otherwise component
    /// identifiers 'R', 'G', 'B' → RGB; else YCbCr.
    private func isRGB(_ frame: JPEGFrame) -> Bool {
        if sawJFIF { return false }
        if let adobeTransform { return adobeTransform == 0 }
        return frame.components.map(\.identifier) == [0x52, 0x47, 0x42]
    }
}
