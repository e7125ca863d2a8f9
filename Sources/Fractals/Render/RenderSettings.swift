/// How fractal images are rendered. The defaults follow the reference generators (fractal4AD / Anderson & Farrell:
/// 100k points, graded colour, view jitter, flips, blur with probability ½, per-image parameter jitter) with their
/// defects fixed: hues span the whole colour circle, patch masks are never empty, near-empty renders are redrawn,
/// and every random choice comes from the seed.
public struct RenderSettings: Sendable, Codable, Equatable {
    /// Output side in pixels.
    public var size = 512
    /// Chaos-game points per image.
    public var points = 100_000
    /// Independent walkers per image (part of the output's definition: changing it changes the images).
    public var walkers = 128
    /// Steps each walker takes before recording points.
    public var warmup = 32
    /// Multiply one random map by a factor from U(0.8, 1.1) per image (retried while it breaks contractivity).
    public var parameterJitter = true
    /// Move the view centre by U(−0.2, 0.2) of the extent and scale each axis by U(0.5, 2).
    public var viewJitter = true
    /// Transpose, flip rows and flip columns, each with probability ½.
    public var flips = true
    /// Probability of a 3×3 Gaussian blur with σ ~ U(0.5, 1).
    public var blurProbability = 0.5
    /// Stamp a random non-empty 3×3 mask at every point instead of a single pixel.
    public var patch = false
    /// Composite the fractal over a colourised diamond–square noise background.
    public var background = false
    /// Renders whose fraction of non-empty pixels is below this are redrawn with fresh random choices.
    public var minFill = 0.01
    /// Redraws before the last attempt, which uses the un-jittered system and view and is kept whatever its fill.
    public var maxAttempts = 8

    public init() {}

    /// Checks ranges; the message names the setting.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw IFSError.invalid(message) }
        }
        try check((8...8192).contains(size), "size must be in 8...8192, got \(size)")
        try check(points >= 1 && points <= 100_000_000, "points must be in 1...100000000, got \(points)")
        try check(walkers >= 1 && walkers <= 65_536, "walkers must be in 1...65536, got \(walkers)")
        try check(warmup >= 0 && warmup <= 10_000, "warmup must be in 0...10000, got \(warmup)")
        try check((0...1).contains(blurProbability), "blur probability must be in [0, 1], got \(blurProbability)")
        try check((0..<1).contains(minFill), "min fill must be in [0, 1), got \(minFill)")
        try check((0...100).contains(maxAttempts), "max attempts must be in 0...100, got \(maxAttempts)")
    }
}
