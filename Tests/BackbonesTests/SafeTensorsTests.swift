import Backbones
import Compute
import Foundation
import Testing

@Suite struct SafeTensorsTests {
    /// A file by hand: header JSON (padded to `pad` bytes) and data.
    static func file(_ header: String, data: [UInt8], pad: Int? = nil) -> Data {
        var json = Array(header.utf8)
        if let pad { json += [UInt8](repeating: 0x20, count: pad - json.count) }
        var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        bytes += json + data
        return Data(bytes)
    }

    @Test func roundTripKeepsEveryTensorAndTheMetadata() throws {
        var file = SafeTensorsFile(metadata: ["arch": "resnet18", "quote\"and\\slash": "line\nbreak ü"])
        file.tensors["a.weight"] = SafeTensor([1, -2.5, .infinity, 0x1p-149], shape: [2, 2])
        file.tensors["b"] = SafeTensor(scalar: -7)
        file.tensors["empty"] = SafeTensor([], shape: [0, 3])
        let data = file.encoded()
        let headerLength = data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(headerLength % 8 == 0)
        let read = try SafeTensorsFile(data: data)
        #expect(read == file)
        #expect(try read.tensors["b"]!.int64s() == [-7])
        #expect(read.tensors["b"]!.shape == [])
        // The 8-byte integer comes first in the data (larger elements first, as the reference writer orders them).
        let header = String(decoding: data[8..<(8 + Int(headerLength))], as: UTF8.self)
        #expect(header.contains("\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}"))
    }

    @Test func readsTheHalfPrecisionTypesAndDoubles() throws {
        // F16: 1, -2, 65504, 2⁻²⁴ (smallest subnormal), -0, inf; BF16: 1, -3; F64: 0.1.
        let half: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00]
        let brain: [UInt16] = [0x3F80, 0xC040]
        var bytes: [UInt8] = []
        for value in half + brain { bytes += withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        bytes += withUnsafeBytes(of: (0.1).bitPattern.littleEndian) { Array($0) }
        let data = Self.file(#"{"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},"#
            + #""b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"#
            + #""d":{"dtype":"F64","shape":[1],"data_offsets":[16,24]}}"#, data: bytes)
        let file = try SafeTensorsFile(data: data)
        let h = try file.tensors["h"]!.floats()
        #expect(h[..<4] == [1, -2, 65504, 0x1p-24])
        #expect(h[4] == 0 && h[4].sign == .minus && h[5] == .infinity)
        #expect(try file.tensors["b"]!.floats() == [1, -3])
        #expect(try file.tensors["d"]!.floats() == [0.1])
        #expect(throws: BackboneError.self) { try file.tensors["h"]!.int64s() }
    }

    @Test func readsAFileWrittenByTheReferenceImplementation() throws {
        // Written by safetensors.torch.save_file (padded header, F32 data, metadata {"format": "pt"}).
        let file = try Fixtures.safetensors("tiny_basic")
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors["conv1.weight"]?.shape == [8, 3, 7, 7])
        #expect(file.tensors["bn1.num_batches_tracked"]?.dtype == .int64)
    }

