/// Chaos-game rendering of iterated function systems (Barnsley, "Fractals Everywhere", 1988), split into the steps
/// a batch of images goes through. Kernels: `Kernels/chaos_game.cl`.
///
/// Every step is integer arithmetic on fixed-point values with a counter-based random number generator
/// (``Philox4x32``), so every device produces exactly the same hit counts and the same bytes.
///
/// 1. ``chaosGameWalk(systems:seed:walkers:pointsPerImage:warmup:)``: `W` independent walkers per image, each
///    starting at the fixed point of map 0, discard `warmup` steps, then record their points.
/// 2. ``chaosGameRasterize(points:views:size:)``: map points through each image's view window (and flips, and an
///    optional 3×3 stamp) to integer hit counts.
/// 3. ``chaosGameStatistics(counts:)``: the maximum count and the number of non-empty pixels per image.
/// 4. ``chaosGameColorize(counts:statistics:colors:)``: graded HSV colouring to 8-bit RGB.
/// 5. ``chaosGameBlur(images:colors:)``: an optional 3×3 Gaussian blur with integer weights.
///
/// The ops are the entry points in the extension below: they check the arguments, allocate the results and call
/// the device's hook of the same name, which only computes (see ``Device``).
public protocol ChaosGameOps {
    /// Hook of ``chaosGameWalk(systems:seed:walkers:pointsPerImage:warmup:)``: fills `points` and `bounds`.
    func chaosGameWalk(systems: Tensor, seed: UInt64, walkers: Int, pointsPerImage: Int, warmup: Int,
                       into points: Tensor, bounds: Tensor) throws
    /// Hook of ``chaosGameRasterize(points:views:size:)``: adds the hits into `counts`, zeroed by the entry point.
    func chaosGameRasterize(points: Tensor, views: Tensor, size: Int, into counts: Tensor) throws
    /// Hook of ``chaosGameStatistics(counts:)``: fills `statistics`.
    func chaosGameStatistics(counts: Tensor, into statistics: Tensor) throws
    /// Hook of ``chaosGameColorize(counts:statistics:colors:)``: fills `images`.
    func chaosGameColorize(counts: Tensor, statistics: Tensor, colors: Tensor, into images: Tensor) throws
    /// Hook of ``chaosGameBlur(images:colors:)``: fills `blurred`.
    func chaosGameBlur(images: Tensor, colors: Tensor, into blurred: Tensor) throws
}

extension ChaosGameOps where Self: Device {
    /// Runs the chaos game.
    ///
    /// Walker `w` of image `b` draws its map choices from `Philox4x32(seed)` with counter
    /// `(imageIndex, w, step / 4, attempt)`, word `step % 4`; map `k` is chosen when exactly `k` cumulative
    /// thresholds are ≤ the drawn word. Walker `w` records `P / W` points, plus one when `w < P % W`, stored
    /// contiguously after the points of walkers `0..<w`.
    /// - Parameters:
    ///   - systems: `[B, 64]` int32 records laid out as ``ChaosGameLayout`` describes.
    ///   - walkers: independent walkers per image (`W`, part of the output's definition).
    ///   - pointsPerImage: points recorded per image (`P`).
    ///   - warmup: steps each walker takes before recording.
    /// - Returns: `points` `[B, P, 2]` int32 (x, y in Q11.20) and `bounds` `[B, W, 4]` int32 (min x, min y, max x,
    ///   max y of each walker's points; `Int32.max, Int32.max, Int32.min, Int32.min` for a walker with none).
    public func chaosGameWalk(systems: Tensor, seed: UInt64, walkers: Int, pointsPerImage: Int, warmup: Int) throws
        -> (points: Tensor, bounds: Tensor) {
        let batch = try validateWalk(systems: systems, walkers: walkers, pointsPerImage: pointsPerImage,
                                     warmup: warmup, device: self)
        let points = try Tensor(uninitialized: [batch, pointsPerImage, 2], dtype: .int32, on: self)
        let bounds = try Tensor(uninitialized: [batch, walkers, 4], dtype: .int32, on: self)
        try chaosGameWalk(systems: systems, seed: seed, walkers: walkers, pointsPerImage: pointsPerImage,
                          warmup: warmup, into: points, bounds: bounds)
        return (points, bounds)
    }

    /// Counts the points falling in each pixel.
    ///
    /// A point `(x, y)` with `0 ≤ x − originX ≤ spanX` (same for y) lands in row `((x − originX)·scaleX) >> 32` and
    /// column `((y − originY)·scaleY) >> 32`; the row and column are then transposed, flipped vertically and flipped
    /// horizontally as the view's flip bits say (in that order). A non-zero 9-bit patch mask stamps the 3×3
    /// neighbourhood cells whose bits are set (bit `3·dy + dx`) instead of the single pixel.
    /// - Parameters:
    ///   - points: `[B, P, 2]` int32 from ``chaosGameWalk(systems:seed:walkers:pointsPerImage:warmup:)``.
    ///   - views: `[B, 16]` int32 view records (``ChaosGameLayout``).
    ///   - size: output side `S`.
    /// - Returns: `[B, S, S]` int32 hit counts.
    public func chaosGameRasterize(points: Tensor, views: Tensor, size: Int) throws -> Tensor {
        try validateRasterize(points: points, views: views, size: size, device: self)
        let counts = try Tensor(zeros: [points.shape[0], size, size], dtype: .int32, on: self)
        try chaosGameRasterize(points: points, views: views, size: size, into: counts)
        return counts
    }

