import Dispatch

/// Ascending LSD radix sort of unsigned integers by the 32-bit key `value >> keyShift` (Knuth, TAOCP vol. 3,
/// §5.2.5): three stable counting passes of 11, 11 and 10 bits, each a histogram and a scatter.
///
/// Pixel scores are sorted as ``ScoreKey`` keys, alone (`UInt32`, `keyShift` 0) or with a 32-bit payload below
/// the key (`UInt64`, `keyShift` 32). A pass whose digit is the same for every element is skipped, which is common
/// for the sign and exponent bits of scores in a narrow range. The array is split into `chunks` contiguous parts
/// that are histogrammed and scattered concurrently; every chunk writes its own precomputed slots, so the result
/// does not depend on the chunk count. `scratch` grows to `values.count` when smaller and is reused between
/// calls (a larger scratch buffer is fine).
enum RadixSort {
    static let digits: [(shift: Int, bits: Int)] = [(0, 11), (11, 11), (22, 10)]

    static func sort<T: FixedWidthInteger & UnsignedInteger & Sendable>(_ values: inout [T], keyShift: Int, scratch: inout [T],
                                                             chunks requestedChunks: Int) {
        let count = values.count
        guard count > 1 else { return }
        if scratch.count < count { scratch = [T](unsafeUninitializedCapacity: count) { $1 = count } }
        let chunks = max(1, min(requestedChunks, count / 65_536))
        var sortedInScratch = false
        values.withUnsafeMutableBufferPointer { valueBuffer in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                var source = SharedBuffer(valueBuffer), target = SharedBuffer(scratchBuffer)
                for digit in digits {
                    let shift = keyShift + digit.shift, mask = T((1 << digit.bits) - 1)
                    let moved = pass(from: source, to: target, count: count, shift: shift, mask: mask,
                                     bins: 1 << digit.bits, chunks: chunks)
                    if moved {
                        swap(&source, &target)
                        sortedInScratch.toggle()
                    }
                }
            }
        }
        guard sortedInScratch else { return }
        if scratch.count == count {
            swap(&values, &scratch)
        } else {
            values.withUnsafeMutableBufferPointer { target in
                scratch.withUnsafeBufferPointer { source in
                    target.baseAddress!.update(from: source.baseAddress!, count: count)
                }
            }
        }
    }

    /// One counting pass on the digit `(value >> shift) & mask`; returns false (and moves nothing) when every
    /// element has the same digit.
    private static func pass<T: FixedWidthInteger & UnsignedInteger & Sendable>(
        from source: SharedBuffer<T>, to target: SharedBuffer<T>, count: Int, shift: Int, mask: T, bins: Int,
        chunks: Int
    ) -> Bool {
        let bounds = (0...chunks).map { $0 * count / chunks }
        let histograms = SharedBuffer<Int>(capacity: bins * chunks)
        defer { histograms.deallocate() }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let histogram = histograms.base + chunk * bins
            histogram.initialize(repeating: 0, count: bins)
            for index in bounds[chunk]..<bounds[chunk + 1] {
                histogram[Int(truncatingIfNeeded: (source[index] &>> shift) & mask)] += 1
            }
        }
        for bin in 0..<bins where (0..<chunks).reduce(0, { $0 + histograms[$1 * bins + bin] }) == count {
            return false
        }
        // Exclusive prefix sums in (bin, chunk) order turn each chunk's histogram into its write positions.
        var running = 0
        for bin in 0..<bins {
            for chunk in 0..<chunks {
                let slot = chunk * bins + bin
                let binCount = histograms[slot]
                histograms[slot] = running
                running += binCount
            }
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let next = histograms.base + chunk * bins
            for index in bounds[chunk]..<bounds[chunk + 1] {
                let value = source[index]
                let bin = Int(truncatingIfNeeded: (value &>> shift) & mask)
                target[next[bin]] = value
                next[bin] += 1
            }
        }
        return true
    }
}

/// A raw buffer shared by `concurrentPerform` iterations that touch disjoint elements.
struct SharedBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>

    /// An empty buffer gets a dangling, never dereferenced address.
    init(_ buffer: UnsafeMutableBufferPointer<T>) {
        base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
    }

    init(capacity: Int) { base = .allocate(capacity: capacity) }

    func deallocate() { base.deallocate() }

    subscript(index: Int) -> T {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}
