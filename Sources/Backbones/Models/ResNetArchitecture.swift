/// The shape of a torchvision-style ResNet: block type, blocks per stage and widths.
///
/// The five named architectures reproduce `torchvision.models.resnet18`, `resnet34`, `resnet50`,
/// `wide_resnet50_2` and `wide_resnet101_2` (He et al., CVPR 2016; Zagoruyko & Komodakis, BMVC 2016) down to the
/// parameter names and shapes. Narrower variants (other `stemChannels` and `stagePlanes`) keep the same layout
/// and naming, for tests.
public struct ResNetArchitecture: Sendable, Equatable, CustomStringConvertible {
    public enum BlockKind: String, Sendable {
        case basic
        case bottleneck

        /// Output channels of a block per plane: 1 for ``BasicBlock``, 4 for ``Bottleneck``.
        public var expansion: Int { self == .basic ? BasicBlock.expansion : Bottleneck.expansion }
    }

    public var name: String
    public var block: BlockKind
    /// Blocks in `layer1` … `layer4`.
    public var blocksPerStage: [Int]
    /// torchvision's `width_per_group`: a bottleneck's inner width is `planes · baseWidth / 64`.
    public var baseWidth: Int
    /// Output channels of the stem convolution (64 in torchvision).
    public var stemChannels: Int
    /// `planes` of `layer1` … `layer4` (64, 128, 256, 512 in torchvision).
    public var stagePlanes: [Int]

    public init(name: String, block: BlockKind, blocksPerStage: [Int], baseWidth: Int = 64, stemChannels: Int = 64,
                stagePlanes: [Int] = [64, 128, 256, 512]) {
        self.name = name
        self.block = block
        self.blocksPerStage = blocksPerStage
        self.baseWidth = baseWidth
        self.stemChannels = stemChannels
        self.stagePlanes = stagePlanes
    }

    public static let resnet18 = ResNetArchitecture(name: "resnet18", block: .basic, blocksPerStage: [2, 2, 2, 2])
    public static let resnet34 = ResNetArchitecture(name: "resnet34", block: .basic, blocksPerStage: [3, 4, 6, 3])
    public static let resnet50 = ResNetArchitecture(name: "resnet50", block: .bottleneck,
                                                    blocksPerStage: [3, 4, 6, 3])
    public static let wideResNet50_2 = ResNetArchitecture(name: "wide_resnet50_2", block: .bottleneck,
                                                          blocksPerStage: [3, 4, 6, 3], baseWidth: 128)
    public static let wideResNet101_2 = ResNetArchitecture(name: "wide_resnet101_2", block: .bottleneck,
                                                           blocksPerStage: [3, 4, 23, 3], baseWidth: 128)

    /// The architectures `--arch` accepts, by torchvision name.
    public static let named: [ResNetArchitecture] = [resnet18, resnet34, resnet50, wideResNet50_2, wideResNet101_2]

    /// The architecture called `name` (torchvision's function name).
    /// - Throws: ``BackboneError/invalidArgument(_:)`` listing the known names.
    public static func named(_ name: String) throws -> ResNetArchitecture {
        guard let found = named.first(where: { $0.name == name }) else {
            throw BackboneError.invalidArgument(
                "unknown architecture '\(name)' (known: \(named.map(\.name).joined(separator: ", ")))")
        }
        return found
    }

    /// Channels of each stage's output: `planes · expansion`.
    public var stageChannels: [Int] { stagePlanes.map { $0 * block.expansion } }

    /// Features entering the classifier.
    public var featureCount: Int { stageChannels[3] }

    public var description: String { name }

    func validate() throws {
        guard blocksPerStage.count == 4, stagePlanes.count == 4, blocksPerStage.allSatisfy({ $0 >= 1 }),
              stagePlanes.allSatisfy({ $0 >= 1 }), stemChannels >= 1, baseWidth >= 1,
              stagePlanes.allSatisfy({ $0 * baseWidth % 64 == 0 }) else {
            throw BackboneError.invalidArgument("\(name): invalid ResNet configuration \(self)")
        }
    }
}
