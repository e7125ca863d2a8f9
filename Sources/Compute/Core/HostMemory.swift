extension Tensor {
    /// The host memory of a tensor on a host device (``CPUDevice`` or ``ReferenceDevice``), for their ops.
    func host<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer(buffer.handle).assumingMemoryBound(to: T.self)
    }
}

/// A raw pointer that may cross into `concurrentPerform` closures; each iteration writes disjoint elements.
public struct SendablePointer<T>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<T>
    public init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    public subscript(index: Int) -> T {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}
