extension OpenCLDevice: DistanceOps {
    /// Tile side of the GPU-shaped coreset projection (`TILE` in `distance.cl`).
    private static let tile = 16
    /// Work-group size of `coreset_steps_gpu` (`GROUP` in `distance.cl`).
    private static let stepGroup = 256
    /// Scratch memory allowed for the per-block partial top-k lists of one chunk.
    private static let partialBytesLimit = 64 << 20
    /// Host-to-device staging allowed for one chunk of a bank held by another device.
    private static let stagingBytesLimit = 256 << 20

    /// Bank rows handled by one work-item (CPU shape: about 2 MiB of rows, which stay in cache while the query
    /// tiles pass over them) or one work-group (GPU shape: 16 tiles of `NN_TILE` rows).
    func neighborBlockRows(depth: Int, parameters: KernelParameters) -> Int {
        if variant == .gpu { return 16 * parameters["NN_TILE"] }
        return min(4096, max(64, (2 << 20) / (4 * max(depth, 1)) / 4 * 4))
    }

    /// The tuned kernel this device's shape launches for nearest neighbours.
    var nearestNeighborsKernel: TunableKernel { variant == .cpu ? .nearestNeighborsCPU : .nearestNeighborsGPU }

    public func nearestNeighbors(queries: Tensor, bank: Tensor, k: Int, chunkRows: Int?, into distances: Tensor,
                                 indices: Tensor) throws {
        let shapeClass = TuningShapeClass.of(depth: queries.shape[1], k: k)
        let parameters = try parameters(for: nearestNeighborsKernel, shapeClass)
        try searchNeighbors(queries: queries, bank: bank, k: k, chunkRows: chunkRows, parameters: parameters,
                            into: distances, indices: indices)
    }

