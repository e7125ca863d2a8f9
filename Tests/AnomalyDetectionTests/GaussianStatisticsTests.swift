import Compute
import Foundation
import Testing
import TestSupport
@testable import AnomalyDetection

/// Issue 9 tests: Ledoit–Wolf against `sklearn.covariance.LedoitWolf`, Mahalanobis distances against
/// `scipy.spatial.distance.mahalanobis`, the Cholesky inverse against NumPy's float64 inverse of ill-conditioned
/// covariances (Fixtures/make_detector_fixtures.py).
@Suite struct GaussianStatisticsTests {
    struct LedoitWolfCase: Decodable {
        var n: Int, p: Int
        var x: [Double], mean: [Double], covariance: [Double], shrinkage: Double, precision: [Double]
        var queries: [Double], distances: [Double]
    }
    struct PaDiMCase: Decodable {
        var estimator: String
        var n: Int, height: Int, width: Int, d: Int
        var train: [Double], test: [Double], scores: [Double]
    }
    struct InverseCase: Decodable {
        var d: Int, condition: Double, matrix: [Double], inverse: [Double]
    }
    struct GaussianCase: Decodable {
        var n: Int, channels: [Int], train: [[Double]], test: [[Double]], scores: [Double]
    }
    struct SPADECase: Decodable {
        var n: Int, k: Int, side: Int, sigma: Double, grids: [[Int]]
        var train: [[Double]], test: [[Double]], trainPooled: [Double], testPooled: [Double]
        var scores: [Double], maps: [[Double]]
    }
    struct Fixtures: Decodable {
        var spade: SPADECase
        var gaussian: GaussianCase
        var ledoitWolf: [LedoitWolfCase]
        var padim: [PaDiMCase]
        var illConditioned: [InverseCase]
    }

    static let fixtures: Fixtures = try! JSONDecoder().decode(Fixtures.self, from: fixtureData("detector_fixtures.json"))

    static func devices() throws -> [any Device] { try TestDevices.all }

    /// Largest absolute difference relative to the largest reference magnitude.
    static func relativeError(_ got: [Double], _ expected: [Double]) -> Double {
        let scale = expected.map(abs).max() ?? 1
        return zip(got, expected).map { abs($0 - $1) }.max()! / scale
    }

    /// Tolerances: the scatter is a float32 GEMM of float32-representable inputs (relative error ≈ p·2⁻²⁴ of the
    /// largest entry); precision matrices amplify it by their condition number (below 10³ here).
    @Test(arguments: 0..<3)
    func ledoitWolfMatchesScikitLearn(_ index: Int) throws {
        let c = Self.fixtures.ledoitWolf[index]
        for device in try Self.devices() {
            let moments = try Covariance.moments([c.x.map(Float.init)], count: c.n, dimension: c.p, device: device)[0]
            #expect(Self.relativeError(moments.mean, c.mean) < 1e-6, "\(device.info.identifier) mean")
            let (covariance, shrinkage) = Covariance.ledoitWolf(moments)
            #expect(abs(shrinkage - c.shrinkage) < 1e-5, "\(device.info.identifier): \(shrinkage) vs \(c.shrinkage)")
            #expect(Self.relativeError(covariance, c.covariance) < 1e-5, "\(device.info.identifier) covariance")
            let precision = try Cholesky.inverse(covariance, dimension: c.p)
            #expect(Self.relativeError(precision, c.precision) < 1e-4, "\(device.info.identifier) precision")
            let floats = precision.map(Float.init), mean = moments.mean.map(Float.init)
            for q in 0..<(c.queries.count / c.p) {
                var scratch = [Float](repeating: 0, count: c.p)
                let query = c.queries[(q * c.p)..<((q + 1) * c.p)].map(Float.init)
                let distance = Mahalanobis.squared(query, mean: mean, precision: floats, dimension: c.p,
                                                   scratch: &scratch).squareRoot()
                expectNear(distance, c.distances[q], 1e-4 * c.distances[q], "distance \(q)")
            }
        }
    }

    /// The regularized estimator is `np.cov(x) + ε·I`.
    @Test func regularizedIsTheUnbiasedCovariancePlusEpsilon() throws {
        let c = Self.fixtures.ledoitWolf[0]
        let moments = try Covariance.moments([c.x.map(Float.init)], count: c.n, dimension: c.p,
                                             device: CPUDevice.reference)[0]
        let covariance = Covariance.regularized(moments, epsilon: 0.5)
        for i in 0..<c.p {
            for j in 0..<c.p {
                var expected = (0..<c.n).reduce(0.0) { sum, k in
                    sum + (c.x[k * c.p + i] - c.mean[i]) * (c.x[k * c.p + j] - c.mean[j])
                } / Double(c.n - 1)
                if i == j { expected += 0.5 }
                expectNear(covariance[i * c.p + j], expected, 1e-5 * max(1, abs(expected)), "(\(i), \(j))")
            }
        }
    }

    /// Float64 Cholesky inverses lose about `condition · 2⁻⁵²` relative accuracy; the tolerance allows 100× that.
    @Test(arguments: 0..<2)
    func choleskyInverseMatchesFloat64OnIllConditionedMatrices(_ index: Int) throws {
        let c = Self.fixtures.illConditioned[index]
        let inverse = try Cholesky.inverse(c.matrix, dimension: c.d)
        let error = Self.relativeError(inverse, c.inverse)
        #expect(error < 100 * c.condition * 0x1p-52, "relative error \(error) at condition \(c.condition)")
        // A·A⁻¹ = I to the same accuracy.
        for i in 0..<c.d {
            for j in 0..<c.d {
                let product = (0..<c.d).reduce(0.0) { $0 + c.matrix[i * c.d + $1] * inverse[$1 * c.d + j] }
                expectNear(product, i == j ? 1 : 0, 100 * c.condition * 0x1p-52, "(\(i), \(j))")
            }
        }
    }

    @Test func aMatrixThatIsNotPositiveDefiniteIsRefused() {
        // Eigenvalues 3 and −1.
        #expect(throws: Cholesky.NotPositiveDefinite.self) { try Cholesky.inverse([1, 2, 2, 1], dimension: 2) }
        #expect(throws: Cholesky.NotPositiveDefinite.self) { try Cholesky.inverse([.nan], dimension: 1) }
    }
}
