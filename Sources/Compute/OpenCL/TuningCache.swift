import Foundation

/// The per-user file of tuned kernel variants: `$FRACTALAD_TUNING_CACHE`, else
/// `$XDG_CACHE_HOME/fractalad/tuning.json`, else `~/.cache/fractalad/tuning.json`.
///
/// Entries are keyed by device (name, vendor, platform, driver), kernel, the hash of the kernel's source and the
/// shape class, so a new driver or an edited kernel is tuned again. A file that cannot be read as this format, or an
/// entry naming a variant the kernel no longer has, is ignored with a warning and rewritten. Writes go to a
/// temporary file renamed over the old one, so concurrent processes never see a torn file (the last writer wins).
public struct TuningCache: Sendable {
    public static let environmentVariable = "FRACTALAD_TUNING_CACHE"
    static let format = "fractalad-tuning-1"

    public let url: URL

    public init(url: URL) { self.url = url }

    /// The cache named by the environment, or the per-user default.
    public static var standard: TuningCache {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment[environmentVariable], !path.isEmpty {
            return TuningCache(url: URL(fileURLWithPath: path))
        }
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appending(path: ".cache")
        return TuningCache(url: base.appending(path: "fractalad/tuning.json"))
    }

    /// One cached winner.
    public struct Entry: Codable, Equatable, Sendable {
        public var key: String
        public var variant: KernelParameters
        /// Best-of-three seconds of the winner on the class's problem.
        public var seconds: Double

        public init(key: String, variant: KernelParameters, seconds: Double) {
            self.key = key
            self.variant = variant
            self.seconds = seconds
        }
    }

    private struct File: Codable {
        var format: String
        var entries: [Entry]
    }

    /// The entries on disk, and a warning when the file exists but was not usable (it will be rewritten).
    public func load() -> (entries: [String: Entry], warning: String?) {
        guard FileManager.default.fileExists(atPath: url.path) else { return ([:], nil) }
        do {
            let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
            guard file.format == Self.format else {
                return ([:], "ignoring the tuning cache \(url.path): format '\(file.format)' is not "
                    + "'\(Self.format)'; it will be rebuilt")
            }
            return (Dictionary(file.entries.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last }), nil)
        } catch {
            return ([:], "ignoring the tuning cache \(url.path): it is not a tuning file (\(error.localizedDescription))"
                + "; it will be rebuilt")
        }
    }

    /// Merges `entry` into the file on disk (re-read first, so entries other processes added are kept) and
    /// replaces the file atomically. Failing to write only costs a re-tune, so errors are returned, not thrown.
    @discardableResult
    public func store(_ entry: Entry) -> String? {
        var entries = load().entries
        entries[entry.key] = entry
        let file = File(format: Self.format, entries: entries.values.sorted { $0.key < $1.key })
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(file).write(to: url, options: .atomic)
            return nil
        } catch {
            return "cannot write the tuning cache \(url.path): \(error.localizedDescription)"
        }
    }

    /// The key of one (device, kernel source, kernel, shape class). PoCL's `POCL_LLVM_CPU_NAME` changes the code
    /// it generates (`haswell` restricts it to AVX2) without changing the device's name, so it is part of the key.
    static func key(device: OpenCLDeviceDescriptor, source: String, kernel: TunableKernel,
                    shapeClass: TuningShapeClass) -> String {
        let target = ProcessInfo.processInfo.environment["POCL_LLVM_CPU_NAME"].map { " (target \($0))" } ?? ""
        return [device.info.name + target, device.properties.vendor, device.info.platform, device.info.driverVersion,
         "\(kernel.program).cl#\(fnv1a(source))", kernel.rawValue, shapeClass.description].joined(separator: " | ")
    }

    /// 64-bit FNV-1a of `text`, as 16 hex digits: identifies a kernel source revision.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
