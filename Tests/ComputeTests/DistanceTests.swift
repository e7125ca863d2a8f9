import Compute
import Foundation
import Testing
import TestSupport

/// The answer to a nearest-neighbour query, written plainly: every squared distance in double precision, and the
/// rows ordered by (distance, index).
struct BruteForceNeighbors {
    let distances: [[Double]]
    let order: [[Int]]

    init(queries: [Float], bank: [Float], m: Int, n: Int, depth: Int) {
        var distances: [[Double]] = []
        var order: [[Int]] = []
        for i in 0..<m {
            var row: [Double] = []
            for j in 0..<n {
                var sum = 0.0
                for d in 0..<depth {
                    let difference = Double(queries[i * depth + d]) - Double(bank[j * depth + d])
                    sum += difference * difference
                }
                row.append(sum)
            }
            distances.append(row)
            order.append((0..<n).sorted { (row[$0], $0) < (row[$1], $1) })
        }
        self.distances = distances
        self.order = order
    }
}

@Suite struct DistanceTests {
    enum Values: String, Sendable {
        /// Uniform on [−2, 2): no ties in practice.
        case uniform
        /// Integers in −2...2: many exact ties, and every device computes every distance exactly.
        case integers
        /// Uniform, but every bank row appears twice (rows 2j and 2j + 1 are equal).
        case duplicateRows
    }

    struct Case: CustomStringConvertible, Sendable {
        var m: Int, n: Int, depth: Int, k: Int
        var values: Values = .uniform
        var description: String { "nearestNeighbors(m=\(m),n=\(n),d=\(depth),k=\(k),\(values.rawValue))" }
    }

    static let cases: [Case] = [
        Case(m: 1, n: 1, depth: 1, k: 1),
        Case(m: 1, n: 5, depth: 3, k: 8),
        Case(m: 13, n: 97, depth: 31, k: 5),
        Case(m: 7, n: 200, depth: 1, k: 3),
        Case(m: 5, n: 33, depth: 17, k: 16),
        Case(m: 20, n: 300, depth: 64, k: 4),
        Case(m: 3, n: 1_000, depth: 130, k: 9),
        Case(m: 33, n: 131, depth: 48, k: 1),
        Case(m: 17, n: 150, depth: 19, k: 6, values: .duplicateRows),
        Case(m: 11, n: 61, depth: 40, k: 7, values: .integers),
        Case(m: 29, n: 400, depth: 5, k: 16, values: .integers),
    ]

    static func data(_ c: Case, seed: UInt64 = 1) -> (queries: [Float], bank: [Float]) {
        switch c.values {
        case .uniform:
            return (testValues(c.m * c.depth, seed: seed), testValues(c.n * c.depth, seed: seed + 1))
        case .integers:
            let round = { (values: [Float]) in values.map { $0.rounded(.down) } }
            return (round(testValues(c.m * c.depth, seed: seed, low: -2, high: 3)),
                    round(testValues(c.n * c.depth, seed: seed + 1, low: -2, high: 3)))
        case .duplicateRows:
            let half = testValues((c.n + 1) / 2 * c.depth, seed: seed + 1)
            var bank: [Float] = []
            for j in 0..<c.n { bank += half[(j / 2) * c.depth..<(j / 2 + 1) * c.depth] }
            return (testValues(c.m * c.depth, seed: seed), bank)
        }
    }

    static func search(_ c: Case, queries: [Float], bank: [Float], on device: any Device, bankDevice: (any Device)? = nil,
                       chunkRows: Int? = nil) throws -> (distances: [Float], indices: [Int32]) {
        let q = try Tensor(queries, shape: [c.m, c.depth], on: device)
        let b = try Tensor(bank, shape: [c.n, c.depth], on: bankDevice ?? device)
        let (distances, indices) = try device.nearestNeighbors(queries: q, bank: b, k: c.k, chunkRows: chunkRows)
        #expect(distances.shape == [c.m, c.k] && indices.shape == [c.m, c.k])
        return (try distances.floats(), try indices.int32s())
    }

