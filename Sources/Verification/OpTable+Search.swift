import Compute

extension OpTable {
    /// Top-k at k = 1, k > N (empty slots), k = 16 and a chunked bank. Integer-valued data (many ties) must match
    /// exactly, distances and indices; on float data near-ties may swap, so only the distances are compared, within
    /// twice the ops' stated bound `(D + 8)·2⁻²⁴` relative.
    static let searchCases: [(m: Int, n: Int, depth: Int, k: Int, integers: Bool, chunkRows: Int?)] = [
        (1, 1, 1, 1, false, nil), (13, 97, 31, 5, true, nil), (3, 5, 7, 8, true, nil), (5, 33, 17, 16, false, nil),
        (7, 531, 67, 3, false, nil), (29, 400, 5, 16, true, nil), (11, 200, 40, 7, true, 37),
    ]

    static let nearestNeighbors: [OpCheck] = searchCases.enumerated().map { i, c in
        let (m, n, depth, k, integers, chunkRows) = c
        let draw = { (count: Int, seed: UInt64) in
            integers ? testValues(count, seed: seed, low: -2, high: 3).map { $0.rounded(.down) }
                : testValues(count, seed: seed)
        }
        let queries = draw(m * depth, 61), bank = draw(n * depth, 62)
        let name = "\(m) × \(n) × \(depth), k \(k)" + (integers ? " integers" : "")
            + (chunkRows.map { ", chunks of \($0)" } ?? "")
        let outputs: [CheckedOutput] = integers ? [.init("distances", .exact), .init("indices", .exact)]
            : [.init("distances", .elementwise(absolute: 0, relative: 2 * Float(depth + 8) * 0x1p-24))]
        return OpCheck("nearestNeighbors", "distance", name, outputs, quick: i < 2) { d in
            let (distances, indices) = try d.nearestNeighbors(queries: tensor(queries, [m, depth], d),
                                                              bank: tensor(bank, [n, depth], d), k: k,
                                                              chunkRows: chunkRows)
            return integers ? [try distances.floats(), try indices.checkedValues()] : [try distances.floats()]
        }
    }

    /// The coreset's projection and greedy steps are bit-exact on every device (every device picks the same
    /// points); the steps start with every seventh point already selected, and one case has identical codes.
    static let projectionCases: [(n: Int, depth: Int, width: Int)] = [(1, 1, 16), (37, 13, 48), (100, 70, 128)]
    static let stepCases: [(n: Int, width: Int, count: Int, identical: Bool)] = [
        (1, 16, 1, false), (17, 48, 10, false), (300, 128, 40, false), (40, 16, 30, true),
    ]

    static let coreset: [OpCheck] = projectionCases.enumerated().map { i, c in
        let (n, depth, width) = c
        let features = testValues(n * depth, seed: 21), matrix = testValues(depth * width, seed: 22)
        return OpCheck("coresetProject", "distance", "\(n) × \(depth) → \(width)", [.init("projection", .exact)],
                       quick: i < 2) { d in
            [try d.coresetProject(features: tensor(features, [n, depth], d), matrix: tensor(matrix, [depth, width], d))
                .checkedValues()]
        }
    } + stepCases.enumerated().map { i, c in
        let (n, width, count, identical) = c
        let blocks = CoresetCodeLayout.blocks(points: n)
        let random: [UInt8] = testValues(blocks * width * 16, seed: 31, low: 0, high: 256).map { UInt8(min($0, 255)) }
        let codes = identical ? [UInt8](repeating: 77, count: random.count) : random
        let draws: [Float] = testValues(n, seed: 32, low: 0, high: 3e6)
        let minima: [Float] = draws.indices.map { $0 % 7 == 3 ? -1 : draws[$0].rounded() }
        let name = "\(n) points × \(width), \(count) steps" + (identical ? ", identical codes" : "")
        return OpCheck("coresetSteps", "distance", name, [.init("picks", .exact), .init("minima", .exact)],
                       quick: i < 2) { d in
            let distances = try tensor(minima, [n], d)
            let picks = try d.coresetSteps(codes: Tensor(codes, shape: [blocks, width, 16], on: d),
                                           minimumDistances: distances, count: count)
            return [try picks.checkedValues(), try distances.floats()]
        }
    }

    /// One chaos-game batch: images, walkers, points per image, warm-up steps and image side.
    struct ChaosGameCase {
        var batch: Int, walkers: Int, points: Int, warmup: Int, size: Int
        var label: String { "b\(batch) w\(walkers) p\(points) warm-up \(warmup) \(size)²" }

