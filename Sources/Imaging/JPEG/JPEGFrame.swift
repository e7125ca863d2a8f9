import Foundation

/// One colour component of a frame (T.81 B.2.2) and its decoded DCT coefficients.
final class JPEGComponent {
    let identifier: UInt8
    /// Sampling factors (1...4).
    let horizontal: Int
    let vertical: Int
    let quantizationTable: Int
    /// Size of the component's real data in samples: ⌈imageWidth · horizontal / maxHorizontal⌉ (libjpeg's
    /// `downsampled_width`), likewise for the height.
    let width: Int
    let height: Int
    /// Allocated blocks, covering whole MCUs.
    let blocksPerLine: Int
    let blocksPerColumn: Int
    /// `blocksPerLine × blocksPerColumn` blocks of 64 coefficients in natural (row-major) order, zero-initialised.
    let coefficients: UnsafeMutablePointer<Int16>
    /// The quantisation table in natural order, copied when the component's first scan starts (as libjpeg does).
    var quantization: [Int32]?
    /// The DC predictor of the current scan (T.81 F.2.1.3.1).
    var dcPredictor = 0

    init(identifier: UInt8, horizontal: Int, vertical: Int, quantizationTable: Int, width: Int, height: Int,
         blocksPerLine: Int, blocksPerColumn: Int) throws {
        self.identifier = identifier
        self.horizontal = horizontal
        self.vertical = vertical
        self.quantizationTable = quantizationTable
        self.width = width
        self.height = height
        self.blocksPerLine = blocksPerLine
        self.blocksPerColumn = blocksPerColumn
        // calloc: the pages of blocks that no scan touches are never written.
        guard let memory = calloc(blocksPerLine * blocksPerColumn * 64, MemoryLayout<Int16>.stride) else {
            throw ImagingError(.outOfMemory, "cannot allocate the DCT coefficients")
        }
        coefficients = memory.assumingMemoryBound(to: Int16.self)
    }

    deinit { free(coefficients) }

    /// The first coefficient of the block at block column `x`, block row `y`.
    @inline(__always)
    func block(_ x: Int, _ y: Int) -> UnsafeMutablePointer<Int16> {
        coefficients + (y * blocksPerLine + x) * 64
    }
}

/// The frame header (SOF0/SOF1/SOF2) and the geometry derived from it.
struct JPEGFrame {
    /// Largest accepted width or height.
    static let maximumSide = 16384
    /// Largest accepted pixel count.
    static let maximumPixels = 1 << 26

    let width: Int
    let height: Int
    let progressive: Bool
    let components: [JPEGComponent]
    let maxHorizontal: Int
    let maxVertical: Int
    /// MCUs of an interleaved scan.
    let mcusPerLine: Int
    let mcusPerColumn: Int

    /// Blocks of coefficients over all components.
    var blockCount: Int { components.reduce(0) { $0 + $1.blocksPerLine * $1.blocksPerColumn } }

    /// Parses the SOF segment payload (after the length field).
    init(segment: ArraySlice<UInt8>, progressive: Bool) throws {
        let s = Array(segment)
        guard s.count >= 6 else { throw ImagingError(.corrupt, "frame header too short") }
        guard s[0] == 8 else {
            throw ImagingError(.unsupported, "\(s[0])-bit samples (only 8-bit JPEG is supported)")
        }
        height = Int(s[1]) << 8 | Int(s[2])
        width = Int(s[3]) << 8 | Int(s[4])
        let count = Int(s[5])
        guard height > 0 else { throw ImagingError(.unsupported, "height defined by a DNL marker") }
        guard width > 0 else { throw ImagingError(.corrupt, "zero image width") }
        guard width <= Self.maximumSide, height <= Self.maximumSide, width * height <= Self.maximumPixels else {
            throw ImagingError(.tooLarge, "\(width)×\(height) exceeds the decoder's limits")
        }
        guard count == 1 || count == 3 else {
            throw ImagingError(.unsupported, "\(count) components (only gray and 3-component colour are supported)")
        }
        guard s.count == 6 + 3 * count else { throw ImagingError(.corrupt, "frame header has the wrong length") }
        var specs: [(id: UInt8, h: Int, v: Int, tq: Int)] = []
        for i in 0..<count {
            let id = s[6 + 3 * i], h = Int(s[7 + 3 * i] >> 4), v = Int(s[7 + 3 * i] & 15), tq = Int(s[8 + 3 * i])
            guard (1...4).contains(h), (1...4).contains(v), tq < 4 else {
                throw ImagingError(.corrupt, "invalid sampling factors or quantisation table in the frame header")
            }
            guard !specs.contains(where: { $0.id == id }) else {
                throw ImagingError(.corrupt, "duplicate component identifier \(id)")
            }
            specs.append((id, h, v, tq))
        }
        maxHorizontal = specs.map(\.h).max() ?? 1
        maxVertical = specs.map(\.v).max() ?? 1
        for spec in specs where maxHorizontal % spec.h != 0 || maxVertical % spec.v != 0 {
            throw ImagingError(.unsupported, "fractional sampling factors")
        }
        mcusPerLine = (width + 8 * maxHorizontal - 1) / (8 * maxHorizontal)
        mcusPerColumn = (height + 8 * maxVertical - 1) / (8 * maxVertical)
        self.progressive = progressive
        components = try specs.map { [width, height, maxHorizontal, maxVertical, mcusPerLine, mcusPerColumn] spec in
            try JPEGComponent(identifier: spec.id, horizontal: spec.h, vertical: spec.v, quantizationTable: spec.tq,
                              width: (width * spec.h + maxHorizontal - 1) / maxHorizontal,
                              height: (height * spec.v + maxVertical - 1) / maxVertical,
                              blocksPerLine: mcusPerLine * spec.h, blocksPerColumn: mcusPerColumn * spec.v)
        }
    }
}

