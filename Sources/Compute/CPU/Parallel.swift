import Dispatch

extension CPUDevice {
    /// Runs `body(i)` for `i` in `0..<count` in parallel.
    func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count > 1 {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        } else {
            for index in 0..<count { body(index) }
        }
    }
}

extension CPUDevice {
    /// Runs `body` over consecutive ranges covering `0..<count`: chunks of `chunk` elements in parallel.
    func forEachChunk(_ count: Int, chunk: Int = 1 << 16, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > chunk else {
            if count > 0 { body(0..<count) }
            return
        }
        let chunks = (count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { index in
            body(index * chunk..<min(count, (index + 1) * chunk))
        }
    }
}
