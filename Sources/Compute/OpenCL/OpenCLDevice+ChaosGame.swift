extension OpenCLDevice: ChaosGameOps {
    public func chaosGameWalk(systems: Tensor, seed: UInt64, walkers: Int, pointsPerImage: Int, warmup: Int,
                              into points: Tensor, bounds: Tensor) throws {
        let batch = systems.shape[0]
        let arguments: [KernelArgument] = [
            .tensor(systems), .uint32(UInt32(truncatingIfNeeded: seed)), .uint32(UInt32(truncatingIfNeeded: seed >> 32)),
            .int(walkers), .int(pointsPerImage), .int(warmup), .int(batch), .tensor(points), .tensor(bounds),
        ]
        if variant == .cpu {
            try launch(Self.kernels.chaosGameWalkCPU, global: [batch * ((walkers + 7) / 8)], local: [1], arguments)
        } else {
            try launch(Self.kernels.chaosGameWalk, global: [batch * walkers], local: [preferredGroupSize], arguments)
        }
    }

    public func chaosGameRasterize(points: Tensor, views: Tensor, size: Int, into counts: Tensor) throws {
        let batch = points.shape[0], perImage = points.shape[1]
        let arguments: [KernelArgument] = [
            .tensor(points), .tensor(views), .int(batch), .int(perImage), .int(size), .tensor(counts),
        ]
        if variant == .cpu {
            try launch(Self.kernels.chaosGameRasterizeCPU, global: [batch], local: [1], arguments)
        } else {
            try launch(Self.kernels.chaosGameRasterize, global: [batch * perImage], local: [preferredGroupSize],
                       arguments)
        }
    }

    public func chaosGameStatistics(counts: Tensor, into statistics: Tensor) throws {
        let batch = counts.shape[0], plane = counts.shape[1] * counts.shape[2]
        if variant == .cpu {
            try launch(Self.kernels.chaosGameStatisticsCPU, global: [batch], local: [1],
                       [.tensor(counts), .int(batch), .int(plane), .tensor(statistics)])
        } else {
            let group = 256
            try launch(Self.kernels.chaosGameStatistics, global: [batch * group], local: [group],
                       [.tensor(counts), .int(plane), .tensor(statistics), .local(bytes: 4 * group),
                        .local(bytes: 4 * group)])
        }
    }

    public func chaosGameColorize(counts: Tensor, statistics: Tensor, colors: Tensor, into images: Tensor) throws {
        let batch = counts.shape[0], plane = counts.shape[1] * counts.shape[2]
        if variant == .cpu {
            try launch(Self.kernels.chaosGameColorizeCPU, global: [batch * counts.shape[1]], local: [1],
                       [.tensor(counts), .tensor(statistics), .tensor(colors), .int(batch), .int(counts.shape[1]),
                        .int(counts.shape[2]), .tensor(images)])
        } else {
            try launch(Self.kernels.chaosGameColorize, global: [batch * plane], local: [preferredGroupSize],
                       [.tensor(counts), .tensor(statistics), .tensor(colors), .int(batch), .int(plane),
                        .tensor(images)])
        }
    }

    public func chaosGameBlur(images: Tensor, colors: Tensor, into blurred: Tensor) throws {
        let (batch, height, width, channels) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let arguments: [KernelArgument] = [.tensor(images), .tensor(colors), .int(batch), .int(height), .int(width),
                                           .int(channels), .tensor(blurred)]
        if variant == .cpu {
            try launch(Self.kernels.chaosGameBlurCPU, global: [batch * height], local: [1], arguments)
        } else {
            try launch(Self.kernels.chaosGameBlur, global: [batch * height * width], local: [preferredGroupSize],
                       arguments)
        }
    }
}