/// A scan header (SOS, T.81 B.2.3).
struct JPEGScanHeader {
    /// Indices into the frame's components, with their DC and AC table numbers.
    let components: [(index: Int, dcTable: Int, acTable: Int)]
    /// Spectral selection start and end, successive approximation high and low bit.
    let spectralStart: Int
    let spectralEnd: Int
    let approximationHigh: Int
    let approximationLow: Int

    /// The decoding work of the scan in coefficient units: every block it visits costs its spectral band plus 1
    /// for the visit itself.
    func work(in frame: JPEGFrame) -> Int {
        let band = frame.progressive ? spectralEnd - spectralStart + 1 : 64
        let blocks: Int
        if components.count == 1 {
            let component = frame.components[components[0].index]
            blocks = (component.width + 7) / 8 * ((component.height + 7) / 8)
        } else {
            blocks = components.reduce(0) {
                $0 + frame.components[$1.index].horizontal * frame.components[$1.index].vertical
            } * frame.mcusPerLine * frame.mcusPerColumn
        }
        return blocks * (band + 1)
    }

    init(segment: ArraySlice<UInt8>, frame: JPEGFrame) throws {
        let s = Array(segment)
        guard let count = s.first, (1...4).contains(count), s.count == 4 + 2 * Int(count) else {
            throw ImagingError(.corrupt, "invalid scan header")
        }
        var components: [(index: Int, dcTable: Int, acTable: Int)] = []
        for i in 0..<Int(count) {
            let id = s[1 + 2 * i], tables = s[2 + 2 * i]
            guard let index = frame.components.firstIndex(where: { $0.identifier == id }),
                  !components.contains(where: { $0.index == index }) else {
                throw ImagingError(.corrupt, "scan refers to an unknown or repeated component \(id)")
            }
            guard tables >> 4 < 4, tables & 15 < 4 else { throw ImagingError(.corrupt, "invalid Huffman table number") }
            components.append((index, Int(tables >> 4), Int(tables & 15)))
        }
        self.components = components
        let tail = 1 + 2 * Int(count)
        spectralStart = Int(s[tail])
        spectralEnd = Int(s[tail + 1])
        approximationHigh = Int(s[tail + 2] >> 4)
        approximationLow = Int(s[tail + 2] & 15)
        if components.count > 1 {
            let blocks = components.reduce(0) {
                $0 + frame.components[$1.index].horizontal * frame.components[$1.index].vertical
            }
            guard blocks <= 10 else { throw ImagingError(.corrupt, "more than 10 blocks per MCU") }
        }
        guard frame.progressive else { return }
        let validSpectrum = spectralStart == 0 ? spectralEnd == 0
            : spectralEnd >= spectralStart && spectralEnd <= 63 && components.count == 1
        let validApproximation = approximationLow <= 13
            && (approximationHigh == 0 || approximationHigh == approximationLow + 1)
        guard validSpectrum, validApproximation else {
            throw ImagingError(.corrupt, "invalid progressive scan parameters Ss=\(spectralStart) Se=\(spectralEnd) "
                                         + "Ah=\(approximationHigh) Al=\(approximationLow)")
        }
    }
}
