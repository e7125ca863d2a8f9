import Foundation
import Imaging
import Testing
@testable import AnomalyDetection

@Suite struct InspectionDatasetTests {
    final class Folder {
        let url = FileManager.default.temporaryDirectory.appending(path: "fractalad-datasets-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }

        func image(_ path: String, value: UInt8 = 100, channels: Int = 3, side: Int = 8) throws {
            let file = url.appending(path: path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try PNG.write(try ByteImage(width: side, height: side, channels: channels, value: value), to: file)
        }

        func text(_ path: String, _ contents: String) throws {
            let file = url.appending(path: path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: file)
        }
    }

    /// A VisA-like release: `<object>/Data/Images/{Normal,Anomaly}`, masks holding class ids, and the split file.
    static func visa(_ folder: Folder, extraLine: String = "") throws {
        try folder.image("candle/Data/Images/Normal/0000.JPG.png")
        try folder.image("candle/Data/Images/Normal/0001.JPG.png")
        try folder.image("candle/Data/Images/Normal/0002.JPG.png")
        try folder.image("candle/Data/Images/Anomaly/0100.JPG.png")
        try folder.image("candle/Data/Masks/Anomaly/0100.png", value: 3, channels: 1)
        try folder.text("split_csv/1cls.csv", """
            object,split,label,image,mask
            candle,train,normal,candle/Data/Images/Normal/0000.JPG.png,
            candle,train,normal,candle/Data/Images/Normal/0001.JPG.png,
            candle,test,normal,candle/Data/Images/Normal/0002.JPG.png,
            candle,test,anomaly,candle/Data/Images/Anomaly/0100.JPG.png,candle/Data/Masks/Anomaly/0100.png
            \(extraLine)
            """)
    }

    /// Issue 7 item 13: category, test and defect folders reached through symbolic links are read; a link cycle
    /// is entered once.
    @Test func symbolicLinksAreFollowedAndCyclesEnteredOnce() throws {
        let storage = try Folder(), folder = try Folder()
        try storage.image("screw/train/good/000.png")
        try storage.image("screw/train/good/001.png")
        try storage.image("shared-test/good/000.png")
        try storage.image("crack/000.png")
        try storage.image("screw/ground_truth/crack/000_mask.png", value: 255, channels: 1)
        let manager = FileManager.default
        try manager.createSymbolicLink(at: storage.url.appending(path: "shared-test/crack"),
                                       withDestinationURL: storage.url.appending(path: "crack"))
        try manager.createSymbolicLink(at: storage.url.appending(path: "screw/test"),
                                       withDestinationURL: storage.url.appending(path: "shared-test"))
        try manager.createSymbolicLink(at: storage.url.appending(path: "screw/train/good/loop"),
                                       withDestinationURL: storage.url.appending(path: "screw/train"))
        try manager.createSymbolicLink(at: folder.url.appending(path: "screw"),
                                       withDestinationURL: storage.url.appending(path: "screw"))
        let categories = try InspectionDataset.categories(root: folder.url, format: .mvtec)
        #expect(categories.map(\.name) == ["screw"])
        #expect(categories[0].train.map { $0.image.lastPathComponent } == ["000.png", "001.png"])
        #expect(categories[0].test.map(\.name) == ["crack/000", "good/000"])
        #expect(try InspectionDataset.images(in: folder.url.appending(path: "screw/test")).count == 2)
    }

    /// Issue 7 item 12: a file given for a folder is called a file.
    @Test func aFileGivenForAFolderIsCalledAFile() throws {
        let folder = try Folder()
        try folder.image("a.png")
        #expect {
            try InspectionDataset.images(in: folder.url.appending(path: "a.png"))
        } throws: { error in
            "\(error)".contains("a.png: it is a file, not a folder")
        }
    }

