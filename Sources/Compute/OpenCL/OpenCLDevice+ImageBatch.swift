extension OpenCLDevice: ImageBatchOps {
    private static let imageBatch = KernelReference("image_batch", "image_batch")
    private static let imageBatchInverse = KernelReference("image_batch", "image_batch_inverse")

    static let imageBatchKernels = [imageBatch, imageBatchInverse]

    public func imageBatch(_ images: Tensor, mean: [Float], std: [Float]) throws -> Tensor {
        let channels = try validateImageBatch("imageBatch", images, dtype: .uint8, channelAxis: 3, mean: mean,
                                              std: std, device: self)
        let (n, h, w) = (images.shape[0], images.shape[1], images.shape[2])
        let batch = try Tensor(uninitialized: [n, channels, h, w], on: self)
        try launch(Self.imageBatch, global: [w, n * h],
                   [.tensor(images), .int(n * h), .int(h), .int(w), .int(channels)]
                   + Self.constants(mean, std) + [.tensor(batch)])
        return batch
    }

    public func imageBatchInverse(_ x: Tensor, mean: [Float], std: [Float]) throws -> Tensor {
        let channels = try validateImageBatch("imageBatchInverse", x, dtype: .float32, channelAxis: 1, mean: mean,
                                              std: std, device: self)
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let images = try Tensor(uninitialized: [n, h, w, channels], dtype: .uint8, on: self)
        try launch(Self.imageBatchInverse, global: [w, n * h],
                   [.tensor(x), .int(n * h), .int(h), .int(w), .int(channels)]
                   + Self.constants(mean, std) + [.tensor(images)])
        return images
    }

    /// `m0...m3, s0...s3`, padded with mean 0 and std 1.
    private static func constants(_ mean: [Float], _ std: [Float]) -> [KernelArgument] {
        (0..<4).map { .float($0 < mean.count ? mean[$0] : 0) } + (0..<4).map { .float($0 < std.count ? std[$0] : 1) }
    }
}
