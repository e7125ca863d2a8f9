@testable import AnomalyDetection
import Testing

@Suite struct ValidationTests {
    private let map = try! ScoreMap(width: 2, height: 2, scores: [0.1, 0.9, 0.4, 0.3])
    private let mask = try! GroundTruthMask(width: 2, height: 2, isAnomalous: [false, true, false, false])

    @Test func imageLevelInputs() {
        #expect(throws: MetricsError.emptyInput("no image scores")) { try ImageEvaluation(scores: [Double](), labels: []) }
        #expect(throws: MetricsError.countMismatch("image labels for 2 scores", expected: 2, got: 1)) {
            try ImageEvaluation(scores: [0.1, 0.2], labels: [true])
        }
        #expect(throws: MetricsError.nonFiniteScore(image: 2, pixel: nil, value: .infinity)) {
            try ImageEvaluation(scores: [0.1, 0.2, .infinity], labels: [true, false, true])
        }
        #expect(throws: MetricsError.self) { try ImageEvaluation(scores: [0.1, .nan], labels: [true, false]) }
        #expect(throws: MetricsError.singleClass("image metrics: all 3 images are anomalous")) {
            try ImageEvaluation(scores: [0.1, 0.2, 0.3], labels: [true, true, true])
        }
        #expect(throws: MetricsError.singleClass("image metrics: all 2 images are normal")) {
            try ImageEvaluation(scores: [0.1, 0.2], labels: [false, false])
        }
    }

    @Test func nanScoreNamesImageAndPixel() throws {
        let bad = try ScoreMap(width: 2, height: 2, scores: [0.1, 0.2, .nan, 0.3])
        do {
            _ = try PixelEvaluation(maps: [map, map, bad], masks: [mask, mask, mask])
            Issue.record("NaN accepted")
        } catch let MetricsError.nonFiniteScore(image, pixel, value) {
            #expect(image == 2 && pixel == 2 && value.isNaN)
        }
        let badNormal = try ScoreMap(width: 2, height: 2, scores: [0.1, -.infinity, 0.2, 0.3])
        #expect(throws: MetricsError.nonFiniteScore(image: 1, pixel: 1, value: -.infinity)) {
            try PixelEvaluation(maps: [map, badNormal], masks: [mask, try .normal(width: 2, height: 2)])
        }
    }

    @Test func pixelLevelShapes() throws {
        #expect(throws: MetricsError.emptyInput("no score maps")) { try PixelEvaluation(maps: [], masks: []) }
        #expect(throws: MetricsError.countMismatch("masks for 2 score maps", expected: 2, got: 1)) {
            try PixelEvaluation(maps: [map, map], masks: [mask])
        }
        let wide = try GroundTruthMask(width: 4, height: 1, isAnomalous: [true, false, false, false])
        #expect(throws: MetricsError.sizeMismatch(image: 1, mapWidth: 2, mapHeight: 2, maskWidth: 4, maskHeight: 1)) {
            try PixelEvaluation(maps: [map, map], masks: [mask, wide])
        }
        #expect(throws: MetricsError.invalidSize("score map", width: 3, height: 2, valueCount: 4)) {
            try ScoreMap(width: 3, height: 2, scores: [0, 0, 0, 0])
        }
        #expect(throws: MetricsError.invalidSize("mask", width: 0, height: 0, valueCount: 0)) {
            try GroundTruthMask(width: 0, height: 0, isAnomalous: [])
        }
    }

    @Test func singleClassPixels() throws {
        let normal = try GroundTruthMask.normal(width: 2, height: 2)
        #expect(throws: MetricsError.singleClass("pixel metrics: no mask has an anomalous pixel")) {
            try PixelEvaluation(maps: [map, map], masks: [normal, normal])
        }
        let full = try GroundTruthMask(width: 2, height: 2, isAnomalous: [true, true, true, true])
        #expect(throws: MetricsError.singleClass("pixel metrics: every mask pixel is anomalous")) {
            try PixelEvaluation(maps: [map], masks: [full])
        }
        // Fully anomalous masks plus a normal image: the full variant exists, the anomalous-only one does not.
        let evaluation = try PixelEvaluation(maps: [map, map], masks: [full, normal])
        #expect(evaluation.anomalousImagesOnly == nil)
        #expect(evaluation.allImages.auroc == 0.5)
    }

    @Test func options() throws {
        for limit in [0, -0.1, 1.5, .nan] {
            #expect(throws: MetricsError.self) {
                try PixelEvaluation(maps: [map], masks: [mask], options: PixelEvaluationOptions(proIntegrationLimit: limit))
            }
        }
        #expect(throws: MetricsError.invalidArgument("0 threads")) {
            try PixelEvaluation(maps: [map], masks: [mask], options: PixelEvaluationOptions(threads: 0))
        }
        #expect(throws: MetricsError.invalidArgument("curve thinning step 0.0 is not in (0, 1]")) {
            try PixelEvaluation(maps: [map], masks: [mask], options: PixelEvaluationOptions(curveDetail: .thinned(step: 0)))
        }
    }

    @Test func maskBinarization() throws {
        #expect(throws: MetricsError.nonBinaryMask(pixel: 2, value: 255)) {
            try GroundTruthMask(width: 2, height: 2, values: [0, 1, 255, 0] as [UInt8], rule: .strict)
        }
        #expect(throws: MetricsError.nonBinaryMask(pixel: 1, value: 0.5)) {
            try GroundTruthMask(width: 2, height: 1, values: [0, 0.5] as [Float], rule: .strict)
        }
        #expect(throws: MetricsError.self) {
            try GroundTruthMask(width: 2, height: 1, values: [0, .nan] as [Float], rule: .nonZero)
        }
        let png: [UInt8] = [0, 255, 128, 1]
        #expect(try GroundTruthMask(width: 2, height: 2, values: png, rule: .nonZero).isAnomalous == [false, true, true, true])
        #expect(try GroundTruthMask(width: 2, height: 2, values: png, rule: .atLeast(255)).isAnomalous == [false, true, false, false])
        // PatchCore's astype(int) on a bilinearly resized mask: only exactly 1.0 is anomalous.
        let soft: [Float] = [0, 0.999, 1, 0.5]
        #expect(try GroundTruthMask(width: 2, height: 2, values: soft, rule: .atLeast(1)).isAnomalous == [false, false, true, false])
        #expect(throws: MetricsError.invalidSize("mask", width: 3, height: 1, valueCount: 2)) {
            try GroundTruthMask(width: 3, height: 1, values: [0, 1] as [UInt8], rule: .strict)
        }
    }

    @Test func messagesNameTheProblem() {
        #expect(MetricsError.nonFiniteScore(image: 4, pixel: 17, value: .nan).description
                == "image 4, pixel 17: score is nan; scores must be finite")
        #expect(MetricsError.sizeMismatch(image: 3, mapWidth: 224, mapHeight: 224, maskWidth: 256, maskHeight: 256).description
                == "image 3: score map is 224×224 but its mask is 256×256")
        #expect(MetricsError.nonBinaryMask(pixel: 9, value: 255).description.contains("binarise it explicitly"))
    }
}
