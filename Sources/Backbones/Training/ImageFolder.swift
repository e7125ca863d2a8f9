import Compute
import Foundation
import Imaging
import Synchronization

/// A labelled image collection in torchvision's `ImageFolder` layout: each sub-folder of `root` is a class, the
/// classes sorted by name and numbered from 0, and each `.png`, `.jpg` or `.jpeg` file (any case) inside it is a
/// sample, files sorted by name. Other files and folders are ignored, so a `fractalad generate` output folder
/// (with its manifest and systems file) reads as is.
///
/// Decoded images are kept in memory up to a byte budget, so a small set such as OFDB's 1000 images is decoded
/// once rather than every epoch.
public final class ImageFolder: Sendable {
    public let root: URL
    /// Class names (folder names) in label order.
    public let classes: [String]
    /// Every sample's file and label, class by class.
    public let samples: [(url: URL, label: Int)]
    private let cache: Mutex<(images: [Int: ByteImage], bytes: Int)>
    private let cacheBudget: Int

    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Scans `root`.
    /// - Parameter cacheBytes: how many bytes of decoded images to keep (default 1 GiB).
    /// - Throws: ``BackboneError/invalidDataset(_:)`` when `root` cannot be listed or holds no class with images.
    public init(root: URL, cacheBytes: Int = 1 << 30) throws {
        let manager = FileManager.default
        if let problem = FolderListing.problem(listingFolder: root) {
            throw BackboneError.invalidDataset("dataset folder \(root.path): \(problem)")
        }
        guard let entries = try? manager.contentsOfDirectory(atPath: root.path) else {
            throw BackboneError.invalidDataset("\(root.path): cannot list the dataset folder")
        }
        var classes: [String] = []
        var samples: [(URL, Int)] = []
        for name in entries.sorted() where !name.hasPrefix(".") {
            let folder = root.appending(path: name)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue,
                  let files = try? manager.contentsOfDirectory(atPath: folder.path) else { continue }
            let images = files.sorted().filter {
                !$0.hasPrefix(".") && Self.extensions.contains(($0 as NSString).pathExtension.lowercased())
            }
            guard !images.isEmpty else { continue }
            let label = classes.count
            classes.append(name)
            samples += images.map { (folder.appending(path: $0), label) }
        }
        guard !classes.isEmpty else {
            throw BackboneError.invalidDataset(
                "\(root.path): no class folders with .png/.jpg images (expected ImageFolder layout: ROOT/CLASS/IMAGE)")
        }
        self.root = root
        self.classes = classes
        self.samples = samples
        cache = Mutex(([:], 0))
        cacheBudget = cacheBytes
    }

    /// The decoded image of sample `index`.
    /// - Throws: `ImagingError` naming the file.
    public func image(_ index: Int) throws -> ByteImage {
        if let cached = cache.withLock({ $0.images[index] }) { return cached }
        let image = try ImageFile.read(samples[index].url)
        cache.withLock { cache in
            if cache.bytes + image.pixels.count <= cacheBudget, cache.images[index] == nil {
                cache.images[index] = image
                cache.bytes += image.pixels.count
            }
        }
        return image
    }

    /// A seeded split of the samples: `fraction` of each class (rounded, at least one sample when `fraction > 0`
    /// and the class has two or more) goes to validation.
    /// - Returns: sample indices for training and for validation, each ascending.
    public func split(validationFraction fraction: Double, seed: UInt64) -> (training: [Int], validation: [Int]) {
        guard fraction > 0 else { return (Array(samples.indices), []) }
        var training: [Int] = [], validation: [Int] = []
        var byClass = [[Int]](repeating: [], count: classes.count)
        for (index, sample) in samples.enumerated() { byClass[sample.label].append(index) }
        for (label, members) in byClass.enumerated() {
            var order = members
            var random = PhiloxStream(seed: seed, stream: (TrainingStreams.split, UInt32(label), 0))
            random.shuffle(&order)
            let count = members.count < 2 ? 0 : min(members.count - 1, max(1, Int((fraction * Double(members.count))
                .rounded())))
            validation += order.prefix(count)
            training += order.dropFirst(count)
        }
        return (training.sorted(), validation.sorted())
    }
}

/// Purposes of the trainer's own random streams (the first counter word of a ``PhiloxStream``).
enum TrainingStreams {
    static let split: UInt32 = 0x5452_0001
    static let order: UInt32 = 0x5452_0002
    static let mixing: UInt32 = 0x5452_0003
}

extension PhiloxStream {
    /// Fisher–Yates shuffle of `items` in place.
    mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, integer(in: 0...i))
        }
    }
}
