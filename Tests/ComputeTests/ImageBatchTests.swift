import Compute
import Testing
import TestSupport

@Suite struct ImageBatchTests {
    /// ImageNet's normalisation constants, as torchvision uses them.
    static let mean: [Float] = [0.485, 0.456, 0.406, 0.5], std: [Float] = [0.229, 0.224, 0.225, 0.25]

    static let shapes: [[Int]] = [[1, 1, 1, 1], [2, 13, 11, 3], [3, 5, 7, 4], [1, 3, 2, 1], [2, 33, 65, 3]]

    static func bytes(_ count: Int) -> [UInt8] {
        var stream = PhiloxStream(seed: 51, stream: (5, 1, 0))
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: stream.nextUInt32()) }
    }

    @Test(arguments: shapes)
    func everyDeviceMatchesTheReferenceAndRoundTrips(_ shape: [Int]) throws {
        let channels = shape[3], pixels = Self.bytes(shape.reduce(1, *))
        let mean = Array(Self.mean.prefix(channels)), std = Array(Self.std.prefix(channels))
        func run(_ device: any Device) throws -> (batch: [Float], images: [UInt8]) {
            let batch = try device.imageBatch(try Tensor(pixels, shape: shape, on: device), mean: mean, std: std)
            #expect(batch.shape == [shape[0], channels, shape[1], shape[2]])
            return (try batch.floats(), try device.imageBatchInverse(batch, mean: mean, std: std).bytes())
        }
        let expected = try run(TestDevices.reference)
        // The definition at one pixel: image n, row y, column x, channel c.
        let (n, y, x, c) = (shape[0] - 1, shape[1] / 2, shape[2] - 1, channels - 1)
        let byte = pixels[((n * shape[1] + y) * shape[2] + x) * channels + c]
        #expect(expected.batch[((n * channels + c) * shape[1] + y) * shape[2] + x] == (Float(byte) / 255 - mean[c]) / std[c])
        #expect(expected.images == pixels)
        for device in try TestDevices.underTest {
            let got = try run(device)
            // One division may be rounded differently (OpenCL allows 2.5 ulp).
            expectClose(got.batch, expected.batch, .elementwise(absolute: 1e-6, relative: 1e-6),
                        "\(shape) on \(device.info.identifier)")
            expectIdentical(got.images, pixels, "round trip \(shape) on \(device.info.identifier)")
        }
    }

    @Test func inverseClampsAndRounds() throws {
        let values: [Float] = [-5, 0, 0.4 / 255, 0.6 / 255, 254.6 / 255, 7, .nan, 100.7 / 255]
        for device in try LayerTesting.allDevices {
            let images = try device.imageBatchInverse(try Tensor(values, shape: [1, 1, 2, 4], on: device), mean: [0],
                                                      std: [1])
            #expect(try images.bytes() == [0, 0, 0, 1, 255, 255, 0, 101], "\(device.info.identifier)")
        }
    }

    @Test func badArgumentsGetTheSameErrorOnEveryDevice() throws {
        try LayerTesting.expectSameError("five channels") { device in
            _ = try device.imageBatch(try Tensor(zeros: [1, 2, 2, 5], dtype: .uint8, on: device),
                                      mean: [0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1])
        }
        try LayerTesting.expectSameError("float images") { device in
            _ = try device.imageBatch(try Tensor(zeros: [1, 2, 2, 3], on: device), mean: [0, 0, 0], std: [1, 1, 1])
        }
        try LayerTesting.expectSameError("too few constants") { device in
            _ = try device.imageBatch(try Tensor(zeros: [1, 2, 2, 3], dtype: .uint8, on: device), mean: [0],
                                      std: [1])
        }
        try LayerTesting.expectSameError("zero std") { device in
            _ = try device.imageBatchInverse(try Tensor(zeros: [1, 1, 2, 2], on: device), mean: [0], std: [0])
        }
    }
}
