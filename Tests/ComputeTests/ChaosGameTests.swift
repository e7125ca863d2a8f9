import Compute
import Foundation
import Testing
import TestSupport

@Suite struct ChaosGameTests {
    struct Case: CustomStringConvertible, Sendable {
        var batch: Int, walkers: Int, points: Int, warmup: Int, size: Int
        var description: String {
            "chaosGame(b=\(batch),w=\(walkers),p=\(points),warmup=\(warmup),s=\(size))"
        }
    }

    static let cases: [Case] = [
        Case(batch: 1, walkers: 1, points: 1, warmup: 0, size: 1),
        Case(batch: 1, walkers: 8, points: 97, warmup: 3, size: 17),
        Case(batch: 3, walkers: 13, points: 1_000, warmup: 20, size: 31),
        Case(batch: 2, walkers: 64, points: 5_003, warmup: 20, size: 64),
        Case(batch: 5, walkers: 7, points: 2, warmup: 1, size: 5),
    ]

    /// Runs the whole chain on `device` and returns every intermediate result as host arrays.
    static func render(_ c: Case, on device: any Device, views givenViews: [Int32]? = nil) throws
        -> (points: [Int32], bounds: [Int32], counts: [Int32], statistics: [Int32], rgb: [UInt8], blurred: [UInt8],
            views: [Int32]) {
        var records: [Int32] = []
        for b in 0..<c.batch {
            records += ChaosGameSamples.systemRecord(ChaosGameSamples.systems[b % 3], imageIndex: Int32(b * 7 + 1),
                                                      attempt: Int32(b % 2))
        }
        let systems = try Tensor(records, shape: [c.batch, ChaosGameLayout.systemWords], on: device)
        let (points, bounds) = try device.chaosGameWalk(systems: systems, seed: 0x1234_5678_9abc, walkers: c.walkers,
                                                        pointsPerImage: c.points, warmup: c.warmup)
        let boundValues = try bounds.int32s()
        let viewValues = givenViews ?? ChaosGameSamples.viewRecords(
            bounds: boundValues, batch: c.batch, walkers: c.walkers, size: c.size,
            flips: [0, 1, 2, 4, 7, 5], masks: [0, 0b101_010_101, 0b111_111_111, 0b000_010_000])
        let views = try Tensor(viewValues, shape: [c.batch, ChaosGameLayout.viewWords], on: device)
        let counts = try device.chaosGameRasterize(points: points, views: views, size: c.size)
        let statistics = try device.chaosGameStatistics(counts: counts)
        let colors = try Tensor(ChaosGameSamples.colorRecords(batch: c.batch),
                                shape: [c.batch, ChaosGameLayout.colorWords], on: device)
        let rgb = try device.chaosGameColorize(counts: counts, statistics: statistics, colors: colors)
        let blurred = try device.chaosGameBlur(images: rgb, colors: colors)
        return (try points.int32s(), boundValues, try counts.int32s(), try statistics.int32s(), try rgb.bytes(),
                try blurred.bytes(), viewValues)
    }

    @Test(arguments: cases)
    func everyDeviceMatchesTheReferenceExactly(_ c: Case) throws {
        let expected = try Self.render(c, on: TestDevices.reference)
        for device in try TestDevices.underTest {
            let got = try Self.render(c, on: device, views: expected.views)
            let name = "\(c) on \(device.info.identifier)"
            expectIdentical(got.points, expected.points, "points: \(name)")
            expectIdentical(got.bounds, expected.bounds, "bounds: \(name)")
            expectIdentical(got.counts, expected.counts, "counts: \(name)")
            expectIdentical(got.statistics, expected.statistics, "statistics: \(name)")
            expectIdentical(got.rgb, expected.rgb, "colours: \(name)")
            expectIdentical(got.blurred, expected.blurred, "blur: \(name)")
        }
    }

    @Test func countsAccountForEveryPointInsideAFullView() throws {
        let c = Case(batch: 2, walkers: 16, points: 4_000, warmup: 10, size: 48)
        let result = try Self.render(c, on: TestDevices.reference)
        // Image 0 has no patch mask and a view covering its bounds: every point lands in a pixel.
        let plane = c.size * c.size
        #expect(result.counts[0..<plane].reduce(0, +) == Int32(c.points))
        #expect(result.statistics[1] == Int32(result.counts[0..<plane].filter { $0 != 0 }.count))
        #expect(result.statistics[0] == result.counts[0..<plane].max())
    }

    @Test func walkersStartOnTheAttractorAndStayInsideIt() throws {
        // The Sierpinski triangle lies in [0, 1]²: every recorded point must too (up to fixed-point rounding).
        let c = Case(batch: 1, walkers: 8, points: 2_000, warmup: 0, size: 8)
        let points = try Self.render(c, on: TestDevices.reference).points
        let limit = Int32(1 << 20) + 8
        #expect(points.allSatisfy { $0 >= -8 && $0 <= limit })
    }

    @Test func seedAndAttemptChangeTheWalk() throws {
        let device = TestDevices.reference
        let record = ChaosGameSamples.systemRecord(ChaosGameSamples.systems[1], imageIndex: 3, attempt: 0)
        var retry = record
        retry[ChaosGameLayout.attempt] = 1
        func walk(_ values: [Int32], seed: UInt64) throws -> [Int32] {
            let systems = try Tensor(values, shape: [1, ChaosGameLayout.systemWords], on: device)
            return try device.chaosGameWalk(systems: systems, seed: seed, walkers: 4, pointsPerImage: 64,
                                            warmup: 5).points.int32s()
        }
        let base = try walk(record, seed: 1)
        #expect(try walk(record, seed: 1) == base)
        #expect(try walk(record, seed: 2) != base)
        #expect(try walk(retry, seed: 1) != base)
    }

    @Test func hsvConversionHitsThePrimaries() {
        #expect(ChaosGameMath.hsvToRGB(hue: 0, saturation: 255, value: 255) == (255, 0, 0))
        #expect(ChaosGameMath.hsvToRGB(hue: 85, saturation: 255, value: 255).1 >= 250)
        #expect(ChaosGameMath.hsvToRGB(hue: 171, saturation: 255, value: 255).2 >= 250)
        #expect(ChaosGameMath.hsvToRGB(hue: 200, saturation: 0, value: 77) == (77, 77, 77))
    }

    @Test func badShapesAreRejected() throws {
        for device in try [TestDevices.reference as any Device] + TestDevices.underTest {
            let wrong = try Tensor(zeros: [2, 63], dtype: .int32, on: device)
            #expect(throws: ComputeError.self) {
                try device.chaosGameWalk(systems: wrong, seed: 0, walkers: 1, pointsPerImage: 1, warmup: 0)
            }
            let floats = try Tensor(zeros: [2, 64], on: device)
            #expect(throws: ComputeError.self) {
                try device.chaosGameWalk(systems: floats, seed: 0, walkers: 1, pointsPerImage: 1, warmup: 0)
            }
            let systems = try Tensor(zeros: [1, 64], dtype: .int32, on: device)
            #expect(throws: ComputeError.self) {
                try device.chaosGameWalk(systems: systems, seed: 0, walkers: 0, pointsPerImage: 1, warmup: 0)
            }
        }
    }
}
