extension OpenCLDevice: ChaosGameOps {
    private static let walk = KernelReference("chaos_game", "chaos_game_walk")
    private static let walkCPU = KernelReference("chaos_game", "chaos_game_walk_cpu")
    private static let rasterize = KernelReference("chaos_game", "chaos_game_rasterize")
    private static let rasterizeCPU = KernelReference("chaos_game", "chaos_game_rasterize_cpu")
    private static let statistics = KernelReference("chaos_game", "chaos_game_statistics")
    private static let statisticsCPU = KernelReference("chaos_game", "chaos_game_statistics_cpu")
    private static let colorize = KernelReference("chaos_game", "chaos_game_colorize")
    private static let colorizeCPU = KernelReference("chaos_game", "chaos_game_colorize_cpu")
    private static let blur = KernelReference("chaos_game", "chaos_game_blur")
    private static let blurCPU = KernelReference("chaos_game", "chaos_game_blur_cpu")

    static let chaosGameKernels = [walk, walkCPU, rasterize, rasterizeCPU, statistics, statisticsCPU, colorize,
                                   colorizeCPU, blur, blurCPU]

    public func chaosGameWalk(systems: Tensor, seed: UInt64, walkers: Int, pointsPerImage: Int, warmup: Int) throws
        -> (points: Tensor, bounds: Tensor) {
        let batch = try validateWalk(systems: systems, walkers: walkers, pointsPerImage: pointsPerImage,
                                     warmup: warmup, device: self)
        let points = try Tensor(uninitialized: [batch, pointsPerImage, 2], dtype: .int32, on: self)
        let bounds = try Tensor(uninitialized: [batch, walkers, 4], dtype: .int32, on: self)
        let arguments: [KernelArgument] = [
            .tensor(systems), .uint32(UInt32(truncatingIfNeeded: seed)), .uint32(UInt32(truncatingIfNeeded: seed >> 32)),
            .int(walkers), .int(pointsPerImage), .int(warmup), .int(batch), .tensor(points), .tensor(bounds),
        ]
        if variant == .cpu {
            try launch(Self.walkCPU, global: [batch * ((walkers + 7) / 8)], local: [1], arguments)
        } else {
            try launch(Self.walk, global: [batch * walkers], local: [preferredGroupSize], arguments)
        }
        return (points, bounds)
    }

    public func chaosGameRasterize(points: Tensor, views: Tensor, size: Int) throws -> Tensor {
        try validateRasterize(points: points, views: views, size: size, device: self)
        let batch = points.shape[0], perImage = points.shape[1]
        let counts = try Tensor(zeros: [batch, size, size], dtype: .int32, on: self)
        let arguments: [KernelArgument] = [
            .tensor(points), .tensor(views), .int(batch), .int(perImage), .int(size), .tensor(counts),
        ]
        if variant == .cpu {
            try launch(Self.rasterizeCPU, global: [batch], local: [1], arguments)
        } else {
            try launch(Self.rasterize, global: [batch * perImage], local: [preferredGroupSize], arguments)
        }
        return counts
    }

    public func chaosGameStatistics(counts: Tensor) throws -> Tensor {
        try validateStatistics(counts: counts, device: self)
        let batch = counts.shape[0], plane = counts.shape[1] * counts.shape[2]
        let statistics = try Tensor(uninitialized: [batch, 2], dtype: .int32, on: self)
        if variant == .cpu {
            try launch(Self.statisticsCPU, global: [batch], local: [1],
                       [.tensor(counts), .int(batch), .int(plane), .tensor(statistics)])
        } else {
            let group = 256
            try launch(Self.statistics, global: [batch * group], local: [group],
                       [.tensor(counts), .int(plane), .tensor(statistics), .local(bytes: 4 * group),
                        .local(bytes: 4 * group)])
        }
        return statistics
    }

    public func chaosGameColorize(counts: Tensor, statistics: Tensor, colors: Tensor) throws -> Tensor {
        try validateColorize(counts: counts, statistics: statistics, colors: colors, device: self)
        let batch = counts.shape[0], plane = counts.shape[1] * counts.shape[2]
        let images = try Tensor(uninitialized: [batch, counts.shape[1], counts.shape[2], 3], dtype: .uint8, on: self)
        if variant == .cpu {
            try launch(Self.colorizeCPU, global: [batch * counts.shape[1]], local: [1],
                       [.tensor(counts), .tensor(statistics), .tensor(colors), .int(batch), .int(counts.shape[1]),
                        .int(counts.shape[2]), .tensor(images)])
        } else {
            try launch(Self.colorize, global: [batch * plane], local: [preferredGroupSize],
                       [.tensor(counts), .tensor(statistics), .tensor(colors), .int(batch), .int(plane),
                        .tensor(images)])
        }
        return images
    }

    public func chaosGameBlur(images: Tensor, colors: Tensor) throws -> Tensor {
        try validateBlur(images: images, colors: colors, device: self)
        let (batch, height, width, channels) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let blurred = try Tensor(uninitialized: images.shape, dtype: .uint8, on: self)
        let arguments: [KernelArgument] = [.tensor(images), .tensor(colors), .int(batch), .int(height), .int(width),
                                           .int(channels), .tensor(blurred)]
        if variant == .cpu {
            try launch(Self.blurCPU, global: [batch * height], local: [1], arguments)
        } else {
            try launch(Self.blur, global: [batch * height * width], local: [preferredGroupSize], arguments)
        }
        return blurred
    }
}
