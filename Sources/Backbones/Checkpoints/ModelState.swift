import Compute
import Foundation

/// Which checkpoint entries a load may leave out.
public struct StateLoadOptions: Sendable {
    /// Skip `fc.weight` and `fc.bias` (present or not, whatever their shape): reusing a backbone trained with
    /// another class count, as OFDB's `restore_compatible_weights` does.
    public var ignoreClassifier: Bool

    public init(ignoreClassifier: Bool = false) {
        self.ignoreClassifier = ignoreClassifier
    }

    public static let strict = StateLoadOptions()

    func skips(_ name: String) -> Bool {
        ignoreClassifier && (name == "fc.weight" || name == "fc.bias")
    }
}

extension Module {
    /// The state as safetensors tensors under torchvision's names: float32 parameters and buffers, int64 scalar
    /// counters. `torch.nn.Module.load_state_dict` accepts the result (see `Tests/BackbonesTests/Fixtures`).
    public func stateTensors() throws -> [String: SafeTensor] {
        var tensors: [String: SafeTensor] = [:]
        for entry in state {
            switch entry {
            case let .parameter(p): tensors[p.name] = SafeTensor(try p.value.floats(), shape: p.shape)
            case let .buffer(b): tensors[b.name] = SafeTensor(try b.value.floats(), shape: b.shape)
            case let .counter(c): tensors[c.name] = SafeTensor(scalar: c.value)
            }
        }
        return tensors
    }

    /// Replaces the state with `file`'s tensors after checking all of them: the same names (training-checkpoint
    /// entries under `optimizer.` are not part of the model and are ignored), the same shapes, floating-point
    /// tensors (F32, or F16/BF16/F64 converted) for parameters and buffers, integers for counters.
    /// - Parameters:
    ///   - source: the file name for error messages.
    ///   - architecture: the model's name for error messages.
    /// - Throws: ``BackboneError/checkpointMismatch(_:)`` naming every missing, unexpected, wrongly shaped or
    ///   wrongly typed tensor; nothing is changed then.
    public func loadState(_ file: SafeTensorsFile, source: String, architecture: String,
                          options: StateLoadOptions = .strict) throws {
        var mismatch = CheckpointMismatch(source: source, architecture: architecture, missing: [], unexpected: [],
                                          wrongShapes: [], wrongTypes: [])
        let entries = state.filter { !options.skips($0.name) }
        let expected = Set(entries.map(\.name))
        for entry in entries {
            guard let tensor = file.tensors[entry.name] else {
                mismatch.missing.append(entry.name)
                continue
            }
            if tensor.shape != entry.shape {
                mismatch.wrongShapes.append(.init(name: entry.name, checkpoint: tensor.shape, expected: entry.shape))
            }
            let wantsInteger: Bool = if case .counter = entry { true } else { false }
            if tensor.dtype.isFloatingPoint == wantsInteger {
                mismatch.wrongTypes.append(.init(name: entry.name, checkpoint: tensor.dtype.rawValue,
                                                 expected: wantsInteger ? "an integer type" : "a floating-point type"))
            }
        }
        mismatch.unexpected = file.tensors.keys.filter {
            !expected.contains($0) && !options.skips($0) && !$0.hasPrefix(TrainingCheckpoint.optimizerPrefix)
        }.sorted()
        guard mismatch.isEmpty else { throw BackboneError.checkpointMismatch(mismatch) }
        for entry in entries {
            let tensor = file.tensors[entry.name]!
            switch entry {
            case let .parameter(p): try Self.copy(tensor, into: p.value)
            case let .buffer(b): try Self.copy(tensor, into: b.value)
            case let .counter(c): c.value = try tensor.int64s()[0]
            }
        }
    }

    private static func copy(_ tensor: SafeTensor, into destination: Tensor) throws {
        let device = destination.device
        if tensor.dtype == .float32, UInt32(1).littleEndian == 1 {
            try tensor.data.withUnsafeBytes { try device.write($0, to: destination.buffer, offset: 0) }
        } else {
            try tensor.floats().withUnsafeBytes { try device.write($0, to: destination.buffer, offset: 0) }
        }
    }
}

extension ResNet: CustomStringConvertible {
    /// Metadata keys FractalAD writes into every checkpoint.
    public enum MetadataKey {
        public static let architecture = "arch"
        public static let classes = "classes"
        public static let format = "format"
    }

