import Foundation

/// Files under `Tests/ImagingTests/Fixtures` (made by `Fixtures/make_fixtures.py`).
enum Fixtures {
    static func url(_ path: String) throws -> URL {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return root.appendingPathComponent(path)
    }
}