    /// Checks a result against the brute force by meaning: each returned distance is accurate for its row, the t-th
    /// returned row is as near as the true t-th (near-ties may swap), every row clearly inside the k nearest is
    /// returned, rows are distinct and ordered, and slots beyond `N` are empty.
    /// - Parameter relative: the allowed relative error of a distance, `(D + 8)·2⁻²⁴` (the ops' stated bound).
    static func expectMatches(_ got: (distances: [Float], indices: [Int32]), _ truth: BruteForceNeighbors, _ c: Case,
                              label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let relative = Double(c.depth + 8) * 0x1p-24
        let valid = min(c.k, c.n)
        var failures: [String] = []
        for i in 0..<c.m {
            let slots = (i * c.k)..<(i * c.k + c.k)
            let indices = got.indices[slots].map(Int.init), distances = Array(got.distances[slots])
            for t in valid..<c.k where indices[t] != -1 || distances[t] != .infinity {
                failures.append("query \(i) slot \(t): (\(distances[t]), \(indices[t])) instead of an empty slot")
            }
            let returned = Array(indices[0..<valid])
            guard returned.allSatisfy({ (0..<c.n).contains($0) }), Set(returned).count == valid else {
                failures.append("query \(i): invalid or repeated indices \(returned)")
                continue
            }
            for t in 0..<valid {
                let exact = truth.distances[i][returned[t]], rank = truth.distances[i][truth.order[i][t]]
                if abs(Double(distances[t]) - exact) > relative * exact {
                    failures.append("query \(i) slot \(t): \(distances[t]) for row \(returned[t]), exact \(exact)")
                }
                if abs(exact - rank) > relative * rank {
                    failures.append("query \(i) slot \(t): row \(returned[t]) at \(exact), true rank-\(t) distance \(rank)")
                }
                if t > 0, !(distances[t - 1] < distances[t]
                            || (distances[t - 1] == distances[t] && returned[t - 1] < returned[t])) {
                    failures.append("query \(i) slots \(t - 1), \(t): out of order")
                }
            }
            if valid < c.n {
                let boundary = truth.distances[i][truth.order[i][valid]]
                for t in 0..<valid where truth.distances[i][truth.order[i][t]] < boundary * (1 - 2 * relative) {
                    if !returned.contains(truth.order[i][t]) {
                        failures.append("query \(i): row \(truth.order[i][t]) is clearly among the nearest but missing")
                    }
                }
            }
        }
        if !failures.isEmpty {
            Issue.record("\(label): \(failures.count) problems; first: \(failures.prefix(4).joined(separator: "; "))",
                         sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: cases)
    func nearestNeighborsMatchTheBruteForceOnEveryDevice(_ c: Case) throws {
        let (queries, bank) = Self.data(c)
        let truth = BruteForceNeighbors(queries: queries, bank: bank, m: c.m, n: c.n, depth: c.depth)
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let got = try Self.search(c, queries: queries, bank: bank, on: device)
            Self.expectMatches(got, truth, c, label: "\(c) on \(device.info.identifier)")
            if c.values == .integers {
                // Every partial sum is a small integer, so every device must give the exact, tie-broken answer.
                var indices: [Int32] = [], distances: [Float] = []
                for i in 0..<c.m {
                    for t in 0..<c.k {
                        let j = t < c.n ? truth.order[i][t] : -1
                        indices.append(Int32(j))
                        distances.append(j >= 0 ? Float(truth.distances[i][j]) : .infinity)
                    }
                }
                expectIdentical(got.indices, indices, "indices of \(c) on \(device.info.identifier)")
                expectClose(got.distances, distances, .exact, "distances of \(c) on \(device.info.identifier)")
            }
        }
    }

    @Test func chunkedRunsEqualTheUnchunkedRunExactly() throws {
        let c = Case(m: 13, n: 97, depth: 37, k: 6)
        let (queries, bank) = Self.data(c, seed: 5)
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let whole = try Self.search(c, queries: queries, bank: bank, on: device)
            for chunk in [1, 4, 10, 64, 97, 500] {
                let chunked = try Self.search(c, queries: queries, bank: bank, on: device, chunkRows: chunk)
                let label = "\(c) in chunks of \(chunk) on \(device.info.identifier)"
                expectIdentical(chunked.indices, whole.indices, "indices of \(label)")
                expectClose(chunked.distances, whole.distances, .exact, "distances of \(label)")
            }
        }
    }

    @Test func aBankOnAnotherDeviceIsStreamedAndGivesTheSameResult() throws {
        let c = Case(m: 9, n: 150, depth: 20, k: 5)
        let (queries, bank) = Self.data(c, seed: 9)
        let devices = try [TestDevices.reference as any Device] + TestDevices.underTest
        for device in devices {
            let resident = try Self.search(c, queries: queries, bank: bank, on: device)
            for holder in devices where holder !== device {
                for chunk in [nil, 7] as [Int?] {
                    let streamed = try Self.search(c, queries: queries, bank: bank, on: device, bankDevice: holder,
                                                   chunkRows: chunk)
                    let label = "\(c) on \(device.info.identifier), bank on \(holder.info.identifier), "
                        + "chunk \(String(describing: chunk))"
                    expectIdentical(streamed.indices, resident.indices, "indices of \(label)")
                    expectClose(streamed.distances, resident.distances, .exact, "distances of \(label)")
                }
            }
        }
    }

