import Compute
import Foundation

/// A fitted PatchCore model: its settings, the backbone it needs, and the memory bank.
public struct PatchCoreModel: Sendable {
    public var settings: PatchCoreSettings
    public var backbone: BackboneReference
    /// `[bankSize, dimension]` row-major.
    public var bank: [Float]
    public var dimension: Int
    /// The feature grid of the training images.
    public var grid: (height: Int, width: Int)
    public var trainingImages: Int
    /// Patches before the coreset.
    public var trainingPatches: Int
    /// Recall@k of the IVF search against exact search on training patches, measured at fit time; nil for exact
    /// search.
    public var ivfRecall: Double?

    public var bankSize: Int { dimension > 0 ? bank.count / dimension : 0 }

    public init(settings: PatchCoreSettings, backbone: BackboneReference, bank: [Float], dimension: Int,
                grid: (height: Int, width: Int), trainingImages: Int, trainingPatches: Int) {
        self.settings = settings
        self.backbone = backbone
        self.bank = bank
        self.dimension = dimension
        self.grid = grid
        self.trainingImages = trainingImages
        self.trainingPatches = trainingPatches
    }

    /// The memory bank as a device tensor for nearest-neighbour search.
    public func bankTensor(on device: any Device) throws -> Tensor {
        try Tensor(bank, shape: [bankSize, dimension], on: device)
    }
}
