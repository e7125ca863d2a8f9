/// Why an image could not be read, decoded, written or transformed.
///
/// Every error names the file it is about (`file`, nil for in-memory data and argument errors) and carries the
/// underlying message: libpng's text for PNG, the JPEG decoder's for JPEG, `strerror` for system calls.
public struct ImagingError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The file does not exist (ENOENT).
        case fileNotFound
        /// The file exists but could not be opened or read (permissions, a directory, an I/O error).
        case unreadable
        /// The data is empty or does not start with the PNG signature.
        case notPNG
        /// The data starts with neither the PNG nor the JPEG signature.
        case unknownFormat
        /// The data ends before the image is complete.
        case truncated
        /// A PNG chunk failed its CRC check.
        case checksum
        /// Invalid content: zlib stream errors, invalid chunks or markers, impossible headers, bad Huffman codes.
        case corrupt
        /// A valid file that uses a feature this decoder does not implement (for example arithmetic-coded JPEG).
        case unsupported
        /// The image exceeds the decoder's size limits.
        case tooLarge
        /// Memory for the decoded image could not be allocated.
        case outOfMemory
        /// Writing or renaming the output failed.
        case writeFailed
        /// A caller error: inconsistent sizes, channel counts or parameters.
        case invalidArgument
    }

    public var kind: Kind
    public var file: String?
    public var message: String

    public init(_ kind: Kind, file: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.message = message
    }

    public var description: String {
        if let file { return "\(file): \(kind.rawValue): \(message)" }
        return "\(kind.rawValue): \(message)"
    }
}
