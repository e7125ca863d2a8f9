import Foundation
import PNGShim

/// PNG reading and writing through libpng (wrapped by the C target `PNGShim`, which owns every `setjmp`).
///
/// Reading accepts every PNG colour type and bit depth and normalises it to 8-bit samples with 1–4 channels:
/// palettes become RGB (RGBA when the palette has transparency), gray below 8 bits is scaled to 8 bits, 16-bit samples
/// keep their high byte (as PIL does when it converts to 8-bit modes), a tRNS chunk becomes an alpha channel,
/// interlaced images are de-interlaced. Widths and heights above 16384 are rejected as `tooLarge`.
public enum PNG {
    /// Row filtering before compression.
    public enum RowFilter: Sendable {
        /// `none` for compression levels 0–2 (speed), `adaptive` above (size).
        case automatic
        /// No filtering: fastest, and small enough for mostly-black images such as fractals.
        case none
        /// libpng's per-row choice among the five PNG filters.
        case adaptive
    }

    /// Decodes the PNG file at `url`.
    /// - Throws: `ImagingError` naming the file: `fileNotFound`, `unreadable`, `notPNG`, `truncated`, `checksum`,
    ///   `corrupt` (zlib or chunk errors, with libpng's message), `tooLarge`, `outOfMemory`.
    public static func read(_ url: URL) throws -> ByteImage {
        var image = pngshim_image()
        var error = pngshim_error()
        let status = url.withUnsafeFileSystemRepresentation { path in
            pngshim_read_file(path, &image, &error)
        }
        try check(status, error, file: url.path)
        return adopt(image)
    }

    /// Decodes a PNG held in memory.
    /// - Parameter source: names the data in errors (a file path, or nil for "in memory").
    public static func decode(_ data: [UInt8], source: String? = nil) throws -> ByteImage {
        var image = pngshim_image()
        var error = pngshim_error()
        let status = data.withUnsafeBufferPointer { buffer in
            pngshim_read_memory(buffer.baseAddress, buffer.count, &image, &error)
        }
        try check(status, error, file: source)
        return adopt(image)
    }

    /// Writes `image` as an 8-bit PNG (gray, gray+alpha, RGB or RGBA by its channel count), atomically (see
    /// `AtomicFile`).
    /// - Parameters:
    ///   - compressionLevel: zlib level 0–9; 1 (default) is the fastest level that still compresses.
    ///   - rowFilter: see `RowFilter`.
    public static func write(_ image: ByteImage, to url: URL, compressionLevel: Int = 1,
                             rowFilter: RowFilter = .automatic) throws {
        try image.pixels.withUnsafeBytes { pixels in
            try write(pixels: pixels, width: image.width, height: image.height, channels: image.channels, to: url,
                      compressionLevel: compressionLevel, rowFilter: rowFilter)
        }
    }

    /// Writes `height` rows of `width × channels` interleaved 8-bit samples (no row padding) as a PNG, atomically.
    /// - Throws: `ImagingError.Kind.invalidArgument` for inconsistent sizes or a level outside 0–9;
    ///   `writeFailed` (folder missing or read-only, disk full, rename failed). Nothing is left at `url` or beside it
    ///   on failure.
    public static func write(pixels: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int, to url: URL,
                             compressionLevel: Int = 1, rowFilter: RowFilter = .automatic) throws {
        guard width > 0, height > 0, width <= Int(PNGSHIM_MAX_DIMENSION), height <= Int(PNGSHIM_MAX_DIMENSION),
              (1...4).contains(channels) else {
            throw ImagingError(.invalidArgument, file: url.path, "cannot write a \(width)×\(height)×\(channels) PNG")
        }
        guard pixels.count == width * height * channels, let base = pixels.baseAddress else {
            throw ImagingError(.invalidArgument, file: url.path,
                               "\(pixels.count) bytes for a \(width)×\(height)×\(channels) image")
        }
        guard (0...9).contains(compressionLevel) else {
            throw ImagingError(.invalidArgument, file: url.path, "compression level \(compressionLevel) is not 0–9")
        }
        let filter = switch rowFilter {
        case .automatic: PNGSHIM_FILTER_AUTO
        case .none: PNGSHIM_FILTER_NONE
        case .adaptive: PNGSHIM_FILTER_ADAPTIVE
        }
        try AtomicFile.replace(url) { temporary in
            var error = pngshim_error()
            let status = temporary.withUnsafeFileSystemRepresentation { path in
                pngshim_write_file(path, base.assumingMemoryBound(to: UInt8.self), UInt32(width), UInt32(height),
                                   Int32(channels), width * channels, Int32(compressionLevel), filter, &error)
            }
            try check(status, error, file: url.path, writing: true)  // names the target, not the temporary file
        }
    }

    /// Moves the shim's malloc'ed pixels into a `ByteImage`.
    private static func adopt(_ image: pngshim_image) -> ByteImage {
        defer { pngshim_free(image.pixels) }
        let count = Int(image.width) * Int(image.height) * Int(image.channels)
        return ByteImage(validatedWidth: Int(image.width), height: Int(image.height), channels: Int(image.channels),
                         pixels: Array(UnsafeBufferPointer(start: image.pixels, count: count)))
    }

    private static func check(_ status: pngshim_status, _ error: pngshim_error, file: String?,
                              writing: Bool = false) throws {
        let kind: ImagingError.Kind
        switch status {
        case PNGSHIM_OK: return
        case PNGSHIM_OPEN_FAILED where writing, PNGSHIM_IO_FAILED where writing: kind = .writeFailed
        case PNGSHIM_OPEN_FAILED: kind = error.os_error == ENOENT ? .fileNotFound : .unreadable
        case PNGSHIM_NOT_PNG: kind = .notPNG
        case PNGSHIM_TRUNCATED: kind = .truncated
        case PNGSHIM_CHECKSUM: kind = .checksum
        case PNGSHIM_TOO_LARGE: kind = .tooLarge
        case PNGSHIM_OUT_OF_MEMORY: kind = .outOfMemory
        case PNGSHIM_IO_FAILED: kind = .unreadable
        case PNGSHIM_INVALID_ARGUMENT: kind = .invalidArgument
        default: kind = .corrupt
        }
        throw ImagingError(kind, file: file, message(error))
    }

    private static func message(_ error: pngshim_error) -> String {
        withUnsafeBytes(of: error.message) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
