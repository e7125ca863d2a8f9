import Synchronization

/// Set from a signal handler (Ctrl-C) or another thread; long jobs check it between units of work and stop cleanly.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isCancelled: Bool { flag.load(ordering: .acquiring) }

    public func cancel() { flag.store(true, ordering: .releasing) }

    /// Throws `CancellationError` once cancelled: for jobs that stop between units of work by unwinding.
    public func check() throws {
        if isCancelled { throw CancellationError() }
    }
}
