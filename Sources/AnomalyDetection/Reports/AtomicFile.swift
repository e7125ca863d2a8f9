import Foundation

/// Whole-file writes that never leave a partial file behind.
enum AtomicFile {
    /// Writes `data` to a new temporary file in `url`'s folder, flushes it to disk and renames it over `url`
    /// (`rename(2)` is atomic within one file system). Readers see the old file or the new one, never a mix; on
    /// any failure the temporary file is removed and `url` is untouched.
    static func write(_ data: Data, to url: URL) throws {
        let path = url.path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        func failure(_ step: String) -> MetricsError {
            MetricsError.fileWriteFailed(path: path, reason: "\(step): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("creating a temporary file") }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        var closed = false
        defer { if !closed { close(descriptor) } }
        try data.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let result = writeSome(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { throw failure("writing") }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else { throw failure("flushing") }
        closed = true
        guard close(descriptor) == 0 else { throw failure("closing") }
        guard rename(temporary, path) == 0 else { throw failure("renaming into place") }
        renamed = true
    }
}

/// `write(2)`, named apart from ``AtomicFile/write(_:to:)``.
private func writeSome(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
