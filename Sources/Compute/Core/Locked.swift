import Synchronization

/// A value guarded by a lock. Unlike `Mutex`, it can hold non-Sendable C handles (`cl_mem`, raw pointers): the lock
/// is what makes sharing them safe.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = Mutex(())

    public init(_ value: Value) { self.value = value }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try lock.withLock { _ in try body(&value) }
    }
}
