import Foundation

/// The kinds of fractal datasets.
public enum DatasetMode: String, Sendable, Codable, CaseIterable {
    /// One image per class, class `c` drawn from system `c` (OFDB, Nakamura et al., ICCV 2023).
    case oneInstance = "one-instance"
    /// Many jittered renders per class (FractalDB, Kataoka et al., ACCV 2020): class `c` owns systems
    /// `[c·S, (c+1)·S)` for `S` systems per class, and image `i` of the class renders system `c·S + i mod S`.
    case instances
    /// Several fractals per image (seed paper §5's suggested next step; fractal4AD's multi-fractals): each image
    /// composites 4–10 objects drawn from its class's systems, each rendered at half size with 3×3 stamping,
    /// resized to U(0.15, 0.6) of the image side and placed at random, possibly cut off.
    case multi
}

/// Everything that determines a dataset's images; recorded in its manifest.
public struct DatasetSpec: Sendable, Codable, Equatable {
    public var mode: DatasetMode
    public var classes: Int
    public var perClass: Int
    public var systemsPerClass: Int
    public var seed: UInt64
    public var render: RenderSettings
    /// Objects per image in `multi` mode.
    public var minObjects = 4
    public var maxObjects = 10
    /// zlib level of the PNG files (1 = fast).
    public var compressionLevel = 1

    public init(mode: DatasetMode, classes: Int, perClass: Int, systemsPerClass: Int = 1, seed: UInt64,
                render: RenderSettings) {
        self.mode = mode
        self.classes = classes
        self.perClass = perClass
        self.systemsPerClass = systemsPerClass
        self.seed = seed
        self.render = render
    }

    public var imageCount: Int { classes * perClass }
    /// Systems the dataset draws from: `classes × systemsPerClass`.
    public var requiredSystems: Int { classes * systemsPerClass }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw IFSError.invalid(message) }
        }
        try render.validate()
        try check(classes >= 1, "classes must be at least 1, got \(classes)")
        try check(perClass >= 1, "per-class must be at least 1, got \(perClass)")
        try check(systemsPerClass >= 1, "systems per class must be at least 1, got \(systemsPerClass)")
        try check(mode != .oneInstance || perClass == 1,
                  "one-instance datasets have one image per class; use --mode instances for --per-class \(perClass)")
        try check(mode != .multi || (1...16).contains(minObjects) && minObjects <= maxObjects && maxObjects <= 16,
                  "objects per image must satisfy 1 ≤ min ≤ max ≤ 16")
        try check((0...9).contains(compressionLevel), "compression level must be in 0...9")
        try check(imageCount <= Int(Int32.max), "at most 2³¹ − 1 images")
    }

    /// Class of image `index`.
    public func classIndex(ofImage index: Int) -> Int { index / perClass }

    /// System of image `index` (single-object modes).
    public func systemIndex(ofImage index: Int) -> Int {
        let c = classIndex(ofImage: index), i = index % perClass
        return c * systemsPerClass + i % systemsPerClass
    }

    /// Path of image `index` relative to the dataset root: `<class>/<class>_<instance>.png`, zero-padded so a
    /// lexicographic sort of folders and files equals the numeric one (ImageFolder order).
    public func relativePath(ofImage index: Int) -> String {
        let c = String(classIndex(ofImage: index)), i = String(index % perClass)
        let classText = String(repeating: "0", count: max(0, Self.digits(classes - 1) - c.count)) + c
        let imageText = String(repeating: "0", count: max(0, Self.digits(perClass - 1) - i.count)) + i
        return "\(classText)/\(classText)_\(imageText).png"
    }

    static func digits(_ n: Int) -> Int { String(max(n, 0)).count }
}

/// A deterministic slice of a dataset: shard `index` of `count` takes images `[index·T/count, (index+1)·T/count)`.
public struct Shard: Sendable, Codable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public static let whole = Shard(index: 0, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/n` with `0 ≤ i < n`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else {
            throw IFSError.invalid("shard must be i/n with 0 ≤ i < n, got '\(text)'")
        }
        self.init(index: i, count: n)
    }

    /// The images of this shard among `total` (`0 ≤ total`), computed in double width so that no shard count
    /// overflows.
    public func range(of total: Int) -> Range<Int> {
        func boundary(_ i: Int) -> Int {
            count.dividingFullWidth(i.multipliedFullWidth(by: total)).quotient
        }
        return boundary(index)..<boundary(index + 1)
    }

    public var description: String { "\(index)/\(count)" }
}
