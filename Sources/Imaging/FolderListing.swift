import Foundation

/// Lists the files below a folder the way datasets on shared storage need: symbolic links to folders and files are
/// followed, and each folder is entered once (by device and inode), so a link cycle cannot loop.
public enum FolderListing {
    /// Why `url` cannot be listed as a folder — it does not exist, or is a file — or nil when it is a folder
    /// (possibly through a symbolic link).
    public static func problem(listingFolder url: URL) -> String? {
        var status = stat()
        guard stat(url.path, &status) == 0 else {
            return errno == ENOENT ? "it does not exist" : String(cString: strerror(errno))
        }
        return status.st_mode & S_IFMT == S_IFDIR ? nil : "it is a file, not a folder"
    }

    /// The regular files below `folder` (recursively) whose extension, lower-cased, is in `extensions`, sorted by
    /// path. Paths keep the names of the links they were reached through.
    /// - Throws: `FileReadError` when `folder` or a folder below it cannot be listed.
    public static func files(below folder: URL, extensions: Set<String>) throws -> [URL] {
        var visited = Set<[UInt64]>()
        var found: [URL] = []
        try walk(folder, extensions: extensions, visited: &visited, into: &found)
        return found.sorted { $0.path < $1.path }
    }

    private static func walk(_ folder: URL, extensions: Set<String>, visited: inout Set<[UInt64]>,
                             into found: inout [URL]) throws {
        var status = stat()
        guard stat(folder.path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw FileReadError(path: folder.path, reason: problem(listingFolder: folder) ?? "it cannot be listed")
        }
        guard visited.insert([UInt64(status.st_dev), UInt64(status.st_ino)]).inserted else { return }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw FileReadError(path: folder.path, reason: FileErrorText.reason(for: error, path: folder.path)
                ?? "it cannot be listed")
        }
        for name in names {
            let entry = folder.appending(path: name)
            var target = stat()
            // A dangling link or an entry removed meanwhile is skipped, as a directory walk would.
            guard stat(entry.path, &target) == 0 else { continue }
            switch target.st_mode & S_IFMT {
            case S_IFDIR:
                try walk(entry, extensions: extensions, visited: &visited, into: &found)
            case S_IFREG where extensions.contains(entry.pathExtension.lowercased()):
                found.append(entry)
            default:
                continue
            }
        }
    }
}
