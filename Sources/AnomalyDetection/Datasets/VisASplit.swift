import Foundation
import Imaging

/// VisA's released layout read through `split_csv/1cls.csv`: rows `object,split,label,image,mask` with
/// `split ∈ {train, test}`, `label ∈ {normal, anomaly}` and paths relative to the root. Raw VisA masks hold
/// defect-class ids; any non-zero value is a defect pixel.
enum VisASplit {
    static func categories(root: URL, split: URL, only: [String]?) throws -> [InspectionCategory] {
        let text: String
        do {
            text = String(decoding: try FileErrorText.contents(of: split), as: UTF8.self)
        } catch let error as FileReadError {
            throw DatasetError("cannot read \(split.path): \(error.reason)")
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }),
              let objectColumn = header.firstIndex(of: "object"), let splitColumn = header.firstIndex(of: "split"),
              let labelColumn = header.firstIndex(of: "label"), let imageColumn = header.firstIndex(of: "image"),
              let maskColumn = header.firstIndex(of: "mask")
        else { throw DatasetError("\(split.path): expected the header object,split,label,image,mask") }
        lines.removeFirst()
        var categories: [String: InspectionCategory] = [:]
        var order: [String] = []
        for (number, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == header.count else {
                throw DatasetError("\(split.path) line \(number + 2): \(fields.count) fields, expected \(header.count)")
            }
            let object = fields[objectColumn]
            let anomalous: Bool
            switch fields[labelColumn] {
            case "normal": anomalous = false
            case "anomaly": anomalous = true
            default: throw DatasetError("\(split.path) line \(number + 2): label '\(fields[labelColumn])' is not normal or anomaly")
            }
            let image = root.appending(path: fields[imageColumn])
            guard FileManager.default.fileExists(atPath: image.path) else {
                throw DatasetError("\(split.path) line \(number + 2): image \(image.path) does not exist")
            }
            var mask: URL?
            if anomalous {
                guard !fields[maskColumn].isEmpty else {
                    throw DatasetError("\(split.path) line \(number + 2): anomalous image \(image.path) has no mask")
                }
                let maskURL = root.appending(path: fields[maskColumn])
                guard FileManager.default.fileExists(atPath: maskURL.path) else {
                    throw DatasetError("\(split.path) line \(number + 2): no mask for \(image.path): \(maskURL.path) "
                        + "does not exist")
                }
                mask = maskURL
            }
            if categories[object] == nil {
                categories[object] = InspectionCategory(name: object, train: [], test: [])
                order.append(object)
            }
            let sample = InspectionSample(image: image, mask: mask, isAnomalous: anomalous,
                                          defect: anomalous ? "anomaly" : "good")
            switch fields[splitColumn] {
            case "train":
                guard !anomalous else {
                    throw DatasetError("\(split.path) line \(number + 2): anomalous image in the training split")
                }
                categories[object]!.train.append(sample)
            case "test":
                categories[object]!.test.append(sample)
            default:
                throw DatasetError("\(split.path) line \(number + 2): split '\(fields[splitColumn])' is not train or test")
            }
        }
        let names = try InspectionDataset.select(order, only: only, root: root)
        return try names.map { name in
            let category = categories[name]!
            guard !category.train.isEmpty else { throw DatasetError("\(split.path): category \(name) has no training images") }
            guard !category.test.isEmpty else { throw DatasetError("\(split.path): category \(name) has no test images") }
            return category
        }
    }
}
