import AnomalyDetection
import Foundation

/// `fractalad synthetic`: writes the synthetic inspection set in MVTec AD layout.
enum SyntheticCommand: Command {
    static let name = "synthetic"
    static let summary = "write a synthetic inspection dataset (textures and objects with defects and masks, MVTec layout)"
    static let synopsis = "--out DIR [--size PX] [--train N] [--test-good N] [--test-per-defect N] [--categories a,b] [--seed S]"
    static let options: [OptionSpec] = [
        .value("out", "DIR", "dataset root (required)"),
        .value("size", "PX", "image side (default 256)"),
        .value("train", "N", "defect-free training images per category (default 60)"),
        .value("test-good", "N", "defect-free test images per category (default 20)"),
        .value("test-per-defect", "N", "test images per defect type and category (default 10)"),
        .value("categories", "LIST", "comma-separated subset of " + SyntheticCategory.allCases.map(\.rawValue).joined(separator: ", ")),
        .value("seed", "S", "random seed (default 0)"),
    ]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        var set = SyntheticInspectionSet()
        set.size = try arguments.int("size", default: set.size, in: 32...2048)!
        set.trainPerCategory = try arguments.int("train", default: set.trainPerCategory, in: 1...100_000)!
        set.goodTestPerCategory = try arguments.int("test-good", default: set.goodTestPerCategory, in: 1...100_000)!
        set.testPerDefect = try arguments.int("test-per-defect", default: set.testPerDefect, in: 1...100_000)!
        set.seed = try arguments.uint64("seed", default: 0)
        if let list = try arguments.list("categories") {
            set.categories = try list.map { name in
                guard let category = SyntheticCategory(rawValue: name) else {
                    throw UsageError("unknown category '\(name)'")
                }
                return category
            }
        }
        let root = URL(fileURLWithPath: try arguments.required("out"))
        let names = try set.write(to: root)
        console.print("wrote \(names.joined(separator: ", ")) to \(root.path)")
        return 0
    }
}
