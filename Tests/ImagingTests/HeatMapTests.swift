import Foundation
import Imaging
import Testing

@Suite struct HeatMapTests {
    static func colour(_ index: Int) -> [UInt8] { Array(HeatMap.jet[(3 * index)..<(3 * index + 3)]) }

    /// Entries checked against `cv2.applyColorMap(..., cv2.COLORMAP_JET)` (OpenCV 5.0.0, BGR reversed).
    @Test func jetMatchesOpenCV() {
        #expect(HeatMap.jet.count == 768)
        #expect(Self.colour(0) == [0, 0, 128] && Self.colour(32) == [0, 0, 255] && Self.colour(33) == [0, 4, 255])
        #expect(Self.colour(96) == [2, 255, 254] && Self.colour(127) == [126, 255, 130])
        #expect(Self.colour(128) == [130, 255, 126] && Self.colour(159) == [254, 255, 1])
        #expect(Self.colour(160) == [255, 252, 0] && Self.colour(224) == [252, 0, 0])
        #expect(Self.colour(255) == [128, 0, 0])
    }

    @Test func coloursAtZeroHalfAndOne() throws {
        let map = try FloatMap(width: 3, height: 1, values: [0, 0.5, 1])
        let colours = HeatMap.colorized(map, minimum: 0, maximum: 1)
        // 0.5 · 255 = 127.5 → entry 127 (truncated, as anomalib's astype(np.uint8)).
        #expect(colours.pixels == Self.colour(0) + Self.colour(127) + Self.colour(255))
        // Values outside [min, max] saturate; a flat range gives entry 0.
        let outside = try FloatMap(width: 3, height: 1, values: [-5, 20, .nan])
        #expect(HeatMap.colorized(outside, minimum: 2, maximum: 4).pixels
                == Self.colour(0) + Self.colour(255) + Self.colour(0))
        #expect(HeatMap.colorized(map, minimum: 1, maximum: 1).pixels
                == Self.colour(0) + Self.colour(0) + Self.colour(0))

        let gray = try ByteImage(width: 3, height: 1, channels: 1, pixels: [100, 100, 100])
        let blended = try HeatMap.overlay(map, on: gray, minimum: 0, maximum: 1)
        // round(0.5 · colour + 0.5 · 100), halves to even.
        #expect(blended.pixels == [50, 50, 114, 113, 178, 115, 114, 50, 50])
        #expect(try HeatMap.overlay(map, on: gray, minimum: 0, maximum: 1, alpha: 1).pixels == colours.pixels)
        #expect(throws: ImagingError.self) {
            try HeatMap.overlay(map, on: ByteImage(width: 2, height: 1, channels: 3), minimum: 0, maximum: 1)
        }
    }

    @Test func panelShowsImageOverlayAndMaskOutline() throws {
        let folder = try ScratchFolder()
        defer { folder.cleanUp() }
        let image = try ByteImage(width: 5, height: 4, channels: 3, value: 40)
        let map = try FloatMap(width: 5, height: 4, values: (0..<20).map { Float($0) })
        var mask = try ByteImage(width: 5, height: 4, channels: 1)
        for (x, y) in [(1, 1), (2, 1), (3, 1), (1, 2), (2, 2), (3, 2)] { mask.pixels[y * 5 + x] = 255 }
        let panel = try HeatMap.panel(image: image, map: map, minimum: 0, maximum: 19, mask: mask, gap: 2)
        #expect(panel.width == 3 * 5 + 2 * 2 && panel.height == 4 && panel.channels == 3)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] {
            let i = 3 * (y * panel.width + x)
            return Array(panel.pixels[i..<(i + 3)])
        }
        #expect(pixel(0, 0) == [40, 40, 40] && pixel(5, 0) == [255, 255, 255])
        let overlay = try HeatMap.overlay(map, on: image, minimum: 0, maximum: 19)
        #expect(pixel(7 + 4, 3) == Array(overlay.pixels[(3 * 19)..<(3 * 19 + 3)]))
        // Every mask pixel of this 3×2 block touches the outside, so all six are outline; the rest is the image.
        #expect(pixel(14 + 2, 1) == [0, 255, 0] && pixel(14 + 1, 2) == [0, 255, 0] && pixel(14, 0) == [40, 40, 40])
        try PNG.write(panel, to: folder.file("panel.png"))
        #expect(try PNG.read(folder.file("panel.png")) == panel)
        #expect(try HeatMap.panel(image: image, map: map, minimum: 0, maximum: 19).width == 2 * 5 + 4)
    }
}
