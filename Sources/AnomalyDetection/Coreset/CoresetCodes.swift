import Compute
import Dispatch
import Foundation

/// The seeded dense Gaussian projection of ``GreedyCoresetSampler``: `[D, width]` with entries N(0, 1/dimension) in
/// the first `dimension` columns and zeros in the padding up to a multiple of 16 (zero columns add nothing to any
/// distance).
struct CoresetProjection {
    /// First Philox counter word of every coreset random stream ("Core").
    static let streamTag: UInt32 = 0x436F_7265

    let width: Int
    let matrix: [Float]

    init(depth: Int, dimension: Int, seed: UInt64) {
        let multiple = DistanceLimits.widthMultiple
        width = (dimension + multiple - 1) / multiple * multiple
        var stream = PhiloxStream(seed: seed, stream: (Self.streamTag, 1, 0))
        let deviation = 1 / Double(dimension).squareRoot()
        var matrix = [Float](repeating: 0, count: depth * width)
        for d in 0..<depth {
            for j in 0..<dimension {
                // Box–Muller; 1 − u lies in (0, 1], so the logarithm is finite.
                let radius = (-2 * log(1 - stream.nextUnit())).squareRoot()
                matrix[d * width + j] = Float(deviation * radius * cos(2 * Double.pi * stream.nextUnit()))
            }
        }
        self.matrix = matrix
    }
}

/// Projected features quantised to uint8 with one scale: `code = round(x·127/max|x|) + 128`, in `1...255`; held
/// row-major (`[N, width]`) on the host.
struct CoresetCodes {
    let values: [UInt8]
    let rows: Int
    let width: Int

    /// Reads the `[N, width]` projection back in slices of `rowsPerRead` rows, twice (maximum, then codes), so the
    /// host never holds the whole float matrix.
    init(projected: Tensor, rowsPerRead: Int) throws {
        let (rows, width) = (projected.shape[0], projected.shape[1])
        var largest: Float = 0
        try Self.forEachSlice(of: projected, rowsPerRead: rowsPerRead) { slice, _ in
            for value in slice {
                guard value.isFinite else { throw CoresetError.nonFiniteFeatures }
                largest = max(largest, abs(value))
            }
        }
        let scale: Float = largest > 0 ? 127 / largest : 1
        var values = [UInt8](repeating: 128, count: rows * width)
        try Self.forEachSlice(of: projected, rowsPerRead: rowsPerRead) { slice, first in
            for (offset, value) in slice.enumerated() {
                let level = min(max((value * scale).rounded(.toNearestOrEven), -127), 127)
                values[first * width + offset] = UInt8(Int(level) + 128)
            }
        }
        (self.values, self.rows, self.width) = (values, rows, width)
    }

    private static func forEachSlice(of projected: Tensor, rowsPerRead: Int,
                                     _ body: ([Float], Int) throws -> Void) throws {
        let (rows, width) = (projected.shape[0], projected.shape[1])
        var first = 0
        while first < rows {
            let count = min(rowsPerRead, rows - first) * width
            var slice = [Float](repeating: 0, count: count)
            try slice.withUnsafeMutableBytes {
                try projected.device.read(projected.buffer, offset: first * width * 4, into: $0)
            }
            try body(slice, first)
            first += rowsPerRead
        }
    }

    /// The codes in the device layout, ``CoresetCodeLayout``: `[⌈N/16⌉, width, 16]`.
    func interleaved() -> [UInt8] {
        var result = [UInt8](repeating: 128, count: CoresetCodeLayout.blocks(points: rows) * width * 16)
        for row in 0..<rows {
            for code in 0..<width {
                result[CoresetCodeLayout.offset(point: row, code: code, width: width)] = values[row * width + code]
            }
        }
        return result
    }

    /// `Σ (a − b)²` between the codes of rows `i` and `j`, exact.
    private func squaredDistance(_ i: Int, _ j: Int) -> Int {
        var sum = 0
        for c in 0..<width {
            let difference = Int(values[i * width + c]) - Int(values[j * width + c])
            sum += difference * difference
        }
        return sum
    }

    /// Squared code distance of every row to row `centre`.
    func squaredDistances(to centre: Int) -> [Float] {
        mapRows { Float(squaredDistance($0, centre)) }
    }

    /// Each row's mean Euclidean code distance to `starts`, squared (the units of the greedy steps).
    func meanDistances(to starts: [Int]) -> [Float] {
        mapRows { row in
            let mean = starts.reduce(0.0) { $0 + Double(squaredDistance(row, $1)).squareRoot() } / Double(starts.count)
            return Float(mean * mean)
        }
    }

    /// `transform(row)` for every row, computed in parallel blocks.
    private func mapRows(_ transform: @Sendable (Int) -> Float) -> [Float] {
        let block = 4_096
        var result = [Float](repeating: 0, count: rows)
        result.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer.baseAddress)
            DispatchQueue.concurrentPerform(iterations: (rows + block - 1) / block) { index in
                for row in (index * block)..<min(rows, (index + 1) * block) { out.value?[row] = transform(row) }
            }
        }
        return result
    }
}

/// Lets a pointer into a buffer that parallel iterations write at disjoint positions cross into their closure.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
