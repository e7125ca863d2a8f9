@testable import AnomalyDetection
import Foundation
import Testing

/// Reference answers written by `Fixtures/make_metric_fixtures.py` with scikit-learn and scipy.
struct MetricFixtures: Decodable {
    struct F1: Decodable {
        let value: Double
        let threshold: Double
        /// False when another threshold reaches the same F1 within 1e-12 (then only the value is compared).
        let unique: Bool
    }

    struct ImageCase: Decodable {
        let name: String
        let scores: [Double]
        let labels: [Bool]
        let auroc: Double
        let roc_fpr: [Double]
        let roc_tpr: [Double]
        let roc_thresholds: [Double]
        let f1_max: F1
    }

    struct Image: Decodable {
        let width: Int
        let height: Int
        let scores: [Float]
        let mask: [UInt8]
    }

    struct PixelResult: Decodable {
        let auroc: Double
        let f1_max: F1
        let aupro: Double
    }

    struct PixelCase: Decodable {
        let name: String
        let images: [Image]
        let all_images: PixelResult
        let anomalous_images_only: PixelResult
    }

    struct LabelCase: Decodable {
        let width: Int
        let height: Int
        let mask: [UInt8]
        let labels: [Int32]
        let count: Int
    }

    let image_cases: [ImageCase]
    let pixel_cases: [PixelCase]
    let label_cases: [LabelCase]

    static func load() throws -> MetricFixtures {
        try JSONDecoder().decode(MetricFixtures.self, from: fixtureData("metric_fixtures.json"))
    }
}

@Suite struct FixtureTests {
    let fixtures: MetricFixtures

    init() throws { fixtures = try MetricFixtures.load() }

    @Test func fixturesArePresent() {
        #expect(fixtures.image_cases.count == 5 && fixtures.pixel_cases.count == 3 && fixtures.label_cases.count == 9)
    }

    /// `roc_auc_score`, `roc_curve(drop_intermediate=False)` and F1-max from `precision_recall_curve`.
    @Test func imageMetricsMatchScikitLearn() throws {
        for fixture in fixtures.image_cases {
            let evaluation = try ImageEvaluation(scores: fixture.scores, labels: fixture.labels)
            expectNear(evaluation.auroc, fixture.auroc, 1e-12, "\(fixture.name): AUROC")
            let points = Array(evaluation.roc.points.dropFirst())
            #expect(points.map(\.threshold) == fixture.roc_thresholds, "\(fixture.name): thresholds")
            #expect(points.count == fixture.roc_fpr.count)
            for (point, (fpr, tpr)) in zip(points, zip(fixture.roc_fpr, fixture.roc_tpr)) {
                expectNear(point.falsePositiveRate, fpr, 1e-12, "\(fixture.name): FPR at \(point.threshold)")
                expectNear(point.truePositiveRate, tpr, 1e-12, "\(fixture.name): TPR at \(point.threshold)")
            }
            expectNear(evaluation.f1Max.value, fixture.f1_max.value, 1e-12, "\(fixture.name): F1")
            if fixture.f1_max.unique { #expect(evaluation.f1Max.threshold == fixture.f1_max.threshold, "\(fixture.name)") }
        }
    }

    /// Pooled pixel AUROC and F1-max from scikit-learn, AUPRO from the NumPy transcription of the MVTec
    /// definition, for both image subsets.
    @Test func pixelMetricsMatchReferences() throws {
        for fixture in fixtures.pixel_cases {
            let maps = try fixture.images.map { try ScoreMap(width: $0.width, height: $0.height, scores: $0.scores) }
            let masks = try fixture.images.map { try GroundTruthMask(width: $0.width, height: $0.height, values: $0.mask, rule: .strict) }
            let evaluation = try PixelEvaluation(maps: maps, masks: masks)
            for (subset, expected) in [(ImageSubset.allImages, fixture.all_images), (.anomalousImagesOnly, fixture.anomalous_images_only)] {
                let metrics = try #require(evaluation[subset])
                let label = "\(fixture.name), \(subset)"
                expectNear(metrics.auroc, expected.auroc, 1e-12, "\(label): AUROC")
                expectNear(metrics.aupro.value, expected.aupro, 1e-12, "\(label): AUPRO")
                expectNear(metrics.f1Max.value, expected.f1_max.value, 1e-12, "\(label): F1")
                if expected.f1_max.unique { #expect(metrics.f1Max.threshold == expected.f1_max.threshold, "\(label)") }
            }
        }
    }

    /// `scipy.ndimage.label(mask, structure=np.ones((3, 3)))`, label for label.
    @Test func labelsMatchScipy() throws {
        for fixture in fixtures.label_cases {
            let mask = try GroundTruthMask(width: fixture.width, height: fixture.height, values: fixture.mask, rule: .strict)
            let components = ConnectedComponents(mask)
            #expect(components.labels == fixture.labels, "\(fixture.width)×\(fixture.height)")
            #expect(components.regionCount == fixture.count)
        }
    }
}
