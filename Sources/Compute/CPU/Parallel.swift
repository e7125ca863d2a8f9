import Dispatch

/// A raw pointer that may cross into `concurrentPerform` closures; each iteration writes disjoint elements.
public struct SendablePointer<T>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<T>
    public init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    public subscript(index: Int) -> T {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}

extension CPUDevice {
    /// Runs `body(i)` for `i` in `0..<count`: in parallel on the fast device, in order on the reference device.
    func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if fast && count > 1 {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        } else {
            for index in 0..<count { body(index) }
        }
    }
}