    /// Seconds of one search of the class's tuning problem (256 queries, 8,192 bank rows) with `parameters`.
    func timeNearestNeighbors(_ parameters: KernelParameters, _ shapeClass: TuningShapeClass) throws -> Double {
        let (m, n, depth) = (256, 8_192, shapeClass.depth)
        let values = tuningValues((m + n) * depth, seed: 12_345)
        let queries = try Tensor(Array(values[..<(m * depth)]), shape: [m, depth], on: self)
        let bank = try Tensor(Array(values[(m * depth)...]), shape: [n, depth], on: self)
        let distances = try Tensor(uninitialized: [m, shapeClass.k], on: self)
        let indices = try Tensor(uninitialized: [m, shapeClass.k], dtype: .int32, on: self)
        try synchronize()
        let start = ContinuousClock.now
        try searchNeighbors(queries: queries, bank: bank, k: shapeClass.k, chunkRows: nil, parameters: parameters,
                            into: distances, indices: indices)
        try synchronize()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Exact search with one variant of the search kernel into `distances` and `indices` `[M, k]` (filled with
    /// `+∞` and `−1` here); the bank is taken in chunks that bound the scratch memory (and the staging of a bank
    /// held by another device).
    func searchNeighbors(queries: Tensor, bank: Tensor, k: Int, chunkRows: Int?, parameters: KernelParameters,
                         into distances: Tensor, indices: Tensor) throws {
        let (m, depth, n) = (queries.shape[0], queries.shape[1], bank.shape[0])
        try fill(distances, value: .infinity)
        try fill(indices, value: -1)
        guard m > 0, n > 0 else { return }

        let block = neighborBlockRows(depth: depth, parameters: parameters)
        var chunk = chunkRows ?? max(1, Self.partialBytesLimit / (m * k * 8)) * block
        if chunkRows == nil, bank.buffer.device !== self {
            let rowBytes = max(depth, 1) * 4
            chunk = min(chunk, max(block, min(Self.stagingBytesLimit, info.maxAllocationBytes) / rowBytes))
        }
        chunk = min(chunk, n)
        let maxBlocks = (chunk + block - 1) / block
        let partialDistances = try Tensor(uninitialized: [maxBlocks, m, k], on: self)
        let partialIndices = try Tensor(uninitialized: [maxBlocks, m, k], dtype: .int32, on: self)
        let search = (variant == .cpu ? Self.kernels.nearestNeighborsCPU : Self.kernels.nearestNeighborsGPU)
            .variant(parameters)

        try BankChunks(bank: bank, chunkRows: chunk).forEach(on: self) { buffer, rowOffset, range in
            let blocks = (range.count + block - 1) / block
            let arguments: [KernelArgument] = [
                .tensor(queries), .int(m), .int(depth), .buffer(buffer), .int(rowOffset), .int(range.count),
                .int(range.lowerBound), .int(k), .int(block), .tensor(partialDistances), .tensor(partialIndices),
            ]
            if variant == .cpu {
                let perItem = parameters["NN_QUERIES"]
                try launch(search, global: [(m + perItem - 1) / perItem, blocks], local: [1, 1], arguments)
            } else {
                let tile = parameters["NN_TILE"], tileBytes = 4 * tile * tile
                try launch(search, global: [tile * blocks, m], local: [tile, tile],
                           arguments + [.local(bytes: tileBytes), .local(bytes: tileBytes), .local(bytes: tileBytes)])
            }
            try launch(Self.kernels.nearestNeighborsMerge, global: [m],
                       local: [variant == .cpu ? 1 : preferredGroupSize],
                       [.tensor(partialDistances), .tensor(partialIndices), .int(blocks), .int(m), .int(k),
                        .tensor(distances), .tensor(indices)])
        }
    }

    public func coresetProject(features: Tensor, matrix: Tensor, into projected: Tensor) throws {
        let (n, depth, width) = (features.shape[0], features.shape[1], matrix.shape[1])
        let arguments: [KernelArgument] = [.tensor(features), .int(n), .int(depth), .tensor(matrix), .int(width),
                                           .tensor(projected)]
        if variant == .cpu {
            try launch(Self.kernels.coresetProjectCPU, global: [(n + 7) / 8, (width + 31) / 32], local: [1, 1],
                       arguments)
        } else {
            let tileBytes = 4 * Self.tile * Self.tile
            try launch(Self.kernels.coresetProjectGPU, global: [width, n], local: [Self.tile, Self.tile],
                       arguments + [.local(bytes: tileBytes), .local(bytes: tileBytes)])
        }
    }

    public func coresetSteps(codes: Tensor, minimumDistances: Tensor, count: Int, into picks: Tensor) throws {
        let (n, width) = (minimumDistances.shape[0], codes.shape[1])

        // CPU shape: at most 64 spans, each a multiple of 16 points; GPU shape: at most 64 work-groups striding over
        // the points.
        let span = max(256, ((n + 63) / 64 + 15) / 16 * 16)
        let items = variant == .cpu ? (n + span - 1) / span : min(64, (n + Self.stepGroup - 1) / Self.stepGroup)
        let maxima = try [0, 1].map { _ in try Tensor(uninitialized: [items], on: self) }
        let arguments = try [0, 1].map { _ in try Tensor(uninitialized: [items], dtype: .int32, on: self) }
        for step in -1..<count {
            let previous = (step + 2) % 2, next = (step + 1) % 2
            let stepArguments: [KernelArgument] = [
                .int(step >= 0 ? 1 : 0), .tensor(maxima[previous]), .tensor(arguments[previous]), .int(items),
                .tensor(maxima[next]), .tensor(arguments[next]), .tensor(picks), .int(max(step, 0)),
            ]
            if variant == .cpu {
                try launch(Self.kernels.coresetStepsCPU, global: [items], local: [1],
                           [.tensor(codes), .int(n), .int(width), .int(span), .tensor(minimumDistances)]
                               + stepArguments)
            } else {
                try launch(Self.kernels.coresetStepsGPU, global: [items * Self.stepGroup], local: [Self.stepGroup],
                           [.tensor(codes), .int(n), .int(width), .tensor(minimumDistances)] + stepArguments
                               + [.local(bytes: 4 * Self.stepGroup), .local(bytes: 4 * Self.stepGroup),
                                  .local(bytes: 4 * width)])
            }
        }
    }
}