        /// The chain's inputs and intermediate results on the reference loops, each op's inputs on every device.
        func reference() throws -> (systems: [Int32], points: [Int32], views: [Int32], counts: [Int32],
                                    statistics: [Int32], colors: [Int32], rgb: [UInt8]) {
            let device = CPUDevice.reference
            var systems: [Int32] = []
            for b in 0..<batch {
                systems += ChaosGameSamples.systemRecord(ChaosGameSamples.systems[b % 3], imageIndex: Int32(b * 7 + 1),
                                                         attempt: Int32(b % 2))
            }
            let (points, bounds) = try walk(systems, on: device)
            let views = ChaosGameSamples.viewRecords(
                bounds: try bounds.int32s(), batch: batch, walkers: walkers, size: size, flips: [0, 1, 2, 4, 7, 5],
                masks: [0, 0b101_010_101, 0b111_111_111, 0b000_010_000])
            let counts = try device.chaosGameRasterize(points: points, views: viewTensor(views, device), size: size)
            let statistics = try device.chaosGameStatistics(counts: counts)
            let colors = ChaosGameSamples.colorRecords(batch: batch)
            let rgb = try device.chaosGameColorize(counts: counts, statistics: statistics,
                                                   colors: colorTensor(colors, device))
            return (systems, try points.int32s(), views, try counts.int32s(), try statistics.int32s(), colors,
                    try rgb.bytes())
        }

        func walk(_ systems: [Int32], on device: any Device) throws -> (points: Tensor, bounds: Tensor) {
            try device.chaosGameWalk(systems: Tensor(systems, shape: [batch, ChaosGameLayout.systemWords], on: device),
                                     seed: 0x1234_5678_9abc, walkers: walkers, pointsPerImage: points, warmup: warmup)
        }

        func viewTensor(_ views: [Int32], _ device: any Device) throws -> Tensor {
            try Tensor(views, shape: [batch, ChaosGameLayout.viewWords], on: device)
        }

        func colorTensor(_ colors: [Int32], _ device: any Device) throws -> Tensor {
            try Tensor(colors, shape: [batch, ChaosGameLayout.colorWords], on: device)
        }
    }

    /// The five chaos-game steps, each fed the reference's results of the steps before it; all bit-exact.
    static let chaosGame: [OpCheck] = [
        ChaosGameCase(batch: 1, walkers: 1, points: 1, warmup: 0, size: 1),
        ChaosGameCase(batch: 1, walkers: 8, points: 97, warmup: 3, size: 17),
        ChaosGameCase(batch: 3, walkers: 13, points: 1_000, warmup: 20, size: 31),
        ChaosGameCase(batch: 2, walkers: 64, points: 5_003, warmup: 20, size: 64),
        ChaosGameCase(batch: 5, walkers: 7, points: 2, warmup: 1, size: 5),
    ].enumerated().flatMap { i, c -> [OpCheck] in
        let quick = i < 2, (b, s) = (c.batch, c.size)
        return [
            OpCheck("chaosGameWalk", "chaos_game", c.label, [.init("points", .exact), .init("bounds", .exact)],
                    quick: quick) { d in
                let (points, bounds) = try c.walk(c.reference().systems, on: d)
                return [try points.checkedValues(), try bounds.checkedValues()]
            },
            OpCheck("chaosGameRasterize", "chaos_game", c.label, [.init("counts", .exact)], quick: quick) { d in
                let r = try c.reference()
                return [try d.chaosGameRasterize(points: Tensor(r.points, shape: [b, c.points, 2], on: d),
                                                 views: c.viewTensor(r.views, d), size: s).checkedValues()]
            },
            OpCheck("chaosGameStatistics", "chaos_game", c.label, [.init("statistics", .exact)], quick: quick) { d in
                [try d.chaosGameStatistics(counts: Tensor(c.reference().counts, shape: [b, s, s], on: d))
                    .checkedValues()]
            },
            OpCheck("chaosGameColorize", "chaos_game", c.label, [.init("rgb", .exact)], quick: quick) { d in
                let r = try c.reference()
                return [try d.chaosGameColorize(counts: Tensor(r.counts, shape: [b, s, s], on: d),
                                                statistics: Tensor(r.statistics, shape: [b, 2], on: d),
                                                colors: c.colorTensor(r.colors, d)).checkedValues()]
            },
            OpCheck("chaosGameBlur", "chaos_game", c.label, [.init("blurred", .exact)], quick: quick) { d in
                let r = try c.reference()
                return [try d.chaosGameBlur(images: Tensor(r.rgb, shape: [b, s, s, 3], on: d),
                                            colors: c.colorTensor(r.colors, d)).checkedValues()]
            },
        ]
    }
}
