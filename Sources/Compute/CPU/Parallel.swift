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

extension CPUDevice {
    /// Runs `body` over consecutive ranges covering `0..<count`: chunks of `chunk` elements in parallel on the fast
    /// device, the whole range at once on the reference device.
    func forEachChunk(_ count: Int, chunk: Int = 1 << 16, _ body: @Sendable (Range<Int>) -> Void) {
        guard fast, count > chunk else {
            if count > 0 { body(0..<count) }
            return
        }
        let chunks = (count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { index in
            body(index * chunk..<min(count, (index + 1) * chunk))
        }
    }
}
