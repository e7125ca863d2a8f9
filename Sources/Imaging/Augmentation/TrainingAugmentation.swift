import Compute

/// The per-image training pipeline for backbone pre-training: RandomResizedCrop → horizontal flip → AutoAugment
/// (optional) → ToTensor + Normalize → RandomErasing (optional), as in torchvision's classification reference recipe.
///
/// Every step draws from its own Philox stream keyed by (seed, image index, epoch, step), so an image's augmentation
/// is reproducible on any machine and independent of thread scheduling and batch composition.
public struct TrainingAugmentation: Sendable {
    public var seed: UInt64
    public var crop: RandomResizedCrop
    public var flipProbability: Double
    public var autoAugment: AutoAugment?
    public var mean: [Float]
    public var std: [Float]
    public var erasing: RandomErasing?

    public init(seed: UInt64, crop: RandomResizedCrop, flipProbability: Double = 0.5,
                autoAugment: AutoAugment? = AutoAugment(), mean: [Float] = ByteImage.imageNetMean,
                std: [Float] = ByteImage.imageNetStd, erasing: RandomErasing? = nil) {
        self.seed = seed
        self.crop = crop
        self.flipProbability = flipProbability
        self.autoAugment = autoAugment
        self.mean = mean
        self.std = std
        self.erasing = erasing
    }

    /// The augmented 8-bit image before normalisation (crop, flip, AutoAugment).
    public func augmentedImage(_ image: ByteImage, index: Int, epoch: Int) throws -> ByteImage {
        var random = PhiloxStream.augmentation(seed: seed, index: index, epoch: epoch, step: .resizedCrop)
        var result = try crop.apply(image, random: &random)
        random = .augmentation(seed: seed, index: index, epoch: epoch, step: .horizontalFlip)
        if random.nextUnit() < flipProbability { result = result.flippedHorizontally() }
        if let autoAugment {
            random = .augmentation(seed: seed, index: index, epoch: epoch, step: .autoAugment)
            result = try autoAugment.apply(result, random: &random)
        }
        return result
    }

    /// The network input `[3, crop.height, crop.width]` (gray images are expanded to 3 planes).
    public func callAsFunction(_ image: ByteImage, index: Int, epoch: Int) throws -> [Float] {
        let augmented = try augmentedImage(image, index: index, epoch: epoch)
        var planes = try augmented.normalizedPlanes(mean: mean, std: std, expandGray: true)
        if let erasing {
            var random = PhiloxStream.augmentation(seed: seed, index: index, epoch: epoch, step: .erasing)
            try erasing.apply(to: &planes, channels: mean.count, height: augmented.height, width: augmented.width,
                              random: &random)
        }
        return planes
    }
}
