import Foundation
import Testing
@testable import Imaging

/// Writes minimal progressive grayscale JPEGs whose coefficients are all zero: a DC scan and any number of
/// AC refinement scans made of end-of-band runs, so a few bytes make the decoder cross the whole frame.
struct ProgressiveJPEGBuilder {
    let width: Int, height: Int
    private(set) var bytes: [UInt8] = [0xFF, 0xD8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        segment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))
        segment(0xC2, [8, UInt8(height >> 8), UInt8(height & 255), UInt8(width >> 8), UInt8(width & 255),
                       1, 1, 0x11, 0])
        // DC table 0: one 1-bit code for "difference 0". AC table 0: the 15 end-of-band runs EOBr as 4-bit codes r.
        segment(0xC4, [0x00, 1] + [UInt8](repeating: 0, count: 15) + [0x00]
            + [0x10, 0, 0, 0, 15] + [UInt8](repeating: 0, count: 12) + (0..<15).map { UInt8($0 << 4) })
    }

    private var blocks: Int { (width + 7) / 8 * ((height + 7) / 8) }

    private mutating func segment(_ marker: UInt8, _ payload: [UInt8]) {
        bytes += [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 255)] + payload
    }

    private mutating func scan(spectral: ClosedRange<Int>, approximation: UInt8, bits: [Bool]) {
        segment(0xDA, [1, 1, 0x00, UInt8(spectral.lowerBound), UInt8(spectral.upperBound), approximation])
        var padded = bits
        while padded.count % 8 != 0 { padded.append(true) }
        for start in stride(from: 0, to: padded.count, by: 8) {
            let byte = padded[start..<(start + 8)].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
            bytes.append(byte)
            if byte == 0xFF { bytes.append(0x00) }
        }
    }

    /// The DC first scan: difference 0 in every block.
    mutating func dcScan() {
        scan(spectral: 0...0, approximation: 0x01, bits: [Bool](repeating: false, count: blocks))
    }

    /// A DC refinement scan: one zero bit per block.
    mutating func dcRefinementScan() {
        scan(spectral: 0...0, approximation: 0x10, bits: [Bool](repeating: false, count: blocks))
    }

    /// An AC refinement scan of coefficients 1...63 over every block: end-of-band runs only.
    mutating func acRefinementScan() {
        var bits: [Bool] = []
        func put(_ value: Int, _ count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) { bits.append(value >> i & 1 == 1) }
        }
        var left = blocks
        while left > 0 {
            let run = min(left, 32767), r = Int.bitWidth - 1 - run.leadingZeroBitCount
            put(r, 4)
            put(run - (1 << r), r)
            left -= run
        }
        scan(spectral: 1...63, approximation: 0x10, bits: bits)
    }

    mutating func end() -> [UInt8] {
        bytes += [0xFF, 0xD9]
        return bytes
    }
}

/// Issue 7 item 4: progressive JPEGs are bounded in scans and in total coefficient work.
@Suite struct JPEGLimitTests {
    @Test func aProgressiveFileWithAFewRefinementsDecodes() throws {
        var builder = ProgressiveJPEGBuilder(width: 40, height: 24)
        builder.dcScan()
        for _ in 0..<8 { builder.acRefinementScan() }
        builder.dcRefinementScan()
        let image = try JPEG.decode(builder.end())
        #expect(image.width == 40 && image.height == 24 && image.pixels.allSatisfy { $0 == 128 })
    }

    @Test func moreScansThanLibjpegTurbosLimitAreRefused() throws {
        var builder = ProgressiveJPEGBuilder(width: 8, height: 8)
        builder.dcScan()
        for _ in 0..<500 { builder.dcRefinementScan() }
        #expect {
            try JPEG.decode(builder.end(), source: "many-scans.jpg")
        } throws: { error in
            (error as? ImagingError)?.kind == .tooLarge && "\(error)".contains("many-scans.jpg")
                && "\(error)".contains("more than 500 scans")
        }
    }

    /// 40 whole-frame refinement scans over 2048² in 5 KB: refused at the 17th, before the decoder does the rest.
    @Test func refinementScansOverALargeFrameAreRefusedFast() throws {
        var builder = ProgressiveJPEGBuilder(width: 2048, height: 2048)
        for _ in 0..<40 { builder.acRefinementScan() }
        let bytes = builder.end()
        #expect(bytes.count < 6_000)
        let started = Date()
        #expect {
            try JPEG.decode(bytes, source: "bomb.jpg")
        } throws: { error in
            (error as? ImagingError)?.kind == .tooLarge && "\(error)".contains("bomb.jpg: ")
                && "\(error)".contains("first 17 scans")
        }
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
