import Foundation
import Imaging

/// Element types of the safetensors format. Floating-point tensors of any listed width load as float32; integer
/// tensors load as int64.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case float32 = "F32"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case float64 = "F64"
    case int64 = "I64"
    case int32 = "I32"

    public var byteSize: Int {
        switch self {
        case .float16, .bfloat16: 2
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }

    public var isFloatingPoint: Bool { self != .int64 && self != .int32 }
}

/// One tensor of a safetensors file: its type, shape and raw little-endian bytes.
public struct SafeTensor: Sendable, Equatable {
    public var dtype: SafeTensorsDType
    public var shape: [Int]
    /// `count · dtype.byteSize` bytes, row-major, little-endian.
    public var data: Data

    public var count: Int { shape.reduce(1, *) }

    /// A float32 tensor.
    public init(_ values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        dtype = .float32
        self.shape = shape
        data = values.withUnsafeBytes { Data($0) }
    }

    /// An int64 scalar (a 0-dimensional tensor, shape `[]`), as PyTorch stores `num_batches_tracked`.
    public init(scalar value: Int64) {
        dtype = .int64
        shape = []
        data = withUnsafeBytes(of: value.littleEndian) { Data($0) }
    }

    /// Raw bytes; `data.count` must equal `count · dtype.byteSize`.
    public init(dtype: SafeTensorsDType, shape: [Int], data: Data) {
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    /// The values as float32: F32 as stored, F16, BF16 and F64 converted (F64 rounds to nearest).
    /// - Throws: ``BackboneError/invalidArgument(_:)`` for an integer tensor.
    public func floats() throws -> [Float] {
        let n = count
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Float] in
            switch dtype {
            case .float32:
                return (0..<n).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0,
                                                                                             as: UInt32.self))) }
            case .float16:
                return (0..<n).map { Self.halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0,
                                                                                              as: UInt16.self))) }
            case .bfloat16:
                return (0..<n).map {
                    Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0,
                                                                                    as: UInt16.self))) << 16)
                }
            case .float64:
                return (0..<n).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(
                    fromByteOffset: 8 * $0, as: UInt64.self)))) }
            case .int64, .int32:
                throw BackboneError.invalidArgument("a \(dtype.rawValue) tensor cannot be read as floats")
            }
        }
    }

    /// The values as int64 (I64 as stored, I32 widened).
    /// - Throws: ``BackboneError/invalidArgument(_:)`` for a floating-point tensor.
    public func int64s() throws -> [Int64] {
        let n = count
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Int64] in
            switch dtype {
            case .int64:
                return (0..<n).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case .int32:
                return (0..<n).map {
                    Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)))
                }
            default:
                throw BackboneError.invalidArgument("a \(dtype.rawValue) tensor cannot be read as integers")
            }
        }
    }

    /// IEEE 754 binary16 → binary32, exactly (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa · 2⁻²⁴.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 31:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
        }
    }
}

/// A safetensors file (Hugging Face's tensor format): an 8-byte little-endian header length `L`, `L` bytes of
/// JSON mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into the data
/// that follows) plus an optional `"__metadata__"` object of string → string, then the tensors' bytes.
///
/// Reading checks what the reference implementation checks: the header is a JSON object, every dtype is known,
/// every tensor's byte range matches its shape, and the ranges tile the data exactly (no gaps, overlaps or
/// trailing bytes). Writing follows the reference layout: the header padded with spaces to a multiple of 8, the
/// data ordered by element size (largest first), then by name.
public struct SafeTensorsFile: Sendable, Equatable {
    public var tensors: [String: SafeTensor]
    public var metadata: [String: String]

