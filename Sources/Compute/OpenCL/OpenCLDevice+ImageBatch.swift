extension OpenCLDevice: ImageBatchOps {
    private static let imageBatch = KernelReference("image_batch", "image_batch")
    private static let imageBatchCPU = KernelReference("image_batch", "image_batch_cpu")
    private static let imageBatchInverse = KernelReference("image_batch", "image_batch_inverse")

    static let imageBatchKernels = [imageBatch, imageBatchCPU, imageBatchInverse]

    public func imageBatch(_ images: Tensor, mean: [Float], std: [Float]) throws -> Tensor {
        let channels = try validateImageBatch("imageBatch", images, dtype: .uint8, channelAxis: 3, mean: mean,
                                              std: std, device: self)
        let (n, h, w) = (images.shape[0], images.shape[1], images.shape[2])
        let batch = try Tensor(uninitialized: [n, channels, h, w], on: self)
        let affine = ImageBatchAffine(mean: mean, std: std)
        let arguments: [KernelArgument] = [.tensor(images), .int(n * h), .int(h), .int(w), .int(channels)]
            + Self.constants(affine.scale, affine.shift, padding: (1, 0)) + [.tensor(batch)]
        if variant == .cpu {
            try launch(Self.imageBatchCPU, global: [n * h], local: [1], arguments)
        } else {
            try launch(Self.imageBatch, global: [w, n * h], arguments)
        }
        return batch
    }

    public func imageBatchInverse(_ x: Tensor, mean: [Float], std: [Float]) throws -> Tensor {
        let channels = try validateImageBatch("imageBatchInverse", x, dtype: .float32, channelAxis: 1, mean: mean,
                                              std: std, device: self)
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let images = try Tensor(uninitialized: [n, h, w, channels], dtype: .uint8, on: self)
        try launch(Self.imageBatchInverse, global: [w, n * h],
                   [.tensor(x), .int(n * h), .int(h), .int(w), .int(channels)]
                   + Self.constants(mean, std, padding: (0, 1)) + [.tensor(images)])
        return images
    }

    /// Two per-channel constants as four scalar arguments each, unused channels padded.
    private static func constants(_ first: [Float], _ second: [Float], padding: (Float, Float)) -> [KernelArgument] {
        (0..<4).map { .float($0 < first.count ? first[$0] : padding.0) }
            + (0..<4).map { .float($0 < second.count ? second[$0] : padding.1) }
    }
}
