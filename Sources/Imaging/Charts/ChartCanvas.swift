/// An RGB drawing surface for charts: filled rectangles, thick solid or dashed lines, markers and bitmap text.
/// Coordinates are pixels with the origin at the top left; drawing outside the canvas is clipped.
struct ChartCanvas {
    typealias Colour = (red: UInt8, green: UInt8, blue: UInt8)

    let width: Int
    let height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: Colour = (255, 255, 255)) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    var image: ByteImage { ByteImage(validatedWidth: width, height: height, channels: 3, pixels: pixels) }

    /// The colour at a pixel, for tests.
    func colour(x: Int, y: Int) -> Colour {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    mutating func set(_ x: Int, _ y: Int, _ colour: Colour) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = colour.red
        pixels[i + 1] = colour.green
        pixels[i + 2] = colour.blue
    }

    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ colour: Colour) {
        let left = max(0, x), right = min(width, x + w), top = max(0, y), bottom = min(height, y + h)
        guard left < right, top < bottom else { return }
        for row in top..<bottom {
            for column in left..<right { set(column, row, colour) }
        }
    }

    /// A line `thickness` pixels wide from (x0, y0) to (x1, y1). With `dash` = (on, off) lengths in pixels, only the
    /// "on" stretches are drawn, measured along the line from its start.
    mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ colour: Colour, thickness: Int = 1,
                       dash: (on: Double, off: Double)? = nil) {
        let length = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot()
        let steps = max(1, Int(length.rounded(.up)) * 2)
        let radius = Double(thickness - 1) / 2
        for step in 0...steps {
            let t = Double(step) / Double(steps)
            if let dash, (t * length).truncatingRemainder(dividingBy: dash.on + dash.off) >= dash.on { continue }
            disc(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, radius: radius, colour)
        }
    }

    /// A filled disc (radius 0 is one pixel).
    mutating func disc(_ cx: Double, _ cy: Double, radius: Double, _ colour: Colour) {
        let reach = Int(radius.rounded(.up))
        let x = Int(cx.rounded()), y = Int(cy.rounded())
        for dy in -reach...reach {
            for dx in -reach...reach where Double(dx * dx + dy * dy) <= radius * radius + 0.5 {
                set(x + dx, y + dy, colour)
            }
        }
    }

    /// `text` in the 5×7 font with its top-left corner at (x, y), each font pixel `scale`×`scale` pixels. With
    /// `vertical`, the text runs bottom to top (for a y-axis label) with its bottom-left corner at (x, y).
    mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, _ colour: Colour = (0, 0, 0),
                       vertical: Bool = false) {
        for (index, character) in text.enumerated() {
            for (row, bits) in BitmapFont.rows(character).enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(column)) != 0 {
                    let along = (index * BitmapFont.advance + column) * scale
                    for sy in 0..<scale {
                        for sx in 0..<scale {
                            if vertical {
                                set(x + row * scale + sy, y - along - sx, colour)
                            } else {
                                set(x + along + sx, y + row * scale + sy, colour)
                            }
                        }
                    }
                }
            }
        }
    }
}
