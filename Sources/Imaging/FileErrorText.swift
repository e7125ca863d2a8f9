import Foundation

/// Plain sentences for Foundation's file errors (`NSCocoaErrorDomain`, `NSPOSIXErrorDomain`), which otherwise reach
/// the user as `Error Domain=NSCocoaErrorDomain Code=516 "…" UserInfo={…}`.
public enum FileErrorText {
    /// `error` as one sentence naming the path (`path`, else the one the error carries), or nil when `error` is not
    /// a Foundation or POSIX error (then its own description is the message).
    public static func sentence(for error: any Error, path: String? = nil) -> String? {
        guard let reason = reason(for: error, path: path) else { return nil }
        return (path ?? errorPath(error as NSError)).map { "\($0): \(reason)" } ?? reason
    }

    /// The reason alone ("permission denied"), for a message that names the path itself; nil as above.
    public static func reason(for error: any Error, path: String? = nil) -> String? {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return nil }
        let path = path ?? errorPath(ns)
        let posix = ns.domain == NSPOSIXErrorDomain ? ns
            : (ns.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
                .flatMap { $0.domain == NSPOSIXErrorDomain ? $0 : nil }
        return posix.map { reason(posix: Int32($0.code), path: path) } ?? reason(cocoa: ns.code, path: path)
    }

    /// Why `url` cannot be read as a file — it does not exist, is a folder, or is a device, pipe or socket (which
    /// Foundation reports as "permission") — or nil when it is a regular file.
    public static func problem(readingFile url: URL) -> String? {
        var status = stat()
        guard stat(url.path, &status) == 0 else { return reason(posix: errno, path: url.path) }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "it is a folder, not a file"
        default: return "it is not a regular file (a device, pipe or socket)"
        }
    }

    /// Reads the regular file at `url`.
    /// - Throws: `FileReadError` with a plain sentence naming the path.
    public static func contents(of url: URL, options: Data.ReadingOptions = []) throws -> Data {
        if let problem = problem(readingFile: url) { throw FileReadError(path: url.path, reason: problem) }
        do {
            return try Data(contentsOf: url, options: options)
        } catch {
            throw FileReadError(path: url.path, reason: reason(for: error, path: url.path) ?? "\(error)")
        }
    }

    private static func errorPath(_ error: NSError) -> String? {
        error.userInfo[NSFilePathErrorKey] as? String ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
    }

    /// `sentence(for:path:)`, else the error's description.
    public static func describe(_ error: any Error, path: String? = nil) -> String {
        sentence(for: error, path: path) ?? "\(error)"
    }

    private static func reason(posix code: Int32, path: String?) -> String {
        switch code {
        case ENOENT: "it does not exist, or a folder on its path does not"
        case ENOTDIR: "a part of its path is a file, not a folder"
        case EEXIST: existing(path)
        case EISDIR: "it is a folder, not a file"
        case EACCES, EPERM: "permission denied"
        case ENOSPC: "no space is left on the device"
        case EROFS: "the file system is read-only"
        default: String(cString: strerror(code))
        }
    }

    private static func reason(cocoa code: Int, path: String?) -> String {
        switch CocoaError.Code(rawValue: code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: "it does not exist, or a folder on its path does not"
        case .fileWriteFileExists: existing(path)
        case .fileReadNoPermission, .fileWriteNoPermission: "permission denied"
        case .fileWriteOutOfSpace: "no space is left on the device"
        case .fileWriteVolumeReadOnly: "the file system is read-only"
        case .fileReadCorruptFile: "its content cannot be read"
        case .fileReadTooLarge: "it is too large to read"
        case .fileReadUnknown, .fileReadInvalidFileName: "it cannot be read"
        case .fileWriteUnknown, .fileWriteInvalidFileName: "it cannot be written"
        default: "the file operation failed (Foundation error \(code))"
        }
    }

    private static func existing(_ path: String?) -> String {
        var isFolder: ObjCBool = false
        if let path, FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            return "it already exists as a file, not a folder"
        }
        return "it already exists"
    }
}

/// A file that could not be read, with the reason in plain words.
public struct FileReadError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}
