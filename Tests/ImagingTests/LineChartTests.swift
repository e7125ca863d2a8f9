import Foundation
@testable import Imaging
import Testing

@Suite struct LineChartTests {
    /// Steps are 1, 2 or 5 × 10^k, the smallest at or above the raw step.
    @Test func stepsAreRoundNumbers() {
        #expect(ChartAxis.roundStep(0.013) == 0.02)
        #expect(abs(ChartAxis.roundStep(0.3) - 0.5) < 1e-15)
        #expect(ChartAxis.roundStep(7) == 10 && ChartAxis.roundStep(1) == 1 && ChartAxis.roundStep(150) == 200)
        let axis = ChartAxis(fitting: [0.62, 0.97])
        #expect(axis.low <= 0.62 && axis.high >= 0.97 && axis.step == 0.1)
        #expect(axis.ticks.first == axis.low && abs(axis.ticks.last! - axis.high) < 1e-12)
        #expect(axis.label(0.6) == "0.6" && ChartAxis(fitting: [0, 80]).label(20) == "20")
        let exact = ChartAxis(fitting: [0.7, 1.0], padding: 0)
        #expect(abs(exact.low - 0.7) < 1e-12 && abs(exact.high - 1.0) < 1e-12)
        let flat = ChartAxis(fitting: [3, 3])
        #expect(flat.low < 3 && flat.high > 3)
    }

    static let chart = LineChart(
        title: "AUC against refinement ratio", xLabel: "refinement ratio", yLabel: "image AUROC",
        series: [
            .init(name: "Gaussian", points: [.init(x: 0, y: 0.8, error: 0.04), .init(x: 0.2, y: 0.9), .init(x: 0.4, y: 0.85)]),
            .init(name: "perfect", points: [.init(x: 0, y: 0.95), .init(x: 0.4, y: 0.95)], dashed: true, colour: 0),
        ],
        yRange: 0.7...1.0)

    /// Markers sit where the axes map the data, in the series' colour; a dashed line has gaps; error bars reach
    /// mean ± std; the title is drawn in black.
    @Test func pointsLandWhereTheAxesMapThem() throws {
        let chart = Self.chart
        let image = try chart.render()
        #expect(image.width == 960 && image.height == 600 && image.channels == 3)
        let area = chart.plotArea
        let xAxis = ChartAxis(fitting: [0, 0.2, 0.4], padding: 0), yAxis = ChartAxis(fitting: [0.7, 1.0], padding: 0)
        func pixel(_ x: Double, _ y: Double) -> (Int, Int) {
            (Int((Double(area.x) + xAxis.fraction(x) * Double(area.width)).rounded()),
             Int((Double(area.y + area.height) - yAxis.fraction(y) * Double(area.height)).rounded()))
        }
        func colour(_ point: (Int, Int)) -> [UInt8] {
            let i = (point.1 * image.width + point.0) * 3
            return Array(image.pixels[i..<(i + 3)])
        }
        let blue: [UInt8] = [31, 119, 180]
        #expect(colour(pixel(0.2, 0.9)) == blue)
        #expect(colour(pixel(0.4, 0.85)) == blue)
        let top = pixel(0, 0.84), bottom = pixel(0, 0.76)
        #expect(colour((top.0, top.1 + 1)) == blue && colour((bottom.0, bottom.1 - 1)) == blue)
        // Along the dashed reference line, some pixels are drawn and some are gaps.
        let (left, y) = pixel(0.05, 0.95), (right, _) = pixel(0.35, 0.95)
        let drawn = (left...right).map { colour(($0, y)) == blue }
        #expect(drawn.contains(true) && drawn.contains(false))
        // Title text in black, centred at the top.
        let titleRow = (20..<34).flatMap { row in (0..<image.width).map { colour(($0, row)) } }
        #expect(titleRow.contains([0, 0, 0]))
        // The legend fits: the longest name ends inside the image.
        #expect(area.x + area.width + chart.legendWidth == image.width)
        #expect(chart.legendWidth >= 20 + 50 + BitmapFont.width("Gaussian") * LineChart.textScale)
        // A different chart renders differently; the same chart identically.
        #expect(try chart.render() == image)
        var other = chart
        other.series[0].points[1].y = 0.75
        #expect(try other.render() != image)
    }

    @Test func theImageRoundTripsThroughPNG() throws {
        let image = try Self.chart.render()
        let url = FileManager.default.temporaryDirectory.appending(path: "chart-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try PNG.write(image, to: url)
        #expect(try PNG.read(url) == image)
    }

    /// Every printable ASCII character has its own glyph, not the missing-glyph box, and glyphs differ.
    @Test func everyPrintableCharacterHasAGlyph() {
        let box = BitmapFont.rows("\u{1}")
        let printable = (32...126).map { Character(Unicode.Scalar(UInt8($0))) }
        for character in printable { #expect(BitmapFont.rows(character) != box, "\(character)") }
        #expect(Set(printable.map(BitmapFont.rows)).count == printable.count)
        #expect(BitmapFont.rows(" ").allSatisfy { $0 == 0 })
    }

    @Test func badChartsAreClearErrors() {
        #expect(throws: ImagingError.self) { try LineChart(title: "t", xLabel: "x", yLabel: "y", series: []).render() }
        #expect(throws: ImagingError.self) {
            try LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "a", points: [.init(x: 0, y: .nan)])]).render()
        }
        #expect(throws: ImagingError.self) {
            try LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "a", points: [.init(x: 0, y: 1)])],
                          width: 200, height: 100).render()
        }
    }
}
