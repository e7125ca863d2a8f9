import Foundation

/// Anomaly-map visualisation: OpenCV's JET colour map, alpha blending over the input image, and a side-by-side
/// panel for reports (as anomalib's `superimpose_anomaly_map` draws them).
public enum HeatMap {
    /// OpenCV `COLORMAP_JET` as RGB triples for indices 0...255 (the bytes of
    /// `cv2.applyColorMap(np.arange(256, dtype=np.uint8), cv2.COLORMAP_JET)`, BGR reordered; OpenCV 5.0.0).
    public static let jet: [UInt8] = [
        0, 0, 128, 0, 0, 132, 0, 0, 136, 0, 0, 140, 0, 0, 144, 0, 0, 148, 0, 0, 152,
        0, 0, 156, 0, 0, 160, 0, 0, 164, 0, 0, 168, 0, 0, 172, 0, 0, 176, 0, 0, 180,
        0, 0, 184, 0, 0, 188, 0, 0, 192, 0, 0, 196, 0, 0, 200, 0, 0, 204, 0, 0, 208,
        0, 0, 212, 0, 0, 216, 0, 0, 220, 0, 0, 224, 0, 0, 228, 0, 0, 232, 0, 0, 236,
        0, 0, 240, 0, 0, 244, 0, 0, 248, 0, 0, 252, 0, 0, 255, 0, 4, 255, 0, 8, 255,
        0, 12, 255, 0, 16, 255, 0, 20, 255, 0, 24, 255, 0, 28, 255, 0, 32, 255, 0, 36, 255,
        0, 40, 255, 0, 44, 255, 0, 48, 255, 0, 52, 255, 0, 56, 255, 0, 60, 255, 0, 64, 255,
        0, 68, 255, 0, 72, 255, 0, 76, 255, 0, 80, 255, 0, 84, 255, 0, 88, 255, 0, 92, 255,
        0, 96, 255, 0, 100, 255, 0, 104, 255, 0, 108, 255, 0, 112, 255, 0, 116, 255, 0, 120, 255,
        0, 124, 255, 0, 128, 255, 0, 132, 255, 0, 136, 255, 0, 140, 255, 0, 144, 255, 0, 148, 255,
        0, 152, 255, 0, 156, 255, 0, 160, 255, 0, 164, 255, 0, 168, 255, 0, 172, 255, 0, 176, 255,
        0, 180, 255, 0, 184, 255, 0, 188, 255, 0, 192, 255, 0, 196, 255, 0, 200, 255, 0, 204, 255,
        0, 208, 255, 0, 212, 255, 0, 216, 255, 0, 220, 255, 0, 224, 255, 0, 228, 255, 0, 232, 255,
        0, 236, 255, 0, 240, 255, 0, 244, 255, 0, 248, 255, 0, 252, 255, 2, 255, 254, 6, 255, 250,
        10, 255, 246, 14, 255, 242, 18, 255, 238, 22, 255, 234, 26, 255, 230, 30, 255, 226, 34, 255, 222,
        38, 255, 218, 42, 255, 214, 46, 255, 210, 50, 255, 206, 54, 255, 202, 58, 255, 198, 62, 255, 194,
        66, 255, 190, 70, 255, 186, 74, 255, 182, 78, 255, 178, 82, 255, 174, 86, 255, 170, 90, 255, 166,
        94, 255, 162, 98, 255, 158, 102, 255, 154, 106, 255, 150, 110, 255, 146, 114, 255, 142, 118, 255, 138,
        122, 255, 134, 126, 255, 130, 130, 255, 126, 134, 255, 122, 138, 255, 118, 142, 255, 114, 146, 255, 110,
        150, 255, 106, 154, 255, 102, 158, 255, 98, 162, 255, 94, 166, 255, 90, 170, 255, 86, 174, 255, 82,
        178, 255, 78, 182, 255, 74, 186, 255, 70, 190, 255, 66, 194, 255, 62, 198, 255, 58, 202, 255, 54,
        206, 255, 50, 210, 255, 46, 214, 255, 42, 218, 255, 38, 222, 255, 34, 226, 255, 30, 230, 255, 26,
        234, 255, 22, 238, 255, 18, 242, 255, 14, 246, 255, 10, 250, 255, 6, 254, 255, 1, 255, 252, 0,
        255, 248, 0, 255, 244, 0, 255, 240, 0, 255, 236, 0, 255, 232, 0, 255, 228, 0, 255, 224, 0,
        255, 220, 0, 255, 216, 0, 255, 212, 0, 255, 208, 0, 255, 204, 0, 255, 200, 0, 255, 196, 0,
        255, 192, 0, 255, 188, 0, 255, 184, 0, 255, 180, 0, 255, 176, 0, 255, 172, 0, 255, 168, 0,
        255, 164, 0, 255, 160, 0, 255, 156, 0, 255, 152, 0, 255, 148, 0, 255, 144, 0, 255, 140, 0,
        255, 136, 0, 255, 132, 0, 255, 128, 0, 255, 124, 0, 255, 120, 0, 255, 116, 0, 255, 112, 0,
        255, 108, 0, 255, 104, 0, 255, 100, 0, 255, 96, 0, 255, 92, 0, 255, 88, 0, 255, 84, 0,
        255, 80, 0, 255, 76, 0, 255, 72, 0, 255, 68, 0, 255, 64, 0, 255, 60, 0, 255, 56, 0,
        255, 52, 0, 255, 48, 0, 255, 44, 0, 255, 40, 0, 255, 36, 0, 255, 32, 0, 255, 28, 0,
        255, 24, 0, 255, 20, 0, 255, 16, 0, 255, 12, 0, 255, 8, 0, 255, 4, 0, 255, 0, 0,
        252, 0, 0, 248, 0, 0, 244, 0, 0, 240, 0, 0, 236, 0, 0, 232, 0, 0, 228, 0, 0,
        224, 0, 0, 220, 0, 0, 216, 0, 0, 212, 0, 0, 208, 0, 0, 204, 0, 0, 200, 0, 0,
        196, 0, 0, 192, 0, 0, 188, 0, 0, 184, 0, 0, 180, 0, 0, 176, 0, 0, 172, 0, 0,
        168, 0, 0, 164, 0, 0, 160, 0, 0, 156, 0, 0, 152, 0, 0, 148, 0, 0, 144, 0, 0,
        140, 0, 0, 136, 0, 0, 132, 0, 0, 128, 0, 0,
    ]