    @Test func visaSplitFileIsRead() throws {
        let folder = try Folder()
        try Self.visa(folder)
        let categories = try InspectionDataset.categories(root: folder.url, format: .visa)
        #expect(categories.map(\.name) == ["candle"])
        #expect(categories[0].train.count == 2)
        #expect(categories[0].test.map(\.isAnomalous) == [false, true])
        #expect(categories[0].test[1].mask?.lastPathComponent == "0100.png")
        // Raw VisA masks hold class ids: any non-zero value is a defect pixel.
        let preprocessing = Preprocessing(resize: 8, crop: nil, keepAspect: true, mean: ByteImage.imageNetMean,
                                          std: ByteImage.imageNetStd)
        let image = try preprocessing.prepare(categories[0].test[1].image)
        let mask = try preprocessing.prepareMask(categories[0].test[1].mask!, for: image, at: categories[0].test[1].image)
        #expect(mask.allSatisfy { $0 })
    }

    @Test(arguments: [
        ("candle,test,anomaly,candle/Data/Images/Normal/0002.JPG.png,", "has no mask"),
        ("candle,test,anomaly,candle/Data/Images/Normal/0002.JPG.png,candle/missing.png", "no mask for"),
        ("candle,validation,normal,candle/Data/Images/Normal/0002.JPG.png,", "split 'validation'"),
        ("candle,test,broken,candle/Data/Images/Normal/0002.JPG.png,", "label 'broken'"),
        ("candle,test,normal,candle/absent.png,", "does not exist"),
        ("candle,test,normal", "fields, expected 5"),
    ])
    func badVisaRowsNameTheLine(_ line: String, _ expected: String) throws {
        let folder = try Folder()
        try Self.visa(folder, extraLine: line)
        do {
            _ = try InspectionDataset.categories(root: folder.url, format: .visa)
            Issue.record("accepted \(line)")
        } catch {
            #expect("\(error)".contains(expected) && "\(error)".contains("1cls.csv line 6"), "\(error)")
        }
    }

    @Test func mvtecLayoutPairsMasksByStem() throws {
        let folder = try Folder()
        try folder.image("bottle/train/good/000.png")
        try folder.image("bottle/test/good/000.png")
        try folder.image("bottle/test/broken_large/000.png")
        try folder.image("bottle/test/broken_large/001.png")
        try folder.image("bottle/ground_truth/broken_large/000_mask.png", value: 255, channels: 1)
        try folder.image("bottle/ground_truth/broken_large/001.png", value: 255, channels: 1)
        let category = try InspectionDataset.categories(root: folder.url, format: .mvtec)[0]
        #expect(category.test.count == 3)
        #expect(category.test.filter(\.isAnomalous).compactMap { $0.mask?.lastPathComponent } == ["000_mask.png", "001.png"])
        // The same tree read as VisA's MVTec-like export (no split file).
        #expect(try InspectionDataset.categories(root: folder.url, format: .visa)[0].test.count == 3)
    }

    @Test func mvtecLayoutErrorsNameTheFile() throws {
        let folder = try Folder()
        try folder.image("bottle/train/good/000.png")
        try folder.image("bottle/test/crack/000.png")
        #expect { try InspectionDataset.categories(root: folder.url, format: .mvtec) } throws: { "\($0)".contains("no mask for") }
        try folder.image("bottle/ground_truth/crack/000_mask.png", channels: 1)
        try folder.image("bottle/ground_truth/crack/007_mask.png", channels: 1)
        #expect { try InspectionDataset.categories(root: folder.url, format: .mvtec) } throws: {
            "\($0)".contains("007_mask.png has no matching image")
        }
        try FileManager.default.removeItem(at: folder.url.appending(path: "bottle/ground_truth/crack/007_mask.png"))
        try FileManager.default.removeItem(at: folder.url.appending(path: "bottle/train/good/000.png"))
        #expect { try InspectionDataset.categories(root: folder.url, format: .mvtec) } throws: {
            "\($0)".contains("holds no images")
        }
        #expect(throws: DatasetError.self) {
            try InspectionDataset.categories(root: folder.url.appending(path: "absent"), format: .mvtec)
        }
    }
}
