import Backbones
import Compute
import Foundation
import Testing

/// The five named architectures against torchvision's `state_dict()` (names, order, shapes, dtypes), from
/// `Fixtures/architectures.json`.
@Suite struct ArchitectureTests {
    static func torchvisionState() throws -> [String: [[AnyCodable]]] {
        let data = try Data(contentsOf: try Fixtures.url("architectures.json"))
        return try JSONDecoder().decode([String: [[AnyCodable]]].self, from: data)
    }

    @Test(arguments: ResNetArchitecture.named.map(\.name))
    func stateMatchesTorchvision(_ name: String) throws {
        let expected = try #require(try Self.torchvisionState()[name])
        let model = try ResNet(try ResNetArchitecture.named(name), classes: 1000, initialization: .none,
                               device: CPUDevice.fastShared)
        let state = model.state
        #expect(state.count == expected.count, "\(name): \(state.count) entries, torchvision has \(expected.count)")
        for (entry, reference) in zip(state, expected) {
            let (torchName, shape, dtype) = (reference[0].text, reference[1].integers, reference[2].text)
            #expect(entry.name == torchName)
            #expect(entry.shape == shape, "\(entry.name)")
            let isCounter: Bool = if case .counter = entry { true } else { false }
            #expect((dtype == "int64") == isCounter, "\(entry.name) is \(dtype) in torchvision")
        }
    }

    @Test func unknownArchitectureNamesTheKnownOnes() {
        #expect(throws: BackboneError.self) { try ResNetArchitecture.named("resnet19") }
        do {
            _ = try ResNetArchitecture.named("resnet19")
        } catch {
            #expect("\(error)".contains("wide_resnet101_2"))
        }
    }

    @Test func inferenceFindsTheArchitectureOfATorchvisionFile() throws {
        let model = try ResNet(.resnet34, classes: 7, initialization: .none, device: CPUDevice.fastShared)
        let file = SafeTensorsFile(tensors: try model.stateTensors())
        let (architecture, classes) = try ResNetArchitecture.inferred(from: file, source: "test")
        #expect(architecture == .resnet34)
        #expect(classes == 7)
        let tiny = try ResNet(Fixtures.tinyBasic, classes: 3, device: CPUDevice.fastShared)
        #expect(throws: BackboneError.self) {
            try ResNetArchitecture.inferred(from: SafeTensorsFile(tensors: try tiny.stateTensors()), source: "tiny")
        }
    }

    @Test func initialisationFollowsTorchvision() throws {
        let model = try ResNet(.resnet18, classes: 10, seed: 3, device: CPUDevice.fastShared)
        // Kaiming normal, fan-out: std √(2 / (O·KH·KW)).
        for conv in [model.conv1.weight, (model.stages[2][0] as! BasicBlock).conv2.weight] {
            let values = try conv.value.floats()
            let fanOut = Double(conv.shape[0] * conv.shape[2] * conv.shape[3])
            let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
            let std = (values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count))
                .squareRoot()
            #expect(abs(mean) < 0.05 * (2 / fanOut).squareRoot(), "\(conv.name) mean \(mean)")
            #expect(abs(std / (2 / fanOut).squareRoot() - 1) < 0.03, "\(conv.name) std \(std)")
        }
        #expect(try model.bn1.weight.value.floats().allSatisfy { $0 == 1 })
        #expect(try model.bn1.bias.value.floats().allSatisfy { $0 == 0 })
        #expect(try model.bn1.runningVariance.value.floats().allSatisfy { $0 == 1 })
        let bound = 1 / Float(512).squareRoot()
        let fc = try model.fc.weight.value.floats() + model.fc.bias.value.floats()
        #expect(fc.allSatisfy { abs($0) <= bound })
        #expect(fc.max()! > 0.9 * bound && fc.min()! < -0.9 * bound)
        // Seeded: the same seed gives the same weights on another device, another seed others.
        let again = try ResNet(.resnet18, classes: 10, seed: 3, device: CPUDevice.reference)
        #expect(try again.conv1.weight.value.floats() == model.conv1.weight.value.floats())
        let other = try ResNet(.resnet18, classes: 10, seed: 4, device: CPUDevice.fastShared)
        #expect(try other.conv1.weight.value.floats() != model.conv1.weight.value.floats())
    }
}

/// A JSON scalar or list, for the mixed rows of `architectures.json`.
struct AnyCodable: Decodable {
    var text = ""
    var integers: [Int] = []

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else {
            integers = try container.decode([Int].self)
        }
    }
}
