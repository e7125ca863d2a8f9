import Foundation

/// An iterated function system (Hutchinson 1981; Barnsley 1988): up to ``maxMaps`` affine maps and the
/// probabilities with which the chaos game picks them.
public struct IFSystem: Sendable, Equatable {
    /// The chaos-game kernels take at most this many maps.
    public static let maxMaps = 8

    public var maps: [AffineMap]
    /// Selection probabilities summing to 1.
    public var probabilities: [Double]

    /// A system whose probabilities are proportional to `|det Aᵢ|`, as in the reference generators.
    public init(maps: [AffineMap]) throws {
        try self.init(maps: maps, probabilities: nil)
    }

    /// - Parameter probabilities: explicit weights (normalised here), or nil for `∝ |det Aᵢ|`.
    /// - Throws: ``IFSError`` when the maps or weights are unusable.
    public init(maps: [AffineMap], probabilities: [Double]?) throws {
        guard (1...Self.maxMaps).contains(maps.count) else {
            throw IFSError.invalid("a system needs 1 to \(Self.maxMaps) maps, got \(maps.count)")
        }
        for (i, map) in maps.enumerated() where !map.parameters.allSatisfy(\.isFinite) {
            throw IFSError.invalid("map \(i) has a non-finite parameter")
        }
        let weights = probabilities ?? maps.map { abs($0.determinant) }
        guard weights.count == maps.count else {
            throw IFSError.invalid("\(weights.count) probabilities for \(maps.count) maps")
        }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw IFSError.invalid("probabilities must be finite and non-negative")
        }
        let total = weights.reduce(0, +)
        guard total > 0 else {
            throw IFSError.invalid(probabilities == nil
                ? "every map is singular (|det| = 0), so no map can be chosen" : "probabilities sum to 0")
        }
        self.maps = maps
        // Weights that already sum to 1 are kept bit for bit, so a written and re-read file renders identically.
        self.probabilities = abs(total - 1) <= 1e-12 ? weights : weights.map { $0 / total }
    }

    /// A system the caller has built correctly: 1 to ``maxMaps`` finite maps, probabilities summing to 1.
    init(validatedMaps maps: [AffineMap], probabilities: [Double]) {
        self.maps = maps
        self.probabilities = probabilities
    }

    /// The largest singular value over all maps.
    public var largestSingularValue: Double { maps.map { $0.singularValues.0 }.max() ?? 0 }

    /// The σ-factor `Σᵢ (σ1ᵢ + 2·σ2ᵢ)` of Anderson & Farrell (WACV 2022), which controls how filled the attractor is.
    public var sigmaFactor: Double { maps.reduce(0) { $0 + $1.singularValues.0 + 2 * $1.singularValues.1 } }
}

/// Problems with a system or a systems file.
public enum IFSError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    /// A systems file is unusable; `location` names the file and the place inside it.
    case badFile(location: String, problem: String)

    public var description: String {
        switch self {
        case .invalid(let problem): "invalid iterated function system: \(problem)"
        case let .badFile(location, problem): "\(location): \(problem)"
        }
    }
}
