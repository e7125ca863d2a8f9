import Foundation

/// A kernel whose compile-time parameters are tuned per device: its candidate variants, the default for devices
/// that are not tuned, and the shape classes it is tuned for. Each variant is the same `.cl` source built with
/// other `-D` options, and every variant passes the same cross-check tests (`KernelVariantTests`).
public enum TunableKernel: String, CaseIterable, Sendable, Codable {
    /// `distance.cl:nearest_neighbors_cpu`: `NN_LANES` floats per accumulator, `NN_QUERIES` × `NN_ROWS` tile.
    case nearestNeighborsCPU = "nearest_neighbors_cpu"
    /// `distance.cl:nearest_neighbors_gpu`: `NN_TILE` × `NN_TILE` work-groups with `__local` tiles.
    case nearestNeighborsGPU = "nearest_neighbors_gpu"
    /// `conv.cl:conv2d_cpu` (the forward pass and every phase of the input gradient): a `CONV_ROWS` pixels ×
    /// `CONV_COLUMNS` channels register tile.
    case conv2dCPU = "conv2d_cpu"
    /// `conv.cl:conv2d_backward_filter_cpu`: a `CONV_ROWS` taps × `CONV_COLUMNS` channels register tile.
    case conv2dBackwardFilterCPU = "conv2d_backward_filter_cpu"
    /// `gemm.cl:gemm_cpu`: a `GEMM_ROWS` × `GEMM_COLUMNS` register tile.
    case gemmCPU = "gemm_cpu"

    /// The `.cl` file the kernel lives in.
    public var program: String {
        switch self {
        case .nearestNeighborsCPU, .nearestNeighborsGPU: "distance"
        case .conv2dCPU, .conv2dBackwardFilterCPU: "conv"
        case .gemmCPU: "gemm"
        }
    }

    /// Every variant the tuner may pick on a device with `properties`.
    public func candidates(for properties: OpenCLDeviceProperties) -> [KernelParameters] {
        switch self {
        case .nearestNeighborsCPU:
            // Queries × rows per work-item: accumulators plus query vectors stay within 16 (AVX2) or 32 (AVX-512)
            // vector registers at one of the two widths. Each variant costs a kernel build on first use.
            let tiles = [(1, 4), (2, 4), (4, 2), (4, 4)]
            return [8, 16].flatMap { lanes in
                tiles.map { KernelParameters(["NN_LANES": lanes, "NN_QUERIES": $0.0, "NN_ROWS": $0.1]) }
            }
        case .nearestNeighborsGPU:
            return [8, 16, 32].filter { tile in
                tile * tile <= properties.maxWorkGroupSize && 12 * tile * tile <= properties.localMemoryBytes
            }.map { KernelParameters(["NN_TILE": $0]) }
        case .conv2dCPU, .conv2dBackwardFilterCPU:
            // Rows × channels: accumulators of rows·channels floats plus the channel vector, around 16 registers
            // at 8 floats (AVX2) or 32 at 16 floats (AVX-512).
            return Self.registerTiles.map { KernelParameters(["CONV_ROWS": $0.0, "CONV_COLUMNS": $0.1]) }
        case .gemmCPU:
            return Self.registerTiles.map { KernelParameters(["GEMM_ROWS": $0.0, "GEMM_COLUMNS": $0.1]) }
        }
    }

    /// The variant used without tuning (`FRACTALAD_TUNING=off`), chosen from the device's vector width: a register
    /// tile that fits 16 vector registers at 8 floats (AVX2) and 32 at 16 floats (AVX-512), as measured on PoCL.
    public func fallback(for properties: OpenCLDeviceProperties) -> KernelParameters {
        switch self {
        case .nearestNeighborsCPU:
            let lanes = properties.nativeFloatVectorWidth >= 16 ? 16 : 8
            return KernelParameters(["NN_LANES": lanes, "NN_QUERIES": lanes == 16 ? 1 : 2, "NN_ROWS": 4])
        case .nearestNeighborsGPU:
            return KernelParameters(["NN_TILE": properties.maxWorkGroupSize >= 256 ? 16 : 8])
        case .conv2dCPU, .conv2dBackwardFilterCPU:
            let wide = properties.nativeFloatVectorWidth >= 16
            return KernelParameters(["CONV_ROWS": wide ? 8 : 6, "CONV_COLUMNS": wide ? 32 : 16])
        case .gemmCPU:
            let wide = properties.nativeFloatVectorWidth >= 16
            return KernelParameters(["GEMM_ROWS": wide ? 8 : 6, "GEMM_COLUMNS": wide ? 32 : 16])
        }
    }

