import Foundation

/// One image's feature vectors on a grid: `[H·W, D]` rows in raster order.
public struct FeatureGrid: Sendable {
    public var rows: [Float]
    public var grid: (height: Int, width: Int)
    public var dimension: Int

    public init(rows: [Float], grid: (height: Int, width: Int), dimension: Int) {
        self.rows = rows
        self.grid = grid
        self.dimension = dimension
    }

    public var locations: Int { grid.height * grid.width }
}

/// Byte counts for summaries.
enum ByteCount {
    /// `bytes` in B, KiB, MiB or GiB with one decimal.
    static func text(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
