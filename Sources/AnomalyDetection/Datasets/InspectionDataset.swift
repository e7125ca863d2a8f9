import Foundation
import Imaging

/// One image of an inspection dataset.
public struct InspectionSample: Sendable, Equatable {
    public var image: URL
    /// Ground-truth mask (any non-zero value marks a defect pixel); nil for defect-free images.
    public var mask: URL?
    public var isAnomalous: Bool
    /// `good` for defect-free images, else the defect type (MVTec) or `anomaly` (VisA).
    public var defect: String

    /// A short name for reports and heat-map files: `<defect>/<file stem>`.
    public var name: String { "\(defect)/\(image.deletingPathExtension().lastPathComponent)" }
}

/// The training (defect-free) and test images of one category.
public struct InspectionCategory: Sendable {
    public var name: String
    public var train: [InspectionSample]
    public var test: [InspectionSample]
}

/// Dataset layouts FractalAD reads.
public enum InspectionDatasetFormat: String, Sendable, CaseIterable {
    /// MVTec AD (Bergmann et al., CVPR 2019): `<category>/train/good`, `<category>/test/<defect>`,
    /// `<category>/ground_truth/<defect>/<stem>_mask.png` (also `<stem>.png`, as VisA's MVTec-like export writes).
    case mvtec
    /// VisA (Zou et al., ECCV 2022) in its released layout, split by `split_csv/1cls.csv`
    /// (`object,split,label,image,mask`, paths relative to the root); or, when that file is absent, the MVTec-like
    /// tree that VisA's `prepare_data.py` writes.
    case visa
}

/// Problems with a dataset folder; every message names the file or folder at fault.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum InspectionDataset {
    /// File extensions read as images.
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The categories below `root` (all of them, or `only`, in the given order).
    /// - Throws: ``DatasetError`` for a missing root, an unknown category, an empty training folder, a defective
    ///   image without its mask, or a mask without its image.
    public static func categories(root: URL, format: InspectionDatasetFormat, only: [String]? = nil) throws
        -> [InspectionCategory] {
        if let problem = FolderListing.problem(listingFolder: root) {
            throw DatasetError("dataset folder \(root.path): \(problem)")
        }
        switch format {
        case .mvtec:
            return try select(mvtecCategoryNames(root), only: only, root: root).map {
                try mvtecCategory(root.appending(path: $0), name: $0)
            }
        case .visa:
            let split = root.appending(path: "split_csv/1cls.csv")
            if FileManager.default.fileExists(atPath: split.path) {
                return try VisASplit.categories(root: root, split: split, only: only)
            }
            return try select(mvtecCategoryNames(root), only: only, root: root).map {
                try mvtecCategory(root.appending(path: $0), name: $0)
            }
        }
    }

    /// The images of a plain folder (recursively, sorted by path), for `fit --train DIR` and `predict`.
    public static func images(in folder: URL) throws -> [URL] {
        if let problem = FolderListing.problem(listingFolder: folder) {
            throw DatasetError("folder \(folder.path): \(problem)")
        }
        let found = try imageFiles(below: folder)
        guard !found.isEmpty else { throw DatasetError("\(folder.path) holds no PNG or JPEG images") }
        return found
    }

    static func select(_ available: [String], only: [String]?, root: URL) throws -> [String] {
        guard !available.isEmpty else {
            throw DatasetError("\(root.path) holds no category folders with train/ and test/ inside")
        }
        guard let only else { return available }
        for name in only where !available.contains(name) {
            throw DatasetError("unknown category '\(name)' in \(root.path); available: \(available.joined(separator: ", "))")
        }
        return only
    }

    static func mvtecCategoryNames(_ root: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.path).sorted().filter {
            isDirectory(root.appending(path: "\($0)/train")) && isDirectory(root.appending(path: "\($0)/test"))
        }
    }

    static func mvtecCategory(_ folder: URL, name: String) throws -> InspectionCategory {
        let trainFolder = folder.appending(path: "train/good")
        guard isDirectory(trainFolder) else { throw DatasetError("\(trainFolder.path) does not exist") }
        let train = try imageFiles(below: trainFolder).map {
            InspectionSample(image: $0, mask: nil, isAnomalous: false, defect: "good")
        }
        guard !train.isEmpty else { throw DatasetError("training folder \(trainFolder.path) holds no images") }
        var test: [InspectionSample] = []
        let testFolder = folder.appending(path: "test")
        for defect in try FileManager.default.contentsOfDirectory(atPath: testFolder.path).sorted()
        where isDirectory(testFolder.appending(path: defect)) {
            let images = try imageFiles(below: testFolder.appending(path: defect))
            if defect == "good" {
                test += images.map { InspectionSample(image: $0, mask: nil, isAnomalous: false, defect: defect) }
                continue
            }
            let maskFolder = folder.appending(path: "ground_truth/\(defect)")
            let masks = isDirectory(maskFolder) ? try imageFiles(below: maskFolder) : []
            var byStem: [String: URL] = [:]
            for mask in masks {
                let stem = mask.deletingPathExtension().lastPathComponent
                byStem[stem.hasSuffix("_mask") ? String(stem.dropLast(5)) : stem] = mask
            }
            for image in images {
                let stem = image.deletingPathExtension().lastPathComponent
                guard let mask = byStem.removeValue(forKey: stem) else {
                    throw DatasetError("no mask for \(image.path): expected \(maskFolder.path)/\(stem)_mask.png")
                }
                test.append(InspectionSample(image: image, mask: mask, isAnomalous: true, defect: defect))
            }
            if let orphan = byStem.values.sorted(by: { $0.path < $1.path }).first {
                throw DatasetError("mask \(orphan.path) has no matching image in \(testFolder.path)/\(defect)")
            }
        }
        guard !test.isEmpty else { throw DatasetError("test folder \(testFolder.path) holds no images") }
        return InspectionCategory(name: name, train: train, test: test)
    }

    /// The images below `folder`, recursively, following symbolic links (see `FolderListing`).
    static func imageFiles(below folder: URL) throws -> [URL] {
        do {
            return try FolderListing.files(below: folder, extensions: imageExtensions)
        } catch let error as FileReadError {
            throw DatasetError("cannot list \(error.path): \(error.reason)")
        }
    }

    static func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }
}