    /// Per-image maximum count and number of non-zero pixels.
    /// - Parameter counts: `[B, H, W]` int32.
    /// - Returns: `[B, 2]` int32.
    public func chaosGameStatistics(counts: Tensor) throws -> Tensor {
        try validateStatistics(counts: counts, device: self)
        let statistics = try Tensor(uninitialized: [counts.shape[0], 2], dtype: .int32, on: self)
        try chaosGameStatistics(counts: counts, into: statistics)
        return statistics
    }

    /// Graded colouring: a pixel with count `c > 0` in an image with maximum `m` gets hue byte
    /// `(255·c / m + hueOffset) mod 256` (the whole byte range spans the colour circle) with the image's saturation
    /// and value, converted by ``ChaosGameMath/hsvToRGB(hue:saturation:value:)``; empty pixels are black.
    /// - Parameters:
    ///   - counts: `[B, H, W]` int32.
    ///   - statistics: `[B, 2]` int32 from ``chaosGameStatistics(counts:)``.
    ///   - colors: `[B, 8]` int32 colour records (``ChaosGameLayout``).
    /// - Returns: `[B, H, W, 3]` uint8 RGB.
    public func chaosGameColorize(counts: Tensor, statistics: Tensor, colors: Tensor) throws -> Tensor {
        try validateColorize(counts: counts, statistics: statistics, colors: colors, device: self)
        let images = try Tensor(uninitialized: [counts.shape[0], counts.shape[1], counts.shape[2], 3], dtype: .uint8,
                                on: self)
        try chaosGameColorize(counts: counts, statistics: statistics, colors: colors, into: images)
        return images
    }

    /// 3×3 Gaussian blur with the separable Q16 weights `(side, centre, side)` of each image's colour record
    /// (``ChaosGameMath/blur(_:height:width:channels:side:centre:x:y:channel:)``); images whose side weight is 0 are
    /// copied unchanged. Borders reflect without repeating the edge (OpenCV's `BORDER_REFLECT_101`).
    /// - Parameters:
    ///   - images: `[B, H, W, C]` uint8.
    ///   - colors: `[B, 8]` int32 colour records.
    /// - Returns: `[B, H, W, C]` uint8.
    public func chaosGameBlur(images: Tensor, colors: Tensor) throws -> Tensor {
        try validateBlur(images: images, colors: colors, device: self)
        let blurred = try Tensor(uninitialized: images.shape, dtype: .uint8, on: self)
        try chaosGameBlur(images: images, colors: colors, into: blurred)
        return blurred
    }
}

/// Word offsets of the packed records that carry per-image parameters from the host to the chaos-game ops.
///
/// Fixed-point formats: linear coefficients `a, b, c, d` are Q2.29 (value · 2²⁹); positions, translations `e, f`
/// and view origins and spans are Q11.20 (value · 2²⁰). 64-bit fields are stored low word first.
public enum ChaosGameLayout {
    public static let maxMaps = 8
    public static let coefficientFractionBits = 29
    public static let positionFractionBits = 20

    /// System record: `[B, 64]` int32.
    public static let systemWords = 64
    /// `maxMaps × (a, b, c, d, e, f)`; map `k`: `x' = a·x + b·y + e`, `y' = c·x + d·y + f`.
    public static let coefficients = 0
    /// `maxMaps` cumulative probabilities scaled by 2³² (uint32 bit patterns); the first `mapCount − 1` are used.
    public static let thresholds = 48
    public static let mapCount = 56
    /// Start point (x, y): the fixed point of map 0.
    public static let start = 57
    /// First RNG counter word: the image's index in its dataset.
    public static let imageIndex = 59
    /// Fourth RNG counter word: the render attempt (re-renders of an image use a fresh attempt).
    public static let attempt = 60

    /// View record: `[B, 16]` int32: origin x, origin y, span x, span y, scale x, scale y (six int64), flips, patch.
    public static let viewWords = 16
    public static let origin = 0
    public static let span = 4
    public static let scale = 8
    /// Bit 0: transpose; bit 1: flip rows; bit 2: flip columns.
    public static let flips = 12
    /// 9-bit 3×3 stamp mask; 0 plots single pixels.
    public static let patchMask = 13

    /// Colour record: `[B, 8]` int32.
    public static let colorWords = 8
    public static let hueOffset = 0
    public static let saturation = 1
    public static let value = 2
    /// Q16 blur weights; `side == 0` means no blur, otherwise `2·side + centre == 65536`.
    public static let blurSide = 3
    public static let blurCentre = 4
}