    @Test func emptyQueriesAndEmptyBanksGiveEmptyResults() throws {
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let noQueries = try device.nearestNeighbors(queries: try Tensor(zeros: [0, 3], on: device),
                                                        bank: try Tensor(zeros: [4, 3], on: device), k: 2,
                                                        chunkRows: nil)
            #expect(noQueries.distances.shape == [0, 2])
            let noBank = try device.nearestNeighbors(queries: try Tensor(zeros: [2, 3], on: device),
                                                     bank: try Tensor(zeros: [0, 3], on: device), k: 3, chunkRows: nil)
            #expect(try noBank.indices.int32s() == [Int32](repeating: -1, count: 6))
            #expect(try noBank.distances.floats() == [Float](repeating: .infinity, count: 6))
        }
    }

    @Test func rowsAtNaNDistanceAreNeverReturned() throws {
        // Row 1 holds a NaN and row 3 an infinity: the NaN row never qualifies, the infinite one sorts last.
        let bank: [Float] = [0, 0, .nan, 1, 2, 2, .infinity, 0, 1, 1]
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let result = try device.nearestNeighbors(queries: try Tensor([0, 0] as [Float], shape: [1, 2], on: device),
                                                     bank: try Tensor(bank, shape: [5, 2], on: device), k: 5,
                                                     chunkRows: nil)
            #expect(try result.indices.int32s() == [0, 4, 2, 3, -1], "\(device.info.identifier)")
            #expect(try result.distances.floats() == [0, 2, 8, .infinity, .infinity], "\(device.info.identifier)")
        }
    }

    @Test func badNearestNeighborArgumentsAreRejected() throws {
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let q = try Tensor(zeros: [3, 4], on: device), b = try Tensor(zeros: [5, 4], on: device)
            func expectRejected(_ queries: Tensor, _ bank: Tensor, k: Int = 1, chunkRows: Int? = nil,
                                sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(throws: ComputeError.self, sourceLocation: sourceLocation) {
                    try device.nearestNeighbors(queries: queries, bank: bank, k: k, chunkRows: chunkRows)
                }
            }
            for k in [0, 17, -1] { expectRejected(q, b, k: k) }
            expectRejected(q, b, chunkRows: 0)
            expectRejected(q, try Tensor(zeros: [5, 3], on: device))
            expectRejected(q, try Tensor(zeros: [5, 4], dtype: .int32, on: device))
            expectRejected(try Tensor(zeros: [12], on: device), b)
            let other: any Device = device === TestDevices.reference ? CPUDevice.fastShared : TestDevices.reference
            expectRejected(try Tensor(zeros: [3, 4], on: other), b)
        }
    }
}

@Suite struct CoresetOpTests {
    struct ProjectionCase: CustomStringConvertible, Sendable {
        var n: Int, depth: Int, width: Int
        var description: String { "coresetProject(n=\(n),d=\(depth),p=\(width))" }
    }

    @Test(arguments: [ProjectionCase(n: 1, depth: 1, width: 16), ProjectionCase(n: 37, depth: 13, width: 48),
                      ProjectionCase(n: 100, depth: 70, width: 128), ProjectionCase(n: 9, depth: 0, width: 16),
                      ProjectionCase(n: 0, depth: 5, width: 32)])
    func projectionIsBitIdenticalOnEveryDevice(_ c: ProjectionCase) throws {
        let features = testValues(c.n * c.depth, seed: 21), matrix = testValues(c.depth * c.width, seed: 22)
        func project(on device: any Device) throws -> [Float] {
            try device.coresetProject(features: try Tensor(features, shape: [c.n, c.depth], on: device),
                                      matrix: try Tensor(matrix, shape: [c.depth, c.width], on: device)).floats()
        }
        let expected = try project(on: TestDevices.reference)
        // The reference itself against a double-precision product (loose: it only guards the index arithmetic).
        for i in 0..<c.n {
            for j in 0..<c.width {
                var sum = 0.0
                for d in 0..<c.depth { sum += Double(features[i * c.depth + d]) * Double(matrix[d * c.width + j]) }
                #expect(abs(Double(expected[i * c.width + j]) - sum) <= 1e-5 * Double(c.depth + 1) * 4)
            }
        }
        for device in try TestDevices.underTest {
            expectClose(try project(on: device), expected, .exact, "\(c) on \(device.info.identifier)")
        }
    }

    struct StepCase: CustomStringConvertible, Sendable {
        var n: Int, width: Int, count: Int
        var identicalCodes = false
        var description: String { "coresetSteps(n=\(n),p=\(width),count=\(count)\(identicalCodes ? ",identical" : ""))" }
    }

