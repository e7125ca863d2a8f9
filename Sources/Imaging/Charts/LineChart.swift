import Foundation

/// A line chart rendered to an RGB image: one polyline with markers per series, optional error bars (mean ± std over
/// seeds), dashed reference lines, axes with round-number ticks and grid lines, a title and a legend. Used for the
/// studies' figures (e.g. seed 002's Figure 4: AUC against refinement ratio, one line per detector, dashed lines for
/// a perfect refinement).
public struct LineChart: Sendable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        /// Half-length of an error bar (a standard deviation), or nil for none.
        public var error: Double?

        public init(x: Double, y: Double, error: Double? = nil) {
            self.x = x
            self.y = y
            self.error = error
        }
    }

    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        /// Dashed, without markers: a reference line.
        public var dashed: Bool
        /// Index into ``LineChart/palette`` (wrapping); nil for the series' own position.
        public var colour: Int?

        public init(name: String, points: [Point], dashed: Bool = false, colour: Int? = nil) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.colour = colour
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var width: Int
    public var height: Int
    /// The y axis's range; nil to fit the data (padded to round ticks).
    public var yRange: ClosedRange<Double>?

    /// Tableau's ten categorical colours.
    public static let palette: [(UInt8, UInt8, UInt8)] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ]

    public init(title: String, xLabel: String, yLabel: String, series: [Series], width: Int = 960, height: Int = 600,
                yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.width = width
        self.height = height
        self.yRange = yRange
    }

    static let textScale = 2
    static let margins = (left: 110, top: 60, bottom: 80)

    /// Room right of the plot for the legend: its swatch, gap and longest name.
    var legendWidth: Int {
        20 + 50 + (series.map { BitmapFont.width($0.name) }.max() ?? 0) * Self.textScale + 20
    }

    /// The plot area in pixels: left, top, width, height.
    var plotArea: (x: Int, y: Int, width: Int, height: Int) {
        (Self.margins.left, Self.margins.top, width - Self.margins.left - legendWidth,
         height - Self.margins.top - Self.margins.bottom)
    }

    /// - Throws: `ImagingError.Kind.invalidArgument` for no points, a value that is not finite, or a size too small
    ///   for the margins.
    public func render() throws -> ByteImage {
        let points = series.flatMap(\.points)
        guard !points.isEmpty else { throw ImagingError(.invalidArgument, "chart '\(title)' has no points") }
        if let bad = points.first(where: { !$0.x.isFinite || !$0.y.isFinite || !($0.error ?? 0).isFinite }) {
            throw ImagingError(.invalidArgument, "chart '\(title)': point (\(bad.x), \(bad.y)) is not finite")
        }
        guard plotArea.width >= 100, plotArea.height >= 100, width <= 8192, height <= 8192 else {
            throw ImagingError(.invalidArgument, "chart size \(width)×\(height) leaves no room for the plot")
        }
        let xAxis = ChartAxis(fitting: points.map(\.x), padding: 0)
        let yAxis = yRange.map { ChartAxis(fitting: [$0.lowerBound, $0.upperBound], padding: 0) }
            ?? ChartAxis(fitting: points.flatMap { [$0.y - ($0.error ?? 0), $0.y + ($0.error ?? 0)] })
        var canvas = ChartCanvas(width: width, height: height)
        let area = plotArea
        func px(_ x: Double) -> Double { Double(area.x) + xAxis.fraction(x) * Double(area.width) }
        func py(_ y: Double) -> Double { Double(area.y + area.height) - yAxis.fraction(y) * Double(area.height) }
        let scale = Self.textScale, glyphHeight = BitmapFont.glyphHeight * scale
        // Grid, ticks and tick labels.
        for tick in yAxis.ticks {
            let y = py(tick)
            canvas.line(Double(area.x), y, Double(area.x + area.width), y, (225, 225, 225))
            let label = yAxis.label(tick)
            canvas.text(label, x: area.x - 10 - BitmapFont.width(label) * scale, y: Int(y) - glyphHeight / 2, scale: scale)
        }
        for tick in xAxis.ticks {
            let x = px(tick)
            canvas.line(x, Double(area.y), x, Double(area.y + area.height), (225, 225, 225))
            let label = xAxis.label(tick)
            canvas.text(label, x: Int(x) - BitmapFont.width(label) * scale / 2, y: area.y + area.height + 10, scale: scale)
        }
        canvas.line(Double(area.x), Double(area.y + area.height), Double(area.x + area.width),
                    Double(area.y + area.height), (0, 0, 0), thickness: 2)
        canvas.line(Double(area.x), Double(area.y), Double(area.x), Double(area.y + area.height), (0, 0, 0), thickness: 2)
        // Titles.
        canvas.text(title, x: (width - BitmapFont.width(title) * scale) / 2, y: 20, scale: scale)
        canvas.text(xLabel, x: area.x + (area.width - BitmapFont.width(xLabel) * scale) / 2,
                    y: area.y + area.height + 20 + glyphHeight + 10, scale: scale)
        canvas.text(yLabel, x: 14, y: area.y + (area.height + BitmapFont.width(yLabel) * scale) / 2, scale: scale,
                    vertical: true)
        // Series, then the legend.
        for (index, line) in series.enumerated() {
            let rgb = Self.palette[(line.colour ?? index) % Self.palette.count]
            let colour: ChartCanvas.Colour = (rgb.0, rgb.1, rgb.2)
            let ordered = line.points.sorted { $0.x < $1.x }
            for (a, b) in zip(ordered, ordered.dropFirst()) {
                canvas.line(px(a.x), py(a.y), px(b.x), py(b.y), colour, thickness: 3, dash: line.dashed ? (10, 7) : nil)
            }
            for point in ordered where !line.dashed {
                if let error = point.error, error > 0 {
                    canvas.line(px(point.x), py(point.y - error), px(point.x), py(point.y + error), colour)
                    for end in [point.y - error, point.y + error] {
                        canvas.line(px(point.x) - 5, py(end), px(point.x) + 5, py(end), colour)
                    }
                }
                canvas.disc(px(point.x), py(point.y), radius: 4.5, colour)
            }
            let legendY = area.y + 10 + index * (glyphHeight + 12)
            let legendX = area.x + area.width + 20
            canvas.line(Double(legendX), Double(legendY + glyphHeight / 2), Double(legendX + 40),
                        Double(legendY + glyphHeight / 2), colour, thickness: 3, dash: line.dashed ? (10, 7) : nil)
            canvas.text(line.name, x: legendX + 50, y: legendY, scale: scale)
        }
        return canvas.image
    }
}

