import Foundation
import Compute
import Imaging

/// A small inspection dataset the project makes itself, in MVTec AD's layout (Bergmann et al., CVPR 2019):
/// `<category>/train/good/*.png`, `<category>/test/{good,<defect>}/*.png`,
/// `<category>/ground_truth/<defect>/<name>_mask.png` (0/255).
///
/// Textures (weave, grain, tiles) and objects (washer, plate) vary in pose, lighting and noise; defective test
/// images carry one scratch, spot, crack or missing piece whose pixels are marked in the mask.
public struct SyntheticInspectionSet: Sendable {
    public var size = 256
    public var trainPerCategory = 60
    public var goodTestPerCategory = 20
    public var testPerDefect = 10
    public var categories: [SyntheticCategory] = SyntheticCategory.allCases
    public var defects: [SyntheticDefect] = SyntheticDefect.allCases
    public var seed: UInt64 = 0

    public init() {}

    /// Writes the dataset below `root` (atomically per file); existing complete files are kept.
    /// - Returns: the category names written.
    @discardableResult
    public func write(to root: URL) throws -> [String] {
        let fileManager = FileManager.default
        for (c, category) in categories.enumerated() {
            let base = root.appending(path: category.rawValue)
            var items: [(folder: String, name: String, defect: SyntheticDefect?)] = []
            for i in 0..<trainPerCategory { items.append(("train/good", String(format: "%03d", i), nil)) }
            for i in 0..<goodTestPerCategory { items.append(("test/good", String(format: "%03d", i), nil)) }
            for defect in defects {
                for i in 0..<testPerDefect { items.append(("test/\(defect.rawValue)", String(format: "%03d", i), defect)) }
            }
            for folder in Set(items.map(\.folder)) {
                try fileManager.createDirectory(at: base.appending(path: folder), withIntermediateDirectories: true)
            }
            for defect in defects {
                try fileManager.createDirectory(at: base.appending(path: "ground_truth/\(defect.rawValue)"),
                                                withIntermediateDirectories: true)
            }
            let errors = Locked<[Error]>([])
            let all = items
            DispatchQueue.concurrentPerform(iterations: all.count) { index in
                let item = all[index]
                let imageURL = base.appending(path: "\(item.folder)/\(item.name).png")
                guard !fileManager.fileExists(atPath: imageURL.path) else { return }
                do {
                    var random = SyntheticRandom(seed: seed, category: c, item: index)
                    var (canvas, shape) = category.render(size: size, random: &random)
                    if let defect = item.defect {
                        let mask = defect.apply(to: &canvas, shape: shape, background: (0.06, 0.06, 0.07),
                                                random: &random)
                        let maskURL = base.appending(path: "ground_truth/\(defect.rawValue)/\(item.name)_mask.png")
                        try PNG.write(try ByteImage(width: size, height: size, channels: 1, pixels: mask.values),
                                      to: maskURL)
                    }
                    try PNG.write(try ByteImage(width: size, height: size, channels: 3, pixels: canvas.bytes),
                                  to: imageURL)
                } catch {
                    errors.withLock { $0.append(error) }
                }
            }
            if let error = errors.withLock({ $0.first }) { throw error }
        }
        return categories.map(\.rawValue)
    }
}
