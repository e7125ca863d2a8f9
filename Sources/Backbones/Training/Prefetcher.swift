import Foundation

/// Produces items `0..<count` in order on a background thread, up to `depth` ahead of the consumer, so image
/// decoding and augmentation overlap the device's work on the previous batch. Dropping the prefetcher stops the
/// thread after the item in progress.
final class Prefetcher<Item: Sendable> {
    private let queue: Queue

    /// Starts producing at once.
    init(count: Int, depth: Int = 2, produce: @escaping @Sendable (Int) throws -> Item) {
        queue = Queue(count: count, depth: depth)
        let thread = Thread { [queue] in queue.work(produce) }
        thread.name = "fractalad.prefetch"
        thread.start()
    }

    deinit { queue.cancel() }

    /// The next item, waiting for it if needed; nil after the last. Rethrows a producer error.
    func next() throws -> Item? { try queue.take() }

    /// The state shared with the producing thread.
    private final class Queue: @unchecked Sendable {
        private let condition = NSCondition()
        private var ready: [Int: Result<Item, any Error>] = [:]
        private var nextToTake = 0
        private var cancelled = false
        let count: Int
        let depth: Int

        init(count: Int, depth: Int) {
            self.count = count
            self.depth = depth
        }

        func take() throws -> Item? {
            condition.lock()
            defer { condition.unlock() }
            guard nextToTake < count else { return nil }
            while ready[nextToTake] == nil { condition.wait() }
            let result = ready.removeValue(forKey: nextToTake)!
            nextToTake += 1
            condition.broadcast()
            return try result.get()
        }

        func cancel() {
            condition.lock()
            cancelled = true
            condition.broadcast()
            condition.unlock()
        }

        func work(_ produce: @Sendable (Int) throws -> Item) {
            for index in 0..<count {
                condition.lock()
                while !cancelled && index - nextToTake >= depth { condition.wait() }
                let stop = cancelled
                condition.unlock()
                if stop { return }
                let result = Result { try produce(index) }
                condition.lock()
                ready[index] = result
                condition.broadcast()
                condition.unlock()
                if case .failure = result { return }
            }
        }
    }
}