    @Test(arguments: [
        ("short", Data([1, 2, 3])),
        ("header past the end", Data([100, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D])),
        ("not JSON", SafeTensorsTests.file("{nope", data: [])),
        ("not an object", SafeTensorsTests.file("[1]", data: [])),
        ("unknown dtype", SafeTensorsTests.file(#"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#,
                                                data: [UInt8](repeating: 0, count: 8))),
        ("size and shape disagree", SafeTensorsTests.file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                                                          data: [UInt8](repeating: 0, count: 8))),
        ("offsets past the data", SafeTensorsTests.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                                                        data: [UInt8](repeating: 0, count: 8))),
        ("gap", SafeTensorsTests.file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                                      data: [UInt8](repeating: 0, count: 8))),
        ("overlap", SafeTensorsTests.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
            + #""b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [UInt8](repeating: 0, count: 8))),
        ("trailing bytes", SafeTensorsTests.file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                                                 data: [UInt8](repeating: 0, count: 8))),
        ("negative dimension", SafeTensorsTests.file(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#,
                                                     data: [])),
        ("boolean dimension", SafeTensorsTests.file(#"{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#,
                                                    data: [0, 0, 0, 0])),
        ("metadata not strings", SafeTensorsTests.file(#"{"__metadata__":{"a":1}}"#, data: [])),
    ])
    func malformedFilesAreRefused(_ label: String, _ data: Data) {
        #expect(throws: BackboneError.self, "\(label)") { try SafeTensorsFile(data: data, source: label) }
    }

    @Test func writesAtomicallyAndReadsBack() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appending(path: "model.safetensors")
        let model = try ResNet(Fixtures.tinyBasic, classes: 4, seed: 5, device: CPUDevice.fastShared)
        try model.save(to: url, metadata: ["note": "test"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
        let copy = try ResNet(Fixtures.tinyBasic, classes: 4, seed: 6, device: CPUDevice.reference)
        model.bn1.batchesTracked.value = 42
        try model.save(to: url)
        try copy.load(from: url)
        #expect(copy.bn1.batchesTracked.value == 42)
        for (a, b) in zip(model.state, copy.state) {
            if case let (.parameter(p), .parameter(q)) = (a, b) { #expect(try p.value.floats() == q.value.floats()) }
            if case let (.buffer(p), .buffer(q)) = (a, b) { #expect(try p.value.floats() == q.value.floats()) }
        }
        #expect(try SafeTensorsFile.read(url).metadata["arch"] == "tiny_basic")
    }
}

@Suite struct CheckpointCompatibilityTests {
    @Test func aWrongShapeIsRefusedWithItsNameAndBothShapes() throws {
        let model = try ResNet(.resnet18, classes: 10, seed: 1, device: CPUDevice.fastShared)
        var tensors = try model.stateTensors()
        tensors["conv1.weight"] = SafeTensor([Float](repeating: 0, count: 64 * 3 * 49), shape: [64, 3, 7, 7])
        tensors["layer2.0.conv1.weight"] = SafeTensor([Float](repeating: 0, count: 64 * 64 * 9), shape: [64, 64, 3, 3])
        tensors["fc.weight"] = SafeTensor([Float](repeating: 0, count: 1000 * 512), shape: [1000, 512])
        tensors["fc.bias"] = SafeTensor([Float](repeating: 0, count: 1000), shape: [1000])
        let before = try model.conv1.weight.value.floats()
        do {
            try model.loadState(SafeTensorsFile(tensors: tensors), source: "imagenet.safetensors",
                                architecture: model.description)
            Issue.record("a checkpoint with wrong shapes was accepted")
        } catch let BackboneError.checkpointMismatch(mismatch) {
            #expect(mismatch.wrongShapes.map(\.name) == ["layer2.0.conv1.weight", "fc.weight", "fc.bias"])
            let text = mismatch.description
            #expect(text.contains("layer2.0.conv1.weight: the checkpoint has shape [64, 64, 3, 3], the architecture "
                + "expects [128, 64, 3, 3]"))
            #expect(text.contains(
                "fc.weight: the checkpoint has shape [1000, 512], the architecture expects [10, 512]"))
        }
        #expect(try model.conv1.weight.value.floats() == before, "nothing is loaded when the check fails")
        // Ignoring the classifier leaves only the convolution at fault.
        do {
            try model.loadState(SafeTensorsFile(tensors: tensors), source: "x", architecture: "resnet18",
                                options: StateLoadOptions(ignoreClassifier: true))
            Issue.record("a checkpoint with a wrong shape was accepted")
        } catch let BackboneError.checkpointMismatch(mismatch) {
            #expect(mismatch.wrongShapes.map(\.name) == ["layer2.0.conv1.weight"])
        }
    }

    @Test func missingUnexpectedAndMistypedTensorsAreNamed() throws {
        let model = try ResNet(Fixtures.tinyBasic, classes: 10, initialization: .none, device: CPUDevice.fastShared)
        var tensors = try model.stateTensors()
        tensors["layer1.0.bn1.running_mean"] = nil
        tensors["layer9.0.conv1.weight"] = SafeTensor([1], shape: [1])
        tensors["bn1.num_batches_tracked"] = SafeTensor([3], shape: [])
        tensors["optimizer.fc.weight.momentum"] = SafeTensor([1], shape: [1])
        #expect {
            try model.loadState(SafeTensorsFile(tensors: tensors), source: "f", architecture: "tiny")
        } throws: { error in
            guard case let BackboneError.checkpointMismatch(mismatch) = error else { return false }
            return mismatch.missing == ["layer1.0.bn1.running_mean"] && mismatch.unexpected == ["layer9.0.conv1.weight"]
                && mismatch.wrongTypes.map(\.name) == ["bn1.num_batches_tracked"]
                && "\(error)".contains("missing: layer1.0.bn1.running_mean")
        }
    }

    @Test func torchvisionWeightsInHalfPrecisionLoad() throws {
        let model = try ResNet(Fixtures.tinyBasic, classes: 10, initialization: .none, device: CPUDevice.fastShared)
        let source = try Fixtures.safetensors("tiny_basic")
        var half = source
        for (name, tensor) in source.tensors where tensor.dtype == .float32 {
            // Round to bfloat16 by truncation: the loaded values must be exactly the truncated ones.
            var data = Data()
            for value in try tensor.floats() {
                withUnsafeBytes(of: UInt16(value.bitPattern >> 16).littleEndian) { data.append(contentsOf: $0) }
            }
            half.tensors[name] = SafeTensor(dtype: .bfloat16, shape: tensor.shape, data: data)
        }
        try model.loadState(half, source: "bf16", architecture: "tiny")
        let expected = try source.tensors["conv1.weight"]!.floats()
            .map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }
        #expect(try model.conv1.weight.value.floats() == expected)
    }

    @Test func aLoadedModelInfersItsArchitecture() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appending(path: "m.safetensors")
        let model = try ResNet(.resnet18, classes: 5, seed: 1, device: CPUDevice.fastShared)
        try model.save(to: url)
        let loaded = try ResNet.loaded(from: url, device: CPUDevice.fastShared)
        #expect(loaded.architecture == .resnet18 && loaded.classCount == 5)
        #expect(try loaded.fc.bias.value.floats() == model.fc.bias.value.floats())
    }

    /// Fuzz finding (issue 7 item 23): a `classes` entry of 2³¹ − 1 or 2⁵³ sized the classifier before any tensor
    /// was read and aborted on a 4 TB allocation. The count must match `fc.weight` and stay in range.
    @Test(arguments: ["2147483647", "9007199254740992", "0", "-3", "6", "five"])
    func aClassCountTheTensorsDoNotBearOutIsRefusedByName(_ classes: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appending(path: "m.safetensors")
        let model = try ResNet(.resnet18, classes: 5, seed: 1, device: CPUDevice.fastShared)
        var file = try model.checkpoint()
        file.metadata[ResNet.MetadataKey.classes] = classes
        try file.write(to: url)
        #expect {
            try ResNet.loaded(from: url, device: CPUDevice.fastShared)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("'classes' = '\(classes)'")
        }
    }
}
