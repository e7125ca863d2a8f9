import Backbones
import Compute
import Foundation

/// The anomaly detectors FractalAD fits on the features of a frozen backbone.
public enum DetectionMethod: String, Sendable, Codable, CaseIterable {
    /// PatchCore (Roth et al., "Towards Total Recall in Industrial Anomaly Detection", CVPR 2022).
    case patchcore
    /// PaDiM (Defard et al., "PaDiM: a Patch Distribution Modeling Framework for Anomaly Detection and
    /// Localization", ICPR 2021).
    case padim
    /// Gaussian AD (Rippel et al., "Modeling the Distribution of Normal Data in Pre-Trained Deep Features for
    /// Anomaly Detection", ICPR 2020).
    case gaussian
    /// SPADE (Cohen & Hoshen, "Sub-Image Anomaly Detection with Deep Pyramid Correspondences", 2020).
    case spade

    /// The method's name in tables and messages.
    public var title: String {
        switch self {
        case .patchcore: "PatchCore"
        case .padim: "PaDiM"
        case .gaussian: "Gaussian AD"
        case .spade: "SPADE"
        }
    }

    /// The detector type of the method, for code that reads the method from a model file or an option.
    public var detectorType: any AnomalyDetector.Type {
        switch self {
        case .patchcore: PatchCore.self
        case .padim: PaDiM.self
        case .gaussian: GaussianAD.self
        case .spade: SPADE.self
        }
    }
}

/// The settings of one method, stored in its model files.
public protocol DetectorSettings: Sendable, Codable, Equatable {
    static var method: DetectionMethod { get }
    var preprocessing: Preprocessing { get }
    /// Backbone stages the method reads, in order.
    var stages: [String] { get }
    /// The settings that determine the numbers, for report tables (`stages`, `coreset`, …).
    var notes: [String: String] { get }
    /// Checks every setting against what the code can honour; the message names the setting.
    func validate() throws
}

/// A fitted model of one method: settings, the backbone it needs, and what it learnt, in a model file
/// (``ModelFile``).
public protocol AnomalyModel: Sendable {
    associatedtype Settings: DetectorSettings
    var settings: Settings { get }
    var backbone: BackboneReference { get }
    /// One line for `fit`'s summary: what the model holds and how much memory it takes.
    var summary: String { get }
    /// Writes the model file atomically.
    func write(to url: URL) throws
    /// Decodes a model file whose format and method ``ModelFile/read(_:method:)`` has checked.
    /// - Throws: ``DetectorError/badModelFile(path:problem:)`` naming what is wrong.
    init(file: SafeTensorsFile, path: String) throws
}

extension AnomalyModel {
    /// Reads and checks a model file of this method; a file of another method is an error naming both.
    public static func read(_ url: URL) throws -> Self {
        try Self(file: try ModelFile.read(url, method: Settings.method), path: url.path)
    }
}

/// A detector: features of images from a frozen backbone, a model fitted on the features of defect-free images,
/// and image scores with anomaly maps for test images.
///
/// `fit` takes features rather than files so that callers can score the training images with a fitted model and
/// refit on a subset without running the backbone again.
public protocol AnomalyDetector: Sendable {
    associatedtype Model: AnomalyModel
    /// What the detector keeps of one image.
    associatedtype Features: Sendable
    /// What scoring reads on every batch, brought to the device once per model (PatchCore's bank).
    associatedtype Resident

    var settings: Model.Settings { get }
    var extractor: any FeatureExtractor { get }
    /// Images per backbone batch.
    var batchSize: Int { get }
    /// Checked between batches and long steps: once set, fitting and scoring throw `CancellationError`.
    var cancellation: CancellationFlag { get set }

    /// A detector with `settings` on `extractor`'s features.
    /// - Throws: when the settings are invalid or name stages the extractor does not have.
    init(settings: Model.Settings, extractor: any FeatureExtractor, batchSize: Int) throws

    /// Features of prepared images, one entry per image.
    func features(_ images: [PreparedImage]) throws -> [Features]
    /// Fits a model on the features of defect-free images.
    func fit(_ features: [Features], trainingImages: Int) throws -> Model
    /// Brings `model`'s scoring state to the extractor's device.
    func resident(_ model: Model) throws -> Resident
    /// Image scores and anomaly maps (at the network input size) of images' features.
    func score(_ features: [Features], model: Model, resident: Resident) throws -> [AnomalyScore]
}

extension AnomalyDetector {
    public static var method: DetectionMethod { Model.Settings.method }

    /// Loads and prepares images in parallel with the settings' preprocessing.
    public func prepare(_ urls: [URL]) throws -> [PreparedImage] {
        let results = Locked<[Int: Result<PreparedImage, Error>]>([:])
        let preprocessing = settings.preprocessing
        DispatchQueue.concurrentPerform(iterations: urls.count) { i in
            let result = Result { try preprocessing.prepare(urls[i]) }
            results.withLock { $0[i] = result }
        }
        return try (0..<urls.count).map { i in try results.withLock { $0[i]! }.get() }
    }

    /// Features of image files, batch by batch.
    /// - Parameter progress: called with `(images done, total)`.
    public func features(of urls: [URL], progress: (Int, Int) -> Void = { _, _ in }) throws -> [Features] {
        var features: [Features] = []
        features.reserveCapacity(urls.count)
        for start in stride(from: 0, to: urls.count, by: batchSize) {
            try cancellation.check()
            let chunk = Array(urls[start..<min(start + batchSize, urls.count)])
            features += try self.features(try prepare(chunk))
            progress(start + chunk.count, urls.count)
        }
        return features
    }

    /// Fits a model on defect-free image files.
    /// - Parameter progress: called with `(images done, total)` while features are extracted.
    public func fit(_ trainImages: [URL], progress: (Int, Int) -> Void = { _, _ in }) throws -> Model {
        guard !trainImages.isEmpty else { throw DatasetError("no training images") }
        let features = try features(of: trainImages, progress: progress)
        try cancellation.check()
        return try fit(features, trainingImages: trainImages.count)
    }

    /// `model` ready for scoring on the extractor's device.
    public func loaded(_ model: Model) throws -> FittedDetector<Self> {
        FittedDetector(detector: self, model: model, resident: try resident(model))
    }
}

/// A detector with a fitted model whose scoring state is on the device.
public struct FittedDetector<Detector: AnomalyDetector> {
    public let detector: Detector
    public let model: Detector.Model
    public let resident: Detector.Resident

    /// Image scores and anomaly maps of prepared images.
    public func score(_ images: [PreparedImage]) throws -> [AnomalyScore] {
        try detector.score(try detector.features(images), model: model, resident: resident)
    }
}

/// Problems shared by every detector's settings and model files.
public enum DetectorError: Error, CustomStringConvertible, Equatable {
    case invalidSettings(method: DetectionMethod, problem: String)
    case badModelFile(path: String, problem: String)

    public var description: String {
        switch self {
        case let .invalidSettings(method, problem): "invalid \(method.rawValue) settings: \(problem)"
        case let .badModelFile(path, problem): "\(path): not a usable FractalAD model: \(problem)"
        }
    }
}
