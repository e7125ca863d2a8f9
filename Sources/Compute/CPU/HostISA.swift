import CHostGemm
import Foundation

/// The instruction-set level of the fast host GEMM's micro-kernel (`Sources/CHostGemm`), which every fast host
/// GEMM and convolution runs on. The C target compiles one micro-kernel per level with target attributes and the
/// best level the CPU supports is chosen at run time, so one binary runs at the host's speed on any x86-64 CPU.
public enum HostISA: Int32, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    /// x86-64 baseline (SSE2), and any other CPU: 4-float vectors, separate multiply and add.
    case baseline = 0
    /// AVX2 with FMA: 8-float vectors, fused multiply-add.
    case avx2 = 1
    /// AVX-512 Foundation: 16-float vectors, fused multiply-add.
    case avx512 = 2

    /// Environment variable that caps the level (`baseline`, `avx2` or `avx512`), to compare levels on one CPU.
    public static let environmentVariable = "FRACTALAD_HOST_ISA"

    /// The highest level this CPU supports.
    public static let detected = HostISA(rawValue: host_gemm_best_isa()) ?? .baseline

    /// Every level this CPU supports (each is cross-checked by the tests).
    public static var supported: [HostISA] { allCases.filter { $0 <= detected } }

    /// The detected level, capped by `FRACTALAD_HOST_ISA`.
    /// - Throws: ``ComputeError/invalidArgument(op:detail:)`` naming the variable for an unknown value.
    public static func fromEnvironment() throws -> HostISA {
        try capped(by: ProcessInfo.processInfo.environment[environmentVariable])
    }

    /// The detected level capped by a `FRACTALAD_HOST_ISA` value (nil: not capped).
    public static func capped(by text: String?) throws -> HostISA {
        guard let text else { return detected }
        guard let requested = allCases.first(where: { $0.name == text.lowercased() }) else {
            throw ComputeError.invalidArgument(
                op: environmentVariable,
                detail: "'\(text)' is not an instruction-set level (expected baseline, avx2 or avx512)")
        }
        return min(requested, detected)
    }

    /// The name `FRACTALAD_HOST_ISA` takes.
    public var name: String {
        switch self {
        case .baseline: "baseline"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    public var description: String {
        switch self {
        case .baseline: "x86-64 baseline"
        case .avx2: "AVX2+FMA"
        case .avx512: "AVX-512"
        }
    }

    public static func < (lhs: HostISA, rhs: HostISA) -> Bool { lhs.rawValue < rhs.rawValue }
}
