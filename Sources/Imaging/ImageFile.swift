import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads PNG or JPEG files, whichever the content is (the file name's extension is not consulted).
public enum ImageFile {
    /// Decodes the file at `url` by its signature: `89 50 4E 47 …` → `PNG`, `FF D8 FF` → `JPEG`.
    /// - Throws: `ImagingError` naming the file; `unknownFormat` for any other content.
    public static func read(_ url: URL) throws -> ByteImage {
        let bytes = try FileBytes.read(url)
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try PNG.decode(bytes, source: url.path)
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            return try JPEG.decode(bytes, source: url.path)
        }
        throw ImagingError(.unknownFormat, file: url.path, bytes.isEmpty ? "empty file" : "neither PNG nor JPEG")
    }
}

/// Whole-file reads with errors mapped to `ImagingError`.
enum FileBytes {
    static func read(_ url: URL) throws -> [UInt8] {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw systemError(url) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var status = stat()
        if fstat(descriptor, &status) == 0 { bytes.reserveCapacity(Int(status.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw systemError(url)
            }
            if got == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<got])
        }
    }

    private static func systemError(_ url: URL) -> ImagingError {
        let code = errno
        return ImagingError(code == ENOENT ? .fileNotFound : .unreadable, file: url.path,
                            String(cString: strerror(code)))
    }
}
