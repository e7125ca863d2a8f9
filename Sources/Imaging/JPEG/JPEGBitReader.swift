/// Reads the entropy-coded data of a scan: removes the stuffed zero after each 0xFF data byte and stops at the
/// next marker (T.81 F.1.2.3).
///
/// After the segment ends (a marker or the end of the data), zero bits are supplied, as libjpeg does; a valid stream
/// never consumes them, so `overran` becomes true only for truncated or corrupt data. The reader never reads outside
/// `bytes`.
struct JPEGBitReader {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The next byte to read; after the segment ends, the position of the marker (or of the end of the data).
    private(set) var position: Int
    /// Buffered bits, left-aligned: the next bit is the most significant one.
    private var buffer: UInt64 = 0
    private var count = 0
    /// How many of the buffered bits (the last ones) are zeros supplied after the segment ended.
    private var padding = 0
    private(set) var segmentEnded = false
    /// Whether the segment ended because the data ended, without a marker (truncation rather than corruption).
    private(set) var reachedEndOfData = false
    private(set) var overran = false

    init(bytes: UnsafeBufferPointer<UInt8>, position: Int) {
        self.bytes = bytes
        self.position = position
    }

    private mutating func refill() {
        while count <= 56 {
            var byte: UInt8 = 0
            if !segmentEnded {
                if position < bytes.count {
                    byte = bytes[position]
                    if byte != 0xFF {
                        position += 1
                    } else if position + 1 < bytes.count && bytes[position + 1] == 0 {
                        position += 2
                    } else {
                        segmentEnded = true
                        reachedEndOfData = position + 1 >= bytes.count
                        byte = 0
                    }
                } else {
                    segmentEnded = true
                    reachedEndOfData = true
                }
            }
            if segmentEnded { padding += 8 }
            buffer |= UInt64(byte) << UInt64(56 - count)
            count += 8
        }
    }

    @inline(__always)
    private mutating func consume(_ n: Int) {
        buffer <<= UInt64(n)
        count -= n
        if count < padding {
            overran = true
            padding = count
        }
    }

    /// The next `n` bits (1...16) as an unsigned number.
    @inline(__always)
    mutating func bits(_ n: Int) -> Int {
        if count < n { refill() }
        let value = Int(truncatingIfNeeded: buffer >> UInt64(64 - n))
        consume(n)
        return value
    }

    @inline(__always)
    mutating func bit() -> Bool { bits(1) == 1 }

    /// The next `n` bits as a signed DCT value (T.81 F.2.2.1 EXTEND); 0 for `n == 0`.
    @inline(__always)
    mutating func signed(_ n: Int) -> Int {
        guard n > 0 else { return 0 }
        let value = bits(n)
        return value < 1 << (n - 1) ? value - (1 << n) + 1 : value
    }

    /// The next Huffman-coded symbol.
    /// - Throws: `corrupt` when the bits match no code of `table`.
    @inline(__always)
    mutating func decode(_ table: JPEGHuffmanTable) throws -> Int {
        if count < 16 { refill() }
        let entry = table.fast[Int(truncatingIfNeeded: buffer >> UInt64(64 - JPEGHuffmanTable.fastBits))]
        if entry != 0 {
            consume(Int(entry >> 8))
            return Int(entry & 0xFF)
        }
        for length in (JPEGHuffmanTable.fastBits + 1)...16 {
            let code = Int32(truncatingIfNeeded: buffer >> UInt64(64 - length))
            if code <= table.maxCode[length] {
                let index = Int(code + table.valueOffset[length])
                guard table.symbols.indices.contains(index) else { break }
                consume(length)
                return Int(table.symbols[index])
            }
        }
        throw ImagingError(.corrupt, "invalid Huffman code in the scan data")
    }

    /// Drops the buffered bits and moves past the next marker, which must be a restart marker (RST0–RST7).
    /// - Throws: `truncated` at the end of the data, `corrupt` if another marker comes first.
    mutating func restart() throws {
        buffer = 0
        count = 0
        padding = 0
        segmentEnded = false
        position = try JPEGBitReader.nextMarker(in: bytes, from: position)
        let marker = bytes[position + 1]
        guard (0xD0...0xD7).contains(marker) else {
            throw ImagingError(.corrupt, String(format: "expected a restart marker, found 0xFF%02X", marker))
        }
        position += 2
    }

    /// The position of the next marker (0xFF followed by neither 0x00 nor 0xFF) at or after `start`; stuffed bytes
    /// and fill bytes in between are skipped.
    /// - Throws: `truncated` when the data ends first.
    static func nextMarker(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws -> Int {
        var position = start
        while position + 1 < bytes.count {
            if bytes[position] == 0xFF && bytes[position + 1] != 0 && bytes[position + 1] != 0xFF {
                return position
            }
            position += 1
        }
        throw ImagingError(.truncated, "the data ends inside a scan")
    }
}