/// The scalar arithmetic of the chaos-game ops, shared by the CPU device and mirrored line by line in
/// `Kernels/chaos_game.cl`.
public enum ChaosGameMath {
    /// One step of map `(a, b, c, d, e, f)` in fixed point, saturating to the int32 range.
    @inlinable
    public static func step(x: Int32, y: Int32, map: UnsafePointer<Int32>) -> (Int32, Int32) {
        let shift = Int64(ChaosGameLayout.coefficientFractionBits)
        let nx = ((Int64(map[0]) * Int64(x) + Int64(map[1]) * Int64(y)) >> shift) + Int64(map[4])
        let ny = ((Int64(map[2]) * Int64(x) + Int64(map[3]) * Int64(y)) >> shift) + Int64(map[5])
        return (saturate(nx), saturate(ny))
    }

    @inlinable
    public static func saturate(_ value: Int64) -> Int32 {
        Int32(clamping: value)
    }

    /// Index of the map chosen by the random word `u`.
    @inlinable
    public static func chooseMap(_ u: UInt32, thresholds: UnsafePointer<Int32>, mapCount: Int) -> Int {
        var k = 0
        for j in 0..<(mapCount - 1) where u >= UInt32(bitPattern: thresholds[j]) { k += 1 }
        return k
    }

    /// 8-bit HSV to RGB with integer arithmetic; the hue byte spans the full colour circle (0 and 256 are red).
    @inlinable
    public static func hsvToRGB(hue: Int32, saturation: Int32, value: Int32) -> (UInt8, UInt8, UInt8) {
        let scaled = hue * 6
        let region = scaled >> 8
        let remainder = scaled & 255
        let p = value * (255 - saturation) / 255
        let q = value * (255 - saturation * remainder / 255) / 255
        let t = value * (255 - saturation * (255 - remainder) / 255) / 255
        let rgb: (Int32, Int32, Int32) =
            switch region {
            case 0: (value, t, p)
            case 1: (q, value, p)
            case 2: (p, value, t)
            case 3: (p, q, value)
            case 4: (t, p, value)
            default: (value, p, q)
            }
        return (UInt8(rgb.0), UInt8(rgb.1), UInt8(rgb.2))
    }

    /// Index reflected into `0..<n` without repeating the edge (`-1 → 1`, `n → n − 2`).
    @inlinable
    public static func reflect101(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        if i < 0 { return -i }
        if i >= n { return 2 * n - 2 - i }
        return i
    }

    /// One output byte of the separable 3×3 blur of an `[H, W, C]` image, rounded to nearest.
    @inlinable
    public static func blur(_ image: UnsafePointer<UInt8>, height: Int, width: Int, channels: Int, side: Int32,
                            centre: Int32, x: Int, y: Int, channel: Int) -> UInt8 {
        var sum: Int64 = 0
        for dy in 0..<3 {
            let row = reflect101(y + dy - 1, height)
            var rowSum: Int64 = 0
            for dx in 0..<3 {
                let column = reflect101(x + dx - 1, width)
                rowSum += Int64(dx == 1 ? centre : side) * Int64(image[(row * width + column) * channels + channel])
            }
            sum += Int64(dy == 1 ? centre : side) * rowSum
        }
        return UInt8((sum + (1 << 31)) >> 32)
    }
}

/// A decoded view record (``ChaosGameLayout``), shared by the host devices as `chaos_game.cl` mirrors it.
struct ChaosGameView {
    let originX: Int64, originY: Int64, spanX: Int64, spanY: Int64, scaleX: Int64, scaleY: Int64
    let flips: Int32
    let patchMask: Int32

    init(record: UnsafePointer<Int32>) {
        func wide(_ offset: Int) -> Int64 {
            Int64(UInt32(bitPattern: record[offset])) | Int64(record[offset + 1]) << 32
        }
        originX = wide(ChaosGameLayout.origin); originY = wide(ChaosGameLayout.origin + 2)
        spanX = wide(ChaosGameLayout.span); spanY = wide(ChaosGameLayout.span + 2)
        scaleX = wide(ChaosGameLayout.scale); scaleY = wide(ChaosGameLayout.scale + 2)
        flips = record[ChaosGameLayout.flips]
        patchMask = record[ChaosGameLayout.patchMask]
    }

    /// The (row, column) of a point after the flips, or nil outside the window.
    func pixel(x: Int32, y: Int32, size: Int) -> (Int, Int)? {
        let dx = Int64(x) &- originX, dy = Int64(y) &- originY
        guard dx >= 0, dx <= spanX, dy >= 0, dy <= spanY else { return nil }
        var row = Int((dx &* scaleX) >> 32), column = Int((dy &* scaleY) >> 32)
        guard row >= 0, row < size, column >= 0, column < size else { return nil }
        if flips & 1 != 0 { swap(&row, &column) }
        if flips & 2 != 0 { row = size - 1 - row }
        if flips & 4 != 0 { column = size - 1 - column }
        return (row, column)
    }
}