    /// The weights as a safetensors file that `torchvision.models.<arch>(num_classes=classes)` loads with
    /// `load_state_dict(strict=True)`; `metadata` adds to the architecture name and class count recorded.
    public func checkpoint(metadata: [String: String] = [:]) throws -> SafeTensorsFile {
        var all = metadata
        all[MetadataKey.format] = "pt"
        all[MetadataKey.architecture] = architecture.name
        all[MetadataKey.classes] = String(classCount)
        return SafeTensorsFile(tensors: try stateTensors(), metadata: all)
    }

    /// Writes ``checkpoint(metadata:)`` to `url` atomically.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try checkpoint(metadata: metadata).write(to: url)
    }

    /// Loads weights from a safetensors file (FractalAD's or torchvision's exported with `safetensors.torch`).
    public func load(from url: URL, options: StateLoadOptions = .strict) throws {
        try loadState(try SafeTensorsFile.read(url), source: url.path, architecture: description, options: options)
    }

    /// The model a checkpoint holds, its architecture and class count inferred
    /// (``ResNetArchitecture/inferred(from:source:)``).
    public static func loaded(from url: URL, device: any Device) throws -> ResNet {
        let file = try SafeTensorsFile.read(url)
        let (architecture, classes) = try ResNetArchitecture.inferred(from: file, source: url.path)
        let model = try ResNet(architecture, classes: classes, initialization: .none, device: device)
        try model.loadState(file, source: url.path, architecture: model.description)
        return model
    }

    /// `resnet18 (10 classes)`.
    public var description: String { "\(architecture.name) (\(classCount) classes)" }
}

extension ResNetArchitecture {
    /// Most classifier outputs a model may have (as `train --classes` allows).
    public static let maximumClasses = 10_000_000

    /// The named architecture and class count a checkpoint was made for: from FractalAD's metadata when present,
    /// else from the tensors themselves (stage depths from the `layerS.B.` names, block type from `conv3`, width
    /// from `layer1.0.conv1.weight`, classes from `fc.weight`).
    /// - Throws: ``BackboneError/invalidArgument(_:)`` when the tensors match no named architecture.
    public static func inferred(from file: SafeTensorsFile, source: String) throws
        -> (architecture: ResNetArchitecture, classes: Int) {
        if let name = file.metadata[ResNet.MetadataKey.architecture],
           let recorded = file.metadata[ResNet.MetadataKey.classes] {
            // The count sizes the classifier allocated before the tensors are read, so it must agree with the file's
            // own `fc.weight` (whose size the file's bytes bound) and stay within what `train` accepts.
            let stored = file.tensors["fc.weight"]?.shape.first
            guard let classes = Int(recorded), (1...maximumClasses).contains(classes),
                  stored == classes else {
                throw BackboneError.invalidArgument(
                    "\(source): metadata '\(ResNet.MetadataKey.classes)' = '\(recorded)' is not a class count in "
                        + "1...\(maximumClasses) matching fc.weight's \(stored.map(String.init) ?? "(absent)") rows")
            }
            return (try named(name), classes)
        }
        var depths = [0, 0, 0, 0]
        for name in file.tensors.keys where name.hasPrefix("layer") {
            let parts = name.split(separator: ".")
            guard parts.count > 2, let stage = Int(parts[0].dropFirst(5)), (1...4).contains(stage),
                  let block = Int(parts[1]) else { continue }
            depths[stage - 1] = max(depths[stage - 1], block + 1)
        }
        let bottleneck = file.tensors["layer1.0.conv3.weight"] != nil
        let width = file.tensors["layer1.0.conv1.weight"]?.shape.first ?? 0
        guard let classes = file.tensors["fc.weight"]?.shape.first,
              let found = named.first(where: {
                  $0.blocksPerStage == depths && ($0.block == .bottleneck) == bottleneck
                      && (!bottleneck || $0.stagePlanes[0] * $0.baseWidth / 64 == width)
              }) else {
            throw BackboneError.invalidArgument(
                "\(source): the tensors match none of \(named.map(\.name).joined(separator: ", ")) "
                    + "(stage depths \(depths), \(bottleneck ? "bottleneck" : "basic") blocks)")
        }
        return (found, classes)
    }
}