    /// Codes in the interleaved layout, `[⌈N/16⌉, P, 16]`, with random bytes in the unused lanes of the last block.
    static func codes(_ c: StepCase) -> [UInt8] {
        let count = CoresetCodeLayout.blocks(points: c.n) * c.width * 16
        if c.identicalCodes { return [UInt8](repeating: 77, count: count) }
        return testValues(count, seed: 31, low: 0, high: 256).map { UInt8(min($0, 255)) }
    }

    /// Initial minima: large random values, with every seventh point already selected (−1).
    static func minima(_ c: StepCase) -> [Float] {
        testValues(c.n, seed: 32, low: 0, high: 3e6).enumerated().map { $0.offset % 7 == 3 ? -1 : $0.element.rounded() }
    }

    static func run(_ c: StepCase, on device: any Device) throws -> (picks: [Int32], minima: [Float]) {
        let codes = try Tensor(Self.codes(c), shape: [CoresetCodeLayout.blocks(points: c.n), c.width, 16], on: device)
        let minima = try Tensor(Self.minima(c), shape: [c.n], on: device)
        let picks = try device.coresetSteps(codes: codes, minimumDistances: minima, count: c.count)
        return (try picks.int32s(), try minima.floats())
    }

    @Test(arguments: [StepCase(n: 1, width: 16, count: 1), StepCase(n: 17, width: 48, count: 10),
                      StepCase(n: 300, width: 128, count: 40), StepCase(n: 1_000, width: 256, count: 25),
                      StepCase(n: 40, width: 16, count: 30, identicalCodes: true)])
    func stepsAreIdenticalOnEveryDevice(_ c: StepCase) throws {
        let expected = try Self.run(c, on: TestDevices.reference)
        #expect(Set(expected.picks).count == c.count, "\(c): picks repeat")
        let initial = Self.minima(c)
        #expect(expected.picks.allSatisfy { initial[Int($0)] >= 0 }, "\(c): an already selected point was picked")
        for device in try TestDevices.underTest {
            let got = try Self.run(c, on: device)
            expectIdentical(got.picks, expected.picks, "picks of \(c) on \(device.info.identifier)")
            expectClose(got.minima, expected.minima, .exact, "minima of \(c) on \(device.info.identifier)")
        }
    }

    @Test func stepsFollowTheGreedyRule() throws {
        // Three points on a line at 0, 10 and 11 (code units): starting from point 0 alone, the farthest is 2.
        var codes = [UInt8](repeating: 0, count: 16 * 16)
        codes[CoresetCodeLayout.offset(point: 1, code: 0, width: 16)] = 10
        codes[CoresetCodeLayout.offset(point: 2, code: 0, width: 16)] = 11
        let device = TestDevices.reference
        let minima = try Tensor([-1, 100, 121] as [Float], shape: [3], on: device)
        let picks = try device.coresetSteps(codes: try Tensor(codes, shape: [1, 16, 16], on: device),
                                            minimumDistances: minima, count: 2)
        #expect(try picks.int32s() == [2, 1])
        #expect(try minima.floats() == [-1, -1, -1])
    }

    @Test func badCoresetArgumentsAreRejected() throws {
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let features = try Tensor(zeros: [4, 8], on: device)
            #expect(throws: ComputeError.self) {
                try device.coresetProject(features: features, matrix: try Tensor(zeros: [8, 20], on: device))
            }
            #expect(throws: ComputeError.self) {
                try device.coresetProject(features: features, matrix: try Tensor(zeros: [7, 16], on: device))
            }
            let minima = try Tensor(zeros: [4], on: device)
            func expectRejected(_ codes: Tensor, count: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(throws: ComputeError.self, sourceLocation: sourceLocation) {
                    try device.coresetSteps(codes: codes, minimumDistances: minima, count: count)
                }
            }
            for width in [8, 24, 272] { expectRejected(try Tensor(zeros: [1, width, 16], dtype: .uint8, on: device)) }
            let codes = try Tensor(zeros: [1, 16, 16], dtype: .uint8, on: device)
            expectRejected(codes, count: -1)
            for wrong in [[4, 16], [2, 16, 16], [1, 16, 8]] {
                expectRejected(try Tensor(zeros: wrong, dtype: .uint8, on: device))
            }
            #expect(throws: ComputeError.self) {
                try device.coresetSteps(codes: codes, minimumDistances: try Tensor(zeros: [17], on: device), count: 1)
            }
            #expect(throws: ComputeError.self) {
                try device.coresetSteps(codes: try Tensor(zeros: [0, 16, 16], dtype: .uint8, on: device),
                                        minimumDistances: try Tensor(zeros: [0], on: device), count: 1)
            }
        }
    }
}
