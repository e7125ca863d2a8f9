import Compute
import Foundation

/// `manifest.json` of a generated dataset (one per shard: `manifest.shard-<i>-of-<n>.json` when sharded): every
/// parameter, the seed, the tool version, and how the run went.
public struct DatasetManifest: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case inProgress = "in-progress"
        case interrupted
        case complete
    }

    public var tool = "fractalad"
    public var version = FractalADVersion.string
    public var spec: DatasetSpec
    public var shard: Shard
    /// The systems file inside the dataset folder, and the FNV-1a 64 hash of its bytes.
    public var systemsFile: String
    public var systemsHash: String
    public var status: Status
    public var images: Int
    public var summary: Summary

    /// Counts over the images rendered by the latest run.
    public struct Summary: Codable, Sendable, Equatable {
        public var rendered = 0
        public var alreadyPresent = 0
        public var redrawn = 0
        /// Images whose last attempt was still below the minimum fill (kept, listed here).
        public var belowMinimumFill: [String] = []
        public var minimumFill: Double?
        public var meanFill: Double?
        public var device = ""
        public var seconds = 0.0

        public init() {}
    }

    public static func fileName(for shard: Shard) -> String {
        shard.count == 1 ? "manifest.json" : "manifest.shard-\(shard.index)-of-\(shard.count).json"
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

/// 64-bit FNV-1a of a byte sequence, as 16 hex digits (identifies a systems file in a manifest).
func fnv1a64(_ data: Data) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in data {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return String(hash, radix: 16).leftPadded(to: 16)
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        String(repeating: pad, count: max(0, width - count)) + self
    }
}
