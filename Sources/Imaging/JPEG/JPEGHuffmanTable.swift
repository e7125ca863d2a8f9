/// A canonical Huffman table of a JPEG DHT segment (ITU T.81 Annex C), ready for decoding.
///
/// Codes of up to 9 bits are resolved by one lookup in `fast`; longer codes by comparing against `maxCode` per length
/// (T.81 Figure F.16).
struct JPEGHuffmanTable {
    static let fastBits = 9

    /// Indexed by the next 9 bits: `length << 8 | symbol`, or 0 when the code is longer than 9 bits.
    let fast: [UInt16]
    /// Largest code of each length 1...16 (index = length), −1 where there is none.
    let maxCode: [Int32]
    /// `symbols[code + valueOffset[length]]` is the symbol of a code of that length.
    let valueOffset: [Int32]
    let symbols: [UInt8]

    /// - Parameters:
    ///   - counts: the number of codes of each length 1...16 (`counts[0]` is length 1).
    ///   - symbols: the symbols in order of increasing code.
    /// - Throws: `corrupt` when the counts do not describe a valid prefix code or do not match `symbols`.
    init(counts: [Int], symbols: [UInt8]) throws {
        guard counts.count == 16, counts.reduce(0, +) == symbols.count, symbols.count <= 256 else {
            throw ImagingError(.corrupt, "invalid Huffman table size")
        }
        var fast = [UInt16](repeating: 0, count: 1 << Self.fastBits)
        var maxCode = [Int32](repeating: -1, count: 17)
        var valueOffset = [Int32](repeating: 0, count: 17)
        var code = 0
        var index = 0
        for length in 1...16 {
            let count = counts[length - 1]
            valueOffset[length] = Int32(index - code)
            for _ in 0..<count {
                guard code < 1 << length else { throw ImagingError(.corrupt, "Huffman table has too many codes") }
                if length <= Self.fastBits {
                    let shift = Self.fastBits - length
                    for fill in 0..<(1 << shift) {
                        fast[(code << shift) | fill] = UInt16(length << 8) | UInt16(symbols[index])
                    }
                }
                code += 1
                index += 1
            }
            if count > 0 { maxCode[length] = Int32(code - 1) }
            code <<= 1
        }
        self.fast = fast
        self.maxCode = maxCode
        self.valueOffset = valueOffset
        self.symbols = symbols
    }
}
