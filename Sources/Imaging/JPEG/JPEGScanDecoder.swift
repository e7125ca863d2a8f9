/// Decodes the Huffman-coded DCT coefficients of one scan into the components' coefficient blocks.
///
/// Sequential scans (T.81 F.2.2) decode whole blocks. Progressive scans (T.81 G.1.2) decode one of: the DC first
/// pass, a DC refinement bit, an AC spectral band first pass (with end-of-band runs), or an AC refinement pass; the
/// code follows the structure of libjpeg's `jdphuff.c` so the coefficients are the same.
struct JPEGScanDecoder {
    /// Zig-zag position → natural (row-major) index in the 8×8 block (T.81 Figure A.6).
    static let naturalOrder: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14,
        21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60,
        61, 54, 47, 55, 62, 63,
    ]

    private enum Pass { case sequential, dcFirst, dcRefine, acFirst, acRefine }

    let frame: JPEGFrame
    let scan: JPEGScanHeader
    let restartInterval: Int
    private let pass: Pass
    private let dcTables: [JPEGHuffmanTable?]
    private let acTables: [JPEGHuffmanTable?]
    private var endOfBandRun = 0

    /// - Throws: `corrupt` when a Huffman table the scan needs is not defined.
    init(frame: JPEGFrame, scan: JPEGScanHeader, dcTables: [JPEGHuffmanTable?], acTables: [JPEGHuffmanTable?],
         restartInterval: Int) throws {
        self.frame = frame
        self.scan = scan
        self.restartInterval = restartInterval
        if !frame.progressive {
            pass = .sequential
        } else if scan.spectralStart == 0 {
            pass = scan.approximationHigh == 0 ? .dcFirst : .dcRefine
        } else {
            pass = scan.approximationHigh == 0 ? .acFirst : .acRefine
        }
        for entry in scan.components {
            let needsDC = pass == .sequential || pass == .dcFirst
            let needsAC = pass == .sequential || pass == .acFirst || pass == .acRefine
            if needsDC && dcTables[entry.dcTable] == nil || needsAC && acTables[entry.acTable] == nil {
                throw ImagingError(.corrupt, "scan uses an undefined Huffman table")
            }
        }
        self.dcTables = dcTables
        self.acTables = acTables
    }

    /// Decodes every MCU of the scan, starting at `reader`'s position, handling restart markers.
    /// - Throws: `truncated` / `corrupt` when the data ends or breaks before the last MCU.
    mutating func decode(_ reader: inout JPEGBitReader) throws {
        let single = scan.components.count == 1
        let first = frame.components[scan.components[0].index]
        let blocksAcross = (first.width + 7) / 8
        let mcusAcross = single ? blocksAcross : frame.mcusPerLine
        let mcuCount = single ? blocksAcross * ((first.height + 7) / 8) : frame.mcusPerLine * frame.mcusPerColumn
        for entry in scan.components { frame.components[entry.index].dcPredictor = 0 }

        do {
            for mcu in 0..<mcuCount {
                try decodeMCU(mcu, mcusAcross: mcusAcross, single: single, &reader)
            }
        } catch let error as ImagingError where reader.segmentEnded {
            // Invalid codes read from the zeros supplied past the end of the data mean truncation.
            if reader.reachedEndOfData { throw ImagingError(.truncated, "the data ends inside a scan") }
            throw error
        }
        try checkOverrun(reader)
    }

    @inline(__always)
    private mutating func decodeMCU(_ mcu: Int, mcusAcross: Int, single: Bool, _ reader: inout JPEGBitReader) throws {
        if restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0 {
            try checkOverrun(reader)
            try reader.restart()
            endOfBandRun = 0
            for entry in scan.components { frame.components[entry.index].dcPredictor = 0 }
        }
        let mcuX = mcu % mcusAcross, mcuY = mcu / mcusAcross
        if single {
            let component = frame.components[scan.components[0].index]
            try decodeBlock(component.block(mcuX, mcuY), component: component, entry: scan.components[0], &reader)
            return
        }
        for entry in scan.components {
            let component = frame.components[entry.index]
            for v in 0..<component.vertical {
                for h in 0..<component.horizontal {
                    let block = component.block(mcuX * component.horizontal + h, mcuY * component.vertical + v)
                    try decodeBlock(block, component: component, entry: entry, &reader)
                }
            }
        }
    }

    private func checkOverrun(_ reader: JPEGBitReader) throws {
        guard reader.overran else { return }
        if reader.reachedEndOfData { throw ImagingError(.truncated, "the data ends inside a scan") }
        throw ImagingError(.corrupt, "entropy-coded data ends before the last block of the scan or interval")
    }

    @inline(__always)
    private mutating func decodeBlock(_ block: UnsafeMutablePointer<Int16>, component: JPEGComponent,
                                      entry: (index: Int, dcTable: Int, acTable: Int),
                                      _ reader: inout JPEGBitReader) throws {
        switch pass {
        case .sequential:
            try decodeSequential(block, component, dcTables[entry.dcTable]!, acTables[entry.acTable]!, &reader)
        case .dcFirst:
            try decodeDCFirst(block, component, dcTables[entry.dcTable]!, &reader)
        case .dcRefine:
            if reader.bit() { block[0] |= Int16(truncatingIfNeeded: 1 << scan.approximationLow) }
        case .acFirst:
            try decodeACFirst(block, acTables[entry.acTable]!, &reader)
        case .acRefine:
            try decodeACRefine(block, acTables[entry.acTable]!, &reader)
        }
    }

    private func decodeDC(_ component: JPEGComponent, _ table: JPEGHuffmanTable,
                          _ reader: inout JPEGBitReader) throws -> Int {
        let size = try reader.decode(table)
        guard size <= 16 else { throw ImagingError(.corrupt, "invalid DC difference size \(size)") }
        component.dcPredictor &+= reader.signed(size)
        return component.dcPredictor
    }

    private func decodeSequential(_ block: UnsafeMutablePointer<Int16>, _ component: JPEGComponent,
                                  _ dc: JPEGHuffmanTable, _ ac: JPEGHuffmanTable,
                                  _ reader: inout JPEGBitReader) throws {
        block[0] = Int16(truncatingIfNeeded: try decodeDC(component, dc, &reader))
        var k = 1
        while k < 64 {
            let symbol = try reader.decode(ac)
            let run = symbol >> 4, size = symbol & 15
            if size == 0 {
                if run != 15 { break }
                k += 16
                continue
            }
            k += run
            guard k < 64 else { throw ImagingError(.corrupt, "AC coefficient index beyond 63") }
            block[Self.naturalOrder[k]] = Int16(truncatingIfNeeded: reader.signed(size))
            k += 1
        }
    }

    private func decodeDCFirst(_ block: UnsafeMutablePointer<Int16>, _ component: JPEGComponent,
                               _ dc: JPEGHuffmanTable, _ reader: inout JPEGBitReader) throws {
        let value = try decodeDC(component, dc, &reader)
        block[0] = Int16(truncatingIfNeeded: value &<< scan.approximationLow)
    }

    private mutating func decodeACFirst(_ block: UnsafeMutablePointer<Int16>, _ ac: JPEGHuffmanTable,
                                        _ reader: inout JPEGBitReader) throws {
        if endOfBandRun > 0 {
            endOfBandRun -= 1
            return
        }
        var k = scan.spectralStart
        while k <= scan.spectralEnd {
            let symbol = try reader.decode(ac)
            let run = symbol >> 4, size = symbol & 15
            if size == 0 {
                if run < 15 {
                    endOfBandRun = (1 << run) - 1
                    if run > 0 { endOfBandRun += reader.bits(run) }
                    break
                }
                k += 16
                continue
            }
            k += run
            guard k <= scan.spectralEnd else { throw ImagingError(.corrupt, "AC coefficient beyond the band") }
            block[Self.naturalOrder[k]] = Int16(truncatingIfNeeded: reader.signed(size) &<< scan.approximationLow)
            k += 1
        }
    }

    /// T.81 G.1.2.3: each new coefficient is ±1 at the current bit; every already non-zero coefficient passed on the
    /// way receives one correction bit.
    private mutating func decodeACRefine(_ block: UnsafeMutablePointer<Int16>, _ ac: JPEGHuffmanTable,
                                         _ reader: inout JPEGBitReader) throws {
        let plusOne = Int16(truncatingIfNeeded: 1 << scan.approximationLow)
        let minusOne = Int16(truncatingIfNeeded: -1 << scan.approximationLow)
        func refine(_ index: Int, _ reader: inout JPEGBitReader) {
            let value = block[index]
            if reader.bit() && value & plusOne == 0 { block[index] = value &+ (value >= 0 ? plusOne : minusOne) }
        }
        var k = scan.spectralStart
        if endOfBandRun == 0 {
            while k <= scan.spectralEnd {
                let symbol = try reader.decode(ac)
                var run = symbol >> 4
                let size = symbol & 15
                var value: Int16 = 0
                if size != 0 {
                    guard size == 1 else { throw ImagingError(.corrupt, "invalid refinement coefficient size") }
                    value = reader.bit() ? plusOne : minusOne
                } else if run != 15 {
                    endOfBandRun = 1 << run
                    if run > 0 { endOfBandRun += reader.bits(run) }
                    break
                }
                while k <= scan.spectralEnd {
                    let index = Self.naturalOrder[k]
                    if block[index] != 0 {
                        refine(index, &reader)
                    } else {
                        if run == 0 { break }
                        run -= 1
                    }
                    k += 1
                }
                if value != 0 {
                    guard k <= scan.spectralEnd else { throw ImagingError(.corrupt, "AC refinement beyond the band") }
                    block[Self.naturalOrder[k]] = value
                }
                k += 1
            }
        }
        if endOfBandRun > 0 {
            while k <= scan.spectralEnd {
                let index = Self.naturalOrder[k]
                if block[index] != 0 { refine(index, &reader) }
                k += 1
            }
            endOfBandRun -= 1
        }
    }
}
