import Compute
import Dispatch
import Synchronization

/// Optional per-op timing of the layers, for the training benchmark's breakdown.
///
/// While enabled, each layer op waits for the device before and after itself (so queued work is not attributed to
/// it) and adds its wall time under its kind; this serialises the device, so profiled steps run somewhat slower
/// than unprofiled ones. Disabled (the default), it costs one atomic load per op.
public final class LayerProfile: Sendable {
    public static let shared = LayerProfile()

    /// What the time is spent on.
    public enum Kind: String, Sendable, CaseIterable {
        case convolutionForward = "conv forward"
        case convolutionInputGradient = "conv input gradient"
        case convolutionWeightGradient = "conv weight gradient"
        case batchNormForward = "batch norm forward"
        case batchNormBackward = "batch norm backward"
        case relu = "relu (and residual add)"
        case reluBackward = "relu backward"
        case residualGradient = "residual gradient sum"
        case pooling = "max/avg pool"
        case poolingBackward = "max/avg pool backward"
        case linear = "linear forward and backward"
        case loss = "cross-entropy"
        case optimizer = "SGD update"
    }

    private let enabled = Atomic<Bool>(false)
    private let totals = Mutex<[Kind: Double]>([:])

    /// Starts collecting from zero.
    public func start() {
        totals.withLock { $0 = [:] }
        enabled.store(true, ordering: .releasing)
    }

    /// Stops collecting; returns the seconds per kind, largest first.
    public func stop() -> [(kind: Kind, seconds: Double)] {
        enabled.store(false, ordering: .releasing)
        return totals.withLock { $0 }.map { ($0.key, $0.value) }.sorted { $0.seconds > $1.seconds }
    }

    /// Runs `body`, timing it under `kind` while enabled.
    func measure<T>(_ kind: Kind, _ device: any Device, _ body: () throws -> T) throws -> T {
        guard enabled.load(ordering: .acquiring) else { return try body() }
        try device.synchronize()
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        try device.synchronize()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        totals.withLock { $0[kind, default: 0] += seconds }
        return result
    }
}