    /// The map's colours: value `v` takes JET entry `⌊clamp((v − minimum) / (maximum − minimum), 0, 1) · 255⌋`
    /// (anomalib's `(map − min) / ptp · 255` cast to uint8). NaN, or `maximum ≤ minimum`, gives entry 0.
    public static func colorized(_ map: FloatMap, minimum: Float, maximum: Float) -> ByteImage {
        let range = maximum - minimum
        var pixels = [UInt8](repeating: 0, count: map.values.count * 3)
        for (i, value) in map.values.enumerated() {
            let scaled = range > 0 ? (value - minimum) / range * 255 : 0
            let index = scaled.isNaN ? 0 : Int(min(max(scaled, 0), 255))
            pixels[3 * i] = jet[3 * index]
            pixels[3 * i + 1] = jet[3 * index + 1]
            pixels[3 * i + 2] = jet[3 * index + 2]
        }
        return ByteImage(validatedWidth: map.width, height: map.height, channels: 3, pixels: pixels)
    }

    /// The coloured map blended over `image` (converted to RGB): `round(alpha · colour + (1 − alpha) · image)`, as
    /// `cv2.addWeighted`.
    /// - Throws: `invalidArgument` when the map and image sizes differ (resize the map first, e.g. with
    ///   `FloatMap.resized`) or `alpha` is outside 0...1.
    public static func overlay(_ map: FloatMap, on image: ByteImage, minimum: Float, maximum: Float,
                               alpha: Float = 0.5) throws -> ByteImage {
        guard map.width == image.width, map.height == image.height else {
            throw ImagingError(.invalidArgument,
                               "map \(map.width)×\(map.height) over image \(image.width)×\(image.height)")
        }
        guard (0...1).contains(alpha) else { throw ImagingError(.invalidArgument, "alpha \(alpha) is not in 0...1") }
        let colours = colorized(map, minimum: minimum, maximum: maximum)
        var out = try image.converted(toChannels: 3)
        for i in out.pixels.indices {
            let blended = (Float(colours.pixels[i]) * alpha + Float(out.pixels[i]) * (1 - alpha))
                .rounded(.toNearestOrEven)
            out.pixels[i] = UInt8(min(max(blended, 0), 255))
        }
        return out
    }

    /// A report panel, left to right: the image, the overlay, and (when `mask` is given) the image with the
    /// ground-truth mask's outline in `outlineColour`; tiles are separated by `gap` white columns.
    /// - Parameter mask: a gray image of the image's size; non-zero pixels are anomalous. Outline pixels are mask
    ///   pixels with a 4-neighbour outside the mask or on the image border.
    public static func panel(image: ByteImage, map: FloatMap, minimum: Float, maximum: Float, mask: ByteImage? = nil,
                             alpha: Float = 0.5, gap: Int = 4,
                             outlineColour: (UInt8, UInt8, UInt8) = (0, 255, 0)) throws -> ByteImage {
        let rgb = try image.converted(toChannels: 3)
        var tiles = [rgb, try overlay(map, on: rgb, minimum: minimum, maximum: maximum, alpha: alpha)]
        if let mask {
            guard mask.width == image.width, mask.height == image.height, mask.channels == 1 else {
                throw ImagingError(.invalidArgument, "the mask must be a gray image of the image's size")
            }
            tiles.append(outlined(rgb, mask: mask, colour: outlineColour))
        }
        let gap = max(gap, 0), tileWidth = image.width
        let width = tiles.count * tileWidth + (tiles.count - 1) * gap
        var panel = try ByteImage(width: width, height: image.height, channels: 3, value: 255)
        for (t, tile) in tiles.enumerated() {
            let left = t * (tileWidth + gap)
            for y in 0..<image.height {
                let to = (y * width + left) * 3, from = y * tileWidth * 3
                panel.pixels.replaceSubrange(to..<(to + tileWidth * 3),
                                             with: tile.pixels[from..<(from + tileWidth * 3)])
            }
        }
        return panel
    }

    private static func outlined(_ image: ByteImage, mask: ByteImage, colour: (UInt8, UInt8, UInt8)) -> ByteImage {
        var out = image
        let w = mask.width, h = mask.height
        func inside(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < w && y < h && mask.pixels[y * w + x] != 0 }
        for y in 0..<h {
            for x in 0..<w where inside(x, y) {
                if !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1) {
                    out.pixels[3 * (y * w + x)] = colour.0
                    out.pixels[3 * (y * w + x) + 1] = colour.1
                    out.pixels[3 * (y * w + x) + 2] = colour.2
                }
            }
        }
        return out
    }
}
