/// Conversion between 8-bit interleaved images and normalised network input, on the device, so images rendered
/// there feed training without a round trip through the host. Kernels: `Kernels/image_batch.cl`.
///
/// The ops are the entry points in the extension below: they check the arguments, allocate the results and call
/// the device's hook of the same name, which only computes (see ``Device``).
public protocol ImageBatchOps {
    /// Hook of ``imageBatch(_:mean:std:)``: fills `output` `[N, C, H, W]`.
    func imageBatch(_ images: Tensor, mean: [Float], std: [Float], into output: Tensor) throws
    /// Hook of ``imageBatchInverse(_:mean:std:)``: fills `images` `[N, H, W, C]`.
    func imageBatchInverse(_ x: Tensor, mean: [Float], std: [Float], into images: Tensor) throws
}

extension ImageBatchOps where Self: Device {
    /// `[N, H, W, C]` uint8 → `[N, C, H, W]` float32 with `y = (v/255 − mean_c)/std_c` (torchvision's `ToTensor`
    /// followed by `Normalize`). The reference device evaluates that formula; the others evaluate the same affine
    /// map as `v·a_c + b_c` (``ImageBatchAffine``), which agrees to a few ulp.
    /// - Parameters:
    ///   - images: uint8 `[N, H, W, C]` with `1 ≤ C ≤ 4`.
    ///   - mean, std: `C` values each; every `std` must be positive and finite.
    public func imageBatch(_ images: Tensor, mean: [Float], std: [Float]) throws -> Tensor {
        let channels = try validateImageBatch("imageBatch", images, dtype: .uint8, channelAxis: 3, mean: mean,
                                              std: std, device: self)
        let output = try Tensor(uninitialized: [images.shape[0], channels, images.shape[1], images.shape[2]],
                                on: self)
        try imageBatch(images, mean: mean, std: std, into: output)
        return output
    }

    /// The inverse, for looking at network input: `v = clamp(round((y·std_c + mean_c)·255), 0, 255)`, rounding
    /// halves away from zero; NaN becomes 0.
    /// - Parameters:
    ///   - x: float32 `[N, C, H, W]` with `1 ≤ C ≤ 4`.
    /// - Returns: uint8 `[N, H, W, C]`.
    public func imageBatchInverse(_ x: Tensor, mean: [Float], std: [Float]) throws -> Tensor {
        let channels = try validateImageBatch("imageBatchInverse", x, dtype: .float32, channelAxis: 1, mean: mean,
                                              std: std, device: self)
        let images = try Tensor(uninitialized: [x.shape[0], x.shape[2], x.shape[3], channels], dtype: .uint8,
                                on: self)
        try imageBatchInverse(x, mean: mean, std: std, into: images)
        return images
    }
}

extension ImageBatchOps {
    /// Checks the images or batch and the normalisation constants; returns the channel count.
    func validateImageBatch(_ op: String, _ tensor: Tensor, dtype: DType, channelAxis: Int, mean: [Float],
                            std: [Float], device: AnyObject) throws -> Int {
        try OpValidation.sameDevice(op, device, tensor)
        try OpValidation.require(tensor, op, dtype: dtype, rank: 4)
        let channels = tensor.shape[channelAxis]
        guard (1...4).contains(channels) else {
            throw ComputeError.shapeMismatch(op: op, detail: "expected 1 to 4 channels, got \(tensor.shape)")
        }
        guard mean.count == channels, std.count == channels else {
            throw ComputeError.invalidArgument(
                op: op, detail: "need \(channels) mean and std values, got \(mean.count) and \(std.count)")
        }
        guard mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw ComputeError.invalidArgument(op: op, detail: "mean must be finite and std positive and finite")
        }
        return channels
    }
}

/// The normalisation `(v/255 − mean)/std` as the affine map `v·scale + shift` per channel, which the fast devices
/// evaluate without dividing.
struct ImageBatchAffine {
    let scale: [Float], shift: [Float]

    init(mean: [Float], std: [Float]) {
        scale = std.map { 1 / (255 * $0) }
        shift = zip(mean, std).map { -$0 / $1 }
    }
}
