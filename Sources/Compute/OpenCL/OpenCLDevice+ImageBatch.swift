extension OpenCLDevice: ImageBatchOps {
    public func imageBatch(_ images: Tensor, mean: [Float], std: [Float], into output: Tensor) throws {
        let (n, h, w, channels) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let affine = ImageBatchAffine(mean: mean, std: std)
        let arguments: [KernelArgument] = [.tensor(images), .int(n * h), .int(h), .int(w), .int(channels)]
            + Self.constants(affine.scale, affine.shift, padding: (1, 0)) + [.tensor(output)]
        if variant == .cpu {
            try launch(Self.kernels.imageBatchCPU, global: [n * h], local: [1], arguments)
        } else {
            try launch(Self.kernels.imageBatch, global: [w, n * h], arguments)
        }
    }

    public func imageBatchInverse(_ x: Tensor, mean: [Float], std: [Float], into images: Tensor) throws {
        let (n, channels, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        try launch(Self.kernels.imageBatchInverse, global: [w, n * h],
                   [.tensor(x), .int(n * h), .int(h), .int(w), .int(channels)]
                   + Self.constants(mean, std, padding: (0, 1)) + [.tensor(images)])
    }

    /// Two per-channel constants as four scalar arguments each, unused channels padded.
    private static func constants(_ first: [Float], _ second: [Float], padding: (Float, Float)) -> [KernelArgument] {
        (0..<4).map { .float($0 < first.count ? first[$0] : padding.0) }
            + (0..<4).map { .float($0 < second.count ? second[$0] : padding.1) }
    }
}