    public init(tensors: [String: SafeTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Largest header accepted (the reference implementation's limit).
    static let maximumHeaderBytes = 100_000_000

    /// Parses a file's bytes.
    /// - Parameter source: the file name for error messages.
    /// - Throws: ``BackboneError/invalidSafeTensors(source:reason:)``.
    public init(data: Data, source: String = "safetensors data") throws {
        func fail(_ reason: String) -> BackboneError { .invalidSafeTensors(source: source, reason: reason) }
        guard data.count >= 8 else { throw fail("\(data.count) bytes, shorter than the 8-byte header length") }
        let start = data.startIndex
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(Self.maximumHeaderBytes), Int(headerLength) <= data.count - 8 else {
            throw fail("header length \(headerLength) exceeds the file (\(data.count) bytes)")
        }
        let headerEnd = start + 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data[(start + 8)..<headerEnd])
        } catch {
            throw fail("the header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw fail("the header is not a JSON object") }
        let payload = data[headerEnd...]
        var tensors: [String: SafeTensor] = [:]
        var ranges: [(begin: Int, end: Int, name: String)] = []
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let object = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, item) in object {
                    guard let text = item as? String else { throw fail("__metadata__.\(key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw fail("\(name): entry is not an object") }
            guard let dtypeName = entry["dtype"] as? String else { throw fail("\(name): no dtype") }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw fail("\(name): unsupported dtype \(dtypeName) (supported: "
                    + SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            guard let shape = Self.integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("\(name): shape is not a list of non-negative integers")
            }
            guard let offsets = Self.integers(entry["data_offsets"]), offsets.count == 2, offsets[0] >= 0,
                  offsets[0] <= offsets[1], offsets[1] <= payload.count else {
                throw fail("\(name): data_offsets are not [begin, end] within the \(payload.count) data bytes")
            }
            let (count, overflow) = shape.reduce((1, false)) { partial, dimension in
                let product = partial.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, partial.1 || product.overflow)
            }
            let bytes = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, !bytes.overflow, offsets[1] - offsets[0] == bytes.partialValue else {
                throw fail("\(name): \(offsets[1] - offsets[0]) bytes for a \(dtypeName) tensor of shape \(shape)")
            }
            let begin = payload.startIndex + offsets[0]
            tensors[name] = SafeTensor(dtype: dtype, shape: shape, data: payload[begin..<(begin + bytes.partialValue)])
            ranges.append((offsets[0], offsets[1], name))
        }
        var position = 0
        for range in ranges.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard range.begin == position else {
                throw fail(range.begin < position ? "\(range.name) overlaps another tensor"
                    : "a gap of \(range.begin - position) bytes before \(range.name)")
            }
            position = range.end
        }
        guard position == payload.count else {
            throw fail("\(payload.count - position) bytes after the last tensor")
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads and parses the file at `url` (memory-mapped).
    /// - Throws: ``BackboneError/invalidSafeTensors(source:reason:)``, also when the file cannot be read.
    public static func read(_ url: URL) throws -> SafeTensorsFile {
        let data: Data
        do {
            data = try FileErrorText.contents(of: url, options: .alwaysMapped)
        } catch let error as FileReadError {
            throw BackboneError.unreadableFile(error)
        }
        return try SafeTensorsFile(data: data, source: url.path)
    }

    /// The file's bytes.
    public func encoded() -> Data {
        let order = tensors.keys.sorted { a, b in
            let (sa, sb) = (tensors[a]!.dtype.byteSize, tensors[b]!.dtype.byteSize)
            return sa != sb ? sa > sb : a < b
        }
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in order {
            let tensor = tensors[name]!
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(Self.quoted(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + tensor.data.count)]}")
            offset += tensor.data.count
        }
        var header = Data(("{" + entries.joined(separator: ",") + "}").utf8)
        header.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8))
        var out = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(header)
        for name in order { out.append(tensors[name]!.data) }
        return out
    }

    /// Writes the file atomically (a reader never sees a partial file).
    public func write(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url)
    }

    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in list {
            // JSON true/false arrive as NSNumber too; their Objective-C type is "c".
            guard let number = item as? NSNumber, String(cString: number.objCType) != "c",
                  let integer = item as? Int else { return nil }
            result.append(integer)
        }
        return result
    }

    /// A JSON string literal.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
