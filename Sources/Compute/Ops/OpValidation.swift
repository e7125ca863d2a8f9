/// Argument checks shared by every device's op implementations, so all devices reject the same inputs with the
/// same messages.
enum OpValidation {
    static func require(_ tensor: Tensor, _ op: String, dtype: DType, rank: Int? = nil, shape: [Int?]? = nil) throws {
        guard tensor.dtype == dtype else { throw ComputeError.dtypeMismatch(op: op, expected: dtype, got: tensor.dtype) }
        if let rank, tensor.rank != rank {
            throw ComputeError.shapeMismatch(op: op, detail: "expected rank \(rank), got \(tensor.shape)")
        }
        if let shape {
            guard tensor.rank == shape.count,
                  zip(tensor.shape, shape).allSatisfy({ actual, expected in expected.map { $0 == actual } ?? true })
            else {
                let wanted = shape.map { $0.map(String.init) ?? "_" }.joined(separator: ", ")
                throw ComputeError.shapeMismatch(op: op, detail: "expected [\(wanted)], got \(tensor.shape)")
            }
        }
    }

    static func sameDevice(_ op: String, _ device: AnyObject, _ tensors: Tensor...) throws {
        for tensor in tensors where tensor.buffer.device !== device { throw ComputeError.deviceMismatch(op: op) }
    }

    static func positive(_ value: Int, _ name: String, _ op: String) throws {
        guard value > 0 else { throw ComputeError.invalidArgument(op: op, detail: "\(name) must be positive, got \(value)") }
    }

    /// Requires every tensor to have `reference`'s shape and to hold float32 elements.
    static func sameFloatShape(_ op: String, _ reference: Tensor, _ others: Tensor...) throws {
        try require(reference, op, dtype: .float32)
        for tensor in others {
            try require(tensor, op, dtype: .float32)
            guard tensor.shape == reference.shape else {
                throw ComputeError.shapeMismatch(op: op, detail: "expected \(reference.shape), got \(tensor.shape)")
            }
        }
    }

    /// Requires a float32 `[N, C, H, W]` tensor; returns its four dimensions.
    static func nchw(_ tensor: Tensor, _ op: String) throws -> (n: Int, c: Int, h: Int, w: Int) {
        try require(tensor, op, dtype: .float32, rank: 4)
        return (tensor.shape[0], tensor.shape[1], tensor.shape[2], tensor.shape[3])
    }

    /// Requires a finite float argument.
    static func finite(_ value: Float, _ name: String, _ op: String) throws {
        guard value.isFinite else { throw ComputeError.invalidArgument(op: op, detail: "\(name) must be finite, got \(value)") }
    }
}

extension ChaosGameOps {
    /// Validates the walk's arguments; returns the batch size.
    func validateWalk(systems: Tensor, walkers: Int, pointsPerImage: Int, warmup: Int, device: AnyObject) throws -> Int {
        let op = "chaosGameWalk"
        try OpValidation.sameDevice(op, device, systems)
        try OpValidation.require(systems, op, dtype: .int32, shape: [nil, ChaosGameLayout.systemWords])
        try OpValidation.positive(walkers, "walkers", op)
        try OpValidation.positive(pointsPerImage, "pointsPerImage", op)
        guard warmup >= 0 else { throw ComputeError.invalidArgument(op: op, detail: "warmup must be ≥ 0") }
        return systems.shape[0]
    }

    func validateRasterize(points: Tensor, views: Tensor, size: Int, device: AnyObject) throws {
        let op = "chaosGameRasterize"
        try OpValidation.sameDevice(op, device, points, views)
        try OpValidation.require(points, op, dtype: .int32, shape: [nil, nil, 2])
        try OpValidation.require(views, op, dtype: .int32, shape: [points.shape[0], ChaosGameLayout.viewWords])
        guard (1...16384).contains(size) else {
            throw ComputeError.invalidArgument(op: op, detail: "size must be in 1...16384, got \(size)")
        }
    }

    func validateStatistics(counts: Tensor, device: AnyObject) throws {
        try OpValidation.sameDevice("chaosGameStatistics", device, counts)
        try OpValidation.require(counts, "chaosGameStatistics", dtype: .int32, rank: 3)
    }

    func validateColorize(counts: Tensor, statistics: Tensor, colors: Tensor, device: AnyObject) throws {
        let op = "chaosGameColorize"
        try OpValidation.sameDevice(op, device, counts, statistics, colors)
        try OpValidation.require(counts, op, dtype: .int32, rank: 3)
        try OpValidation.require(statistics, op, dtype: .int32, shape: [counts.shape[0], 2])
        try OpValidation.require(colors, op, dtype: .int32, shape: [counts.shape[0], ChaosGameLayout.colorWords])
    }

    func validateBlur(images: Tensor, colors: Tensor, device: AnyObject) throws {
        let op = "chaosGameBlur"
        try OpValidation.sameDevice(op, device, images, colors)
        try OpValidation.require(images, op, dtype: .uint8, rank: 4)
        try OpValidation.require(colors, op, dtype: .int32, shape: [images.shape[0], ChaosGameLayout.colorWords])
    }
}
