import Backbones
import Compute
import Foundation
import Imaging

/// A frozen torchvision-layout ResNet as PatchCore's feature extractor.
///
/// The network object is not safe for concurrent use; PatchCore calls it from one thread at a time.
public final class ResNetFeatureExtractor: FeatureExtractor, @unchecked Sendable {
    public let network: ResNet
    public let reference: BackboneReference
    public var device: any Device { network.device }
    public var stageNames: [String] { ResNet.Stage.allCases.map(\.description) }

    init(network: ResNet, reference: BackboneReference) {
        self.network = network
        self.reference = reference
    }

    /// Loads `checkpoint` (a safetensors file with torchvision key names; its architecture is read from the file),
    /// or builds `architecture` with seeded random weights when there is no checkpoint.
    public static func load(checkpoint: URL?, architecture: String?, seed: UInt64, device: any Device) throws
        -> ResNetFeatureExtractor {
        guard let checkpoint else {
            let name = architecture ?? "wide_resnet50_2"
            let network = try ResNet(try ResNetArchitecture.named(name), classes: 1000, seed: seed, device: device)
            return ResNetFeatureExtractor(network: network, reference: BackboneReference(
                architecture: name, checkpoint: nil, checkpointHash: nil, seed: seed))
        }
        let data: Data
        do {
            data = try FileErrorText.contents(of: checkpoint)
        } catch let error as FileReadError {
            throw PatchCoreError.backboneMismatch("cannot read the checkpoint \(checkpoint.path): \(error.reason)")
        }
        let file = try SafeTensorsFile(data: data, source: checkpoint.path)
        let (inferred, classes) = try ResNetArchitecture.inferred(from: file, source: checkpoint.path)
        if let architecture, architecture != inferred.name {
            throw PatchCoreError.backboneMismatch(
                "\(checkpoint.path) holds a \(inferred.name), not the requested \(architecture)")
        }
        let network = try ResNet(inferred, classes: classes, seed: seed, device: device)
        try network.loadState(file, source: checkpoint.path, architecture: network.description)
        return ResNetFeatureExtractor(network: network, reference: BackboneReference(
            architecture: inferred.name, checkpoint: checkpoint.path, checkpointHash: fnv1a64Hex(data), seed: seed))
    }

    /// The backbone a model file names, checked against the hash recorded when the model was fitted.
    public static func load(_ reference: BackboneReference, device: any Device) throws -> ResNetFeatureExtractor {
        let extractor = try load(checkpoint: reference.checkpoint.map { URL(fileURLWithPath: $0) },
                                 architecture: reference.architecture, seed: reference.seed, device: device)
        if extractor.reference.checkpointHash != reference.checkpointHash {
            throw PatchCoreError.backboneMismatch(
                "\(reference.checkpoint ?? "the checkpoint") changed since the model was fitted (hash "
                    + "\(extractor.reference.checkpointHash ?? "none") ≠ \(reference.checkpointHash ?? "none"))")
        }
        return extractor
    }

    public func stageFeatures(_ batch: Tensor, stages: [String]) throws -> [Tensor] {
        let wanted = try stages.map { name in
            guard let stage = ResNet.Stage.allCases.first(where: { $0.description == name }) else {
                throw PatchCoreError.invalidSettings("unknown stage '\(name)'")
            }
            return stage
        }
        let features = try network.features(batch, stages: Set(wanted))
        return wanted.map { features[$0]! }
    }
}

/// 64-bit FNV-1a of `data` as 16 hex digits.
func fnv1a64Hex(_ data: Data) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in data {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    let text = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - text.count) + text
}