    /// Rows × columns of the CPU-shaped convolution and GEMM tiles: `rows · columns` accumulator floats plus one
    /// row of B, around 16 vector registers at 8 floats (AVX2) or 32 at 16 floats (AVX-512).
    private static let registerTiles = [(4, 16), (6, 16), (8, 16), (2, 32), (4, 32), (8, 32)]

    /// The shape classes a variant is tuned for, each with the problem it is timed on.
    public var shapeClasses: [TuningShapeClass] {
        switch self {
        case .nearestNeighborsCPU, .nearestNeighborsGPU:
            [64, 256, 1_024].flatMap { depth in
                [1, 16].map { TuningShapeClass(depth: depth, k: $0) }
            }
        case .conv2dCPU, .conv2dBackwardFilterCPU, .gemmCPU:
            [.every]
        }
    }
}

/// One (depth, k) class of nearest-neighbour problems: depths round up to 64, 256 or 1,024 (and beyond), k to 1 or
/// several. A class is timed on 256 queries against 8,192 bank rows of its depth. Kernels whose best register tile
/// depends on the vector registers rather than the shape (the CPU-shaped convolutions and GEMM) have the single
/// class ``every``.
public struct TuningShapeClass: Hashable, Sendable, CustomStringConvertible {
    public let depth: Int
    public let k: Int

    public init(depth: Int, k: Int) {
        self.depth = depth
        self.k = k
    }

    /// The class a search of `depth` dimensions and `k` neighbours falls into.
    public static func of(depth: Int, k: Int) -> TuningShapeClass {
        TuningShapeClass(depth: depth <= 64 ? 64 : depth <= 256 ? 256 : 1_024, k: k == 1 ? 1 : 16)
    }

    /// The one class of a kernel tuned once for every shape.
    public static let every = TuningShapeClass(depth: 0, k: 0)

    public var description: String { self == .every ? "every-shape" : "d\(depth)-k\(k)" }
}

/// The `-D NAME=VALUE` build options of one kernel variant.
public struct KernelParameters: Hashable, Sendable, Codable, CustomStringConvertible {
    public let values: [String: Int]

    public init(_ values: [String: Int]) { self.values = values }

    public subscript(name: String) -> Int { values[name] ?? 0 }

    /// Build options in a fixed order, for example `-D NN_LANES=16 -D NN_QUERIES=1`.
    public var defines: String { values.keys.sorted().map { "-D \($0)=\(values[$0]!)" }.joined(separator: " ") }

    public var description: String {
        values.keys.sorted().map { key in
            let name = ["NN_", "CONV_", "GEMM_"].reduce(key) { $0.replacingOccurrences(of: $1, with: "") }
            return "\(name.lowercased())\(values[key]!)"
        }
            .joined(separator: ".")
    }
}

/// How an ``OpenCLDevice`` picks kernel variants.
public enum KernelTuningMode: Sendable, Equatable {
    /// The cached winner, or time every candidate on first use of a shape class and cache the winner.
    case automatic
    /// The property-derived default of each kernel (`FRACTALAD_TUNING=off`): deterministic and never timed.
    case fixed
    /// The given variants (tests force each candidate in turn); unlisted kernels use the default.
    case forced([TunableKernel: KernelParameters])

    /// The environment variable that turns tuning off (`off`) or on (anything else, the default).
    public static let environmentVariable = "FRACTALAD_TUNING"

    /// ``automatic`` unless `FRACTALAD_TUNING=off`.
    public static var fromEnvironment: KernelTuningMode {
        ProcessInfo.processInfo.environment[environmentVariable]?.lowercased() == "off" ? .fixed : .automatic
    }
}

/// What tuning one (kernel, shape class) measured: median seconds per candidate and the winner.
public struct TuningResult: Sendable {
    public let kernel: TunableKernel
    public let shapeClass: TuningShapeClass
    public let seconds: [(KernelParameters, Double)]
    public let winner: KernelParameters
}
