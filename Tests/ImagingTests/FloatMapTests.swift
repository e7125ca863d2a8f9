import Foundation
import Imaging
import Testing

@Suite struct FloatMapTests {
    static func map(_ width: Int, _ height: Int, _ values: [Float]) throws -> FloatMap {
        try FloatMap(width: width, height: height, values: values)
    }

    /// `F.interpolate(torch.tensor([[[[0., 1.], [2., 3.]]]]), size=(4, 4), mode="bilinear", align_corners=False)`.
    @Test func bilinearUpsamplingMatchesPyTorch() throws {
        let up = try Self.map(2, 2, [0, 1, 2, 3]).resized(width: 4, height: 4)
        #expect(up.values == [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3])
        // Shrinking samples at (i + 0.5)·2 − 0.5 = 0.5, 2.5: pair averages, no antialiasing.
        let down = try Self.map(4, 1, [0, 4, 8, 16]).resized(width: 2, height: 1)
        #expect(down.values == [2, 12])
        // PatchCore's 28 → 224: output x samples (x + 0.5)/8 − 0.5 of a linear ramp, clamped at both ends.
        let ramp = try Self.map(28, 1, (0..<28).map { Float($0) }).resized(width: 224, height: 1)
        for x in [0, 3, 4, 5, 100, 219, 220, 223] {
            let expected = min(max((Float(x) + 0.5) / 8 - 0.5, 0), 27)
            #expect(abs(ramp[x, 0] - expected) <= 1e-5, "x = \(x)")
        }
        let constant = try Self.map(3, 5, [Float](repeating: 0.7, count: 15)).resized(width: 11, height: 2)
        #expect(constant.values.allSatisfy { abs($0 - 0.7) < 1e-6 })
    }

    @Test func nearestMatchesPyTorch() throws {
        let row = try Self.map(3, 1, [10, 20, 30])
        #expect(try row.resized(width: 7, height: 1, interpolation: .nearest).values == [10, 10, 10, 20, 20, 30, 30])
        #expect(try row.resized(width: 6, height: 1, interpolation: .nearest).values == [10, 10, 20, 20, 30, 30])
        let five = try Self.map(5, 1, [1, 2, 3, 4, 5])
        #expect(try five.resized(width: 2, height: 1, interpolation: .nearest).values == [1, 3])
        let column = try Self.map(1, 3, [1, 2, 3]).resized(width: 2, height: 4, interpolation: .nearest)
        #expect(column.values == [1, 1, 1, 1, 2, 2, 3, 3])
    }

    static func readFloats(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: Fixtures.url(path))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

    /// Against `scipy.ndimage.gaussian_filter` (float32 in and out).
    @Test(arguments: [4.0, 1.5])
    func gaussianMatchesSciPy(sigma: Double) throws {
        let input = try Self.map(23, 17, Self.readFloats("gaussian/input_17x23.f32"))
        let expected = try Self.readFloats("gaussian/sigma\(sigma)_17x23.f32")
        let got = try input.gaussianFiltered(sigma: sigma).values
        let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "sigma \(sigma): max difference \(worst)")
    }

    /// Against a direct 2-D correlation with the same reflected borders, including a map smaller than the radius.
    @Test(arguments: [(23, 17, 4.0), (3, 2, 4.0), (9, 30, 0.8)])
    func gaussianMatchesDirectConvolution(width: Int, height: Int, sigma: Double) throws {
        let values = testBytes(width * height, seed: UInt64(width * 100 + height)).map { Float($0) / 255 }
        let got = try Self.map(width, height, values).gaussianFiltered(sigma: sigma)
        let radius = Int(4 * sigma + 0.5)
        let kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        func reflect(_ i: Int, _ n: Int) -> Int {
            var j = i
            while j < 0 || j >= n { j = j < 0 ? -j - 1 : 2 * n - j - 1 }
            return j
        }
        for y in 0..<height {
            for x in 0..<width {
                var sum = 0.0
                for dy in -radius...radius {
                    for dx in -radius...radius {
                        let v = Double(values[reflect(y + dy, height) * width + reflect(x + dx, width)])
                        sum += v * kernel[dy + radius] * kernel[dx + radius]
                    }
                }
                let expected = sum / (total * total)
                #expect(abs(Double(got[x, y]) - expected) <= 1e-6, "(\(x), \(y))")
            }
        }
    }

    @Test func gaussianEdgeCases() throws {
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        #expect(try Self.map(3, 2, values).gaussianFiltered(sigma: 0).values == values)
        let blurred = try Self.map(3, 2, values).gaussianFiltered(sigma: 100)
        #expect(blurred.values.allSatisfy { abs($0 - 3.5) < 1e-4 })
        #expect(throws: ImagingError.self) { try Self.map(3, 2, values).gaussianFiltered(sigma: -1) }
        #expect(throws: ImagingError.self) { try Self.map(3, 2, [1]) }
    }
}
