import Compute
import Foundation
import Imaging

/// The `systems.json` file: sampled iterated function systems and how they were made.
///
/// ```json
/// {
///   "format": "fractalad-ifs", "version": 1,
///   "sampler": {"seed": 7, "minMaps": 2, "maxMaps": 4, "translationBound": 1, "sigmaFactorRange": null},
///   "systems": [
///     {"maps": [[a, b, c, d, e, f], ...], "probabilities": [p1, ...]},
///     ...
///   ]
/// }
/// ```
/// Map `[a, b, c, d, e, f]` sends `(x, y)` to `(a·x + b·y + e, c·x + d·y + f)`. `probabilities` may be omitted
/// (then `∝ |det|`); `sampler` is informational and may be null. Loading checks every number and rejects maps that
/// are not contractions (largest singular value above 1 + 1e-9), naming the system and map at fault.
public struct SystemsFile: Sendable {
    public static let format = "fractalad-ifs"
    public static let version = 1
    /// Largest singular value accepted by ``load(_:)``.
    public static let contractivityLimit = 1 + 1e-9

    /// How the systems were sampled, when they were.
    public struct SamplerRecord: Codable, Sendable, Equatable {
        public var seed: UInt64
        public var minMaps: Int
        public var maxMaps: Int
        public var translationBound: Double
        public var sigmaFactorRange: [Double]?
    }

    public var sampler: SamplerRecord?
    public var systems: [IFSystem]

    public init(sampler: SamplerRecord?, systems: [IFSystem]) {
        self.sampler = sampler
        self.systems = systems
    }

    /// `count` systems drawn by `sampler` with `seed`.
    public static func sample(count: Int, sampler: IFSSampler, seed: UInt64) -> SystemsFile {
        let systems = [IFSystem](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = SendablePointer(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: count) { i in
                (base.base + i).initialize(to: sampler.system(index: i, seed: seed))
            }
            initialized = count
        }
        let range = sampler.sigmaFactorRange.map { [$0.lowerBound, $0.upperBound] }
        return SystemsFile(sampler: SamplerRecord(seed: seed, minMaps: sampler.minMaps, maxMaps: sampler.maxMaps,
                                                  translationBound: sampler.translationBound,
                                                  sigmaFactorRange: range), systems: systems)
    }

    // MARK: Writing

    /// The file's text: one system per line, numbers in shortest round-trip form.
    public func encoded() throws -> Data {
        var text = "{\n  \"format\": \"\(Self.format)\",\n  \"version\": \(Self.version),\n"
        if let sampler {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            text += "  \"sampler\": \(String(decoding: try encoder.encode(sampler), as: UTF8.self)),\n"
        } else {
            text += "  \"sampler\": null,\n"
        }
        text += "  \"systems\": [\n"
        for (i, system) in systems.enumerated() {
            let maps = system.maps.map { "[" + $0.parameters.map { "\($0)" }.joined(separator: ", ") + "]" }
            let probabilities = system.probabilities.map { "\($0)" }.joined(separator: ", ")
            text += "    {\"maps\": [\(maps.joined(separator: ", "))], \"probabilities\": [\(probabilities)]}"
            text += i + 1 < systems.count ? ",\n" : "\n"
        }
        text += "  ]\n}\n"
        return Data(text.utf8)
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(try encoded(), to: url)
    }

    // MARK: Reading

    private struct Raw: Decodable {
        var format: String
        var version: Int
        var sampler: SamplerRecord?
        var systems: [RawSystem]
    }

    private struct RawSystem: Decodable {
        var maps: [[Double]]
        var probabilities: [Double]?
    }

    /// Loads and validates a systems file.
    /// - Throws: ``IFSError/badFile(location:problem:)`` naming the file and, where it applies, the system, map or
    ///   JSON path at fault.
    public static func load(_ url: URL) throws -> SystemsFile {
        let data: Data
        do {
            data = try FileErrorText.contents(of: url)
        } catch let error as FileReadError {
            throw IFSError.badFile(location: url.path, problem: "cannot be read: \(error.reason)")
        }
        return try decode(data, name: url.path)
    }

    /// Decodes and validates file contents; `name` is used in error messages.
    public static func decode(_ data: Data, name: String) throws -> SystemsFile {
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch let error as DecodingError {
            throw IFSError.badFile(location: name, problem: describe(error, isJSON: (try? JSONSerialization.jsonObject(
                with: data, options: .fragmentsAllowed)) != nil))
        }
        guard raw.format == format else {
            throw IFSError.badFile(location: name, problem: "format is '\(raw.format)', expected '\(format)'")
        }
        guard raw.version == version else {
            throw IFSError.badFile(location: name, problem: "version \(raw.version) is not supported (expected \(version))")
        }
        guard !raw.systems.isEmpty else { throw IFSError.badFile(location: name, problem: "holds no systems") }
        var systems: [IFSystem] = []
        systems.reserveCapacity(raw.systems.count)
        for (s, rawSystem) in raw.systems.enumerated() {
            let place = "\(name): systems[\(s)]"
            var maps: [AffineMap] = []
            for (m, parameters) in rawSystem.maps.enumerated() {
                guard parameters.count == 6 else {
                    throw IFSError.badFile(location: "\(place).maps[\(m)]",
                                           problem: "has \(parameters.count) numbers, expected 6 (a, b, c, d, e, f)")
                }
                guard parameters.allSatisfy(\.isFinite) else {
                    throw IFSError.badFile(location: "\(place).maps[\(m)]", problem: "holds a non-finite number")
                }
                let map = AffineMap(parameters: parameters)
                let sigma = map.singularValues.0
                guard sigma <= contractivityLimit else {
                    throw IFSError.badFile(location: "\(place).maps[\(m)]",
                                           problem: "is not a contraction (largest singular value \(sigma) > 1)")
                }
                maps.append(map)
            }
            do {
                systems.append(try IFSystem(maps: maps, probabilities: rawSystem.probabilities))
            } catch let error as IFSError {
                guard case .invalid(let problem) = error else { throw error }
                throw IFSError.badFile(location: place, problem: problem)
            }
        }
        return SystemsFile(sampler: raw.sampler, systems: systems)
    }

    /// - Parameter isJSON: whether the data parses as JSON; then a `dataCorrupted` error is a value of the wrong
    ///   kind (`-1` or `2.5` for an unsigned integer), not a syntax error.
    private static func describe(_ error: DecodingError, isJSON: Bool) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let parts = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }
            let joined = parts.joined().drop { $0 == "." }
            return joined.isEmpty ? "" : " at \(joined)"
        }
        switch error {
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                ?? (context.debugDescription.isEmpty ? nil : context.debugDescription)
            let problem = isJSON ? "holds a value of the wrong type or range" : "is not valid JSON"
            return problem + path(context) + (underlying.map { ": \($0)" } ?? "")
        case let .keyNotFound(key, context):
            return "missing key '\(key.stringValue)'\(path(context))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "unexpected value\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
