import Compute
import Foundation
import Testing
import TestSupport
@testable import Fractals

enum RenderFixtures {
    static func jobs(_ count: Int, seed: UInt64 = 5) throws -> [RenderJob] {
        let sampler = try IFSSampler(minMaps: 2, maxMaps: 5)
        return (0..<count).map { RenderJob(system: sampler.system(index: $0, seed: seed), imageIndex: 100 + $0) }
    }

    static func settings(size: Int, points: Int = 6_000, configure: (inout RenderSettings) -> Void = { _ in })
        -> RenderSettings {
        var settings = RenderSettings()
        settings.size = size
        settings.points = points
        settings.walkers = 24
        configure(&settings)
        return settings
    }
}

@Suite struct RenderTests {
    struct Mode: CustomStringConvertible, Sendable {
        let name: String
        let size: Int
        let configure: @Sendable (inout RenderSettings) -> Void
        var description: String { "\(name) at \(size)²" }
    }

    static let modes: [Mode] = [
        Mode(name: "defaults", size: 37) { _ in },
        Mode(name: "patch and background", size: 64) { $0.patch = true; $0.background = true },
        Mode(name: "no jitter, always blurred", size: 17) {
            $0.parameterJitter = false; $0.viewJitter = false; $0.blurProbability = 1
        },
        Mode(name: "strict fill", size: 48) { $0.minFill = 0.2; $0.maxAttempts = 3 },
    ]

    @Test(arguments: modes)
    func everyDeviceRendersTheSameBytes(_ mode: Mode) throws {
        let settings = RenderFixtures.settings(size: mode.size, configure: mode.configure)
        let jobs = try RenderFixtures.jobs(7)
        let reference = try FractalRenderer(device: CPUDevice.reference, settings: settings, seed: 77).render(jobs)
        for device in try TestDevices.underTest {
            let batch = try FractalRenderer(device: device, settings: settings, seed: 77).render(jobs)
            #expect(batch.outcomes == reference.outcomes, "\(mode) on \(device.info.identifier)")
            #expect(batch.pixels.array == reference.pixels.array, "\(mode): images differ on \(device.info.identifier)")
        }
    }

    @Test func batchingDoesNotChangeImages() throws {
        let settings = RenderFixtures.settings(size: 32)
        let jobs = try RenderFixtures.jobs(6)
        let renderer = try FractalRenderer(device: CPUDevice.fastShared, settings: settings, seed: 3)
        let together = try renderer.render(jobs)
        for (i, job) in jobs.enumerated() {
            let alone = try renderer.render([job])
            #expect(alone.pixels.array[...] == together.pixels.array[(i * together.imageBytes)..<((i + 1) * together.imageBytes)])
        }
    }

    @Test func rendersAreNeverEmptyAndMostMeetTheMinimumFill() throws {
        var settings = RenderFixtures.settings(size: 64, points: 20_000)
        settings.patch = true
        let renderer = try FractalRenderer(device: CPUDevice.fastShared, settings: settings, seed: 1)
        let batch = try renderer.render(try RenderFixtures.jobs(60, seed: 2))
        #expect(batch.outcomes.allSatisfy { $0.fill > 0 })
        #expect(batch.outcomes.filter(\.meetsMinimumFill).count >= 57)
        for i in 0..<batch.count {
            batch.withImage(i) { pixels in #expect(pixels.contains { $0 != 0 }, "image \(i) is black") }
        }
    }

    @Test func aLowFillRenderIsRedrawn() throws {
        // A system collapsing onto a line segment fills few pixels of a 64² image.
        let line = try IFSystem(maps: [AffineMap(a: 0.5, b: 0, c: 0, d: 0.001, e: 0, f: 0),
                                       AffineMap(a: 0.5, b: 0, c: 0, d: 0.001, e: 0.5, f: 0)])
        var settings = RenderFixtures.settings(size: 64)
        settings.minFill = 0.05
        settings.maxAttempts = 2
        let outcome = try FractalRenderer(device: CPUDevice.fastShared, settings: settings, seed: 4)
            .render([RenderJob(system: line, imageIndex: 0)]).outcomes[0]
        #expect(outcome.attempts == 3)
        #expect(!outcome.meetsMinimumFill)
    }

    @Test func seedsChangeImages() throws {
        let settings = RenderFixtures.settings(size: 32)
        let jobs = try RenderFixtures.jobs(2)
        let a = try FractalRenderer(device: CPUDevice.fastShared, settings: settings, seed: 1).render(jobs).pixels.array
        let b = try FractalRenderer(device: CPUDevice.fastShared, settings: settings, seed: 2).render(jobs).pixels.array
        #expect(a != b)
    }

    @Test func hueOffsetsCoverTheWholeColourCircle() throws {
        // The reference maps hue bytes 180–255 onto 0–75 (OpenCV's 8-bit hue range); here every byte is a distinct
        // hue, so blue-magenta hues occur as often as red-yellow ones.
        var blueish = 0
        for hue in Int32(0)..<256 {
            let (r, _, b) = ChaosGameMath.hsvToRGB(hue: hue, saturation: 255, value: 255)
            if b > r { blueish += 1 }
        }
        #expect(blueish > 100)
    }

    @Test func settingsAreValidated() {
        var settings = RenderSettings()
        settings.size = 4
        #expect(throws: IFSError.self) { try FractalRenderer(device: CPUDevice.fastShared, settings: settings, seed: 0) }
        settings = RenderSettings()
        settings.minFill = 1.5
        #expect(throws: IFSError.self) { try settings.validate() }
    }
}
