import Compute

/// Host memory for a batch of rendered images, recycled through a small pool: large fresh allocations are returned
/// to the kernel when freed and page-faulted again on the next batch, which costs as much as colouring the images.
public final class HostPixels: @unchecked Sendable {
    public let bytes: UnsafeMutableRawBufferPointer

    private static let pool = Locked<[Int: [UnsafeMutableRawBufferPointer]]>([:])
    private static let pooledLimit = 4

    /// Uninitialised memory of `count` bytes.
    public init(count: Int) {
        let recycled = Self.pool.withLock { $0[count]?.popLast() }
        bytes = recycled ?? UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
    }

    deinit {
        let kept = Self.pool.withLock { pool -> Bool in
            guard pool[bytes.count, default: []].count < Self.pooledLimit else { return false }
            pool[bytes.count, default: []].append(bytes)
            return true
        }
        if !kept { bytes.deallocate() }
    }

    /// A copy as an array (for tests and small images).
    public var array: [UInt8] { Array(bytes.bindMemory(to: UInt8.self)) }
}