/// A linear axis with round-number ticks (steps of 1, 2 or 5 × 10^k) whose range covers the data.
struct ChartAxis: Equatable {
    let low: Double
    let high: Double
    let step: Double

    /// An axis over `values`, padded by `padding` of their span on each side, then widened to whole steps.
    init(fitting values: [Double], padding: Double = 0.05, tickCount: Int = 6) {
        var low = values.min() ?? 0, high = values.max() ?? 1
        if high - low < 1e-12 * max(1, abs(high)) {
            let half = max(abs(high) * 0.05, 0.5)
            low -= half
            high += half
        }
        let span = high - low
        low -= span * padding
        high += span * padding
        step = Self.roundStep((high - low) / Double(tickCount - 1))
        // A bound within a millionth of a step of a tick is that tick (0.7 / 0.1 is 6.9999…).
        self.low = (low / step + 1e-6).rounded(.down) * step
        self.high = (high / step - 1e-6).rounded(.up) * step
    }

    /// The round number of the form {1, 2, 5} × 10^k nearest above `raw`.
    static func roundStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let residual = raw / magnitude
        return (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude
    }

    var ticks: [Double] {
        let count = Int(((high - low) / step).rounded())
        return (0...count).map { low + Double($0) * step }
    }

    func fraction(_ value: Double) -> Double { (value - low) / (high - low) }

    /// A tick's label with as many decimals as the step needs.
    func label(_ value: Double) -> String {
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }
}
