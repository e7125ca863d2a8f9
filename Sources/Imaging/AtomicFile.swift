import Foundation

/// Writes files so that readers never see a partial file: the content goes to `<name>.tmp-<pid>-<random>` in the
/// target's folder, which is then renamed over the target (rename(2) is atomic within one file system). On any error
/// the temporary file is removed and the target is left as it was.
///
/// ``write(_:to:)`` (manifests, reports, checkpoints, model files) also flushes the data to disk before the rename,
/// so the file survives a power loss once the call returns; `PNG.write` does not flush (dataset images are many and
/// can be regenerated).
public enum AtomicFile {
    /// Writes `data` to `url` atomically and durably.
    /// - Throws: `ImagingError.Kind.writeFailed` naming `url`.
    public static func write(_ data: Data, to url: URL) throws {
        try replace(url) { temporary in
            do {
                try data.write(to: temporary)
                let handle = try FileHandle(forWritingTo: temporary)
                defer { try? handle.close() }
                try handle.synchronize()
            } catch {
                throw ImagingError(.writeFailed, file: url.path,
                                   FileErrorText.reason(for: error, path: url.path) ?? "\(error)")
            }
        }
    }

    /// Runs `produce` to write the new content to a temporary URL, then renames it over `url`.
    static func replace(_ url: URL, produce: (URL) throws -> Void) throws {
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent("\(url.lastPathComponent).tmp-\(getpid())-\(random)")
        do {
            try produce(temporary)
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                throw ImagingError(.writeFailed, file: url.path, "cannot rename the temporary file: \(reason)")
            }
        } catch {
            unlink(temporary.path)
            throw error
        }
    }
}
