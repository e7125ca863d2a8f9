import Foundation
import Testing
@testable import Fractals

@Suite struct IFSSamplerTests {
    @Test func sampledSystemsSatisfyTheConstraintsOfAndersonAndFarrell() throws {
        let sampler = try IFSSampler(minMaps: 2, maxMaps: 4)
        var mapCounts = Set<Int>()
        var negativeDeterminants = 0, maps = 0
        for index in 0..<4_000 {
            let system = sampler.system(index: index, seed: 11)
            let n = system.maps.count
            mapCounts.insert(n)
            let range = IFSSampler.defaultSigmaFactorRange(maps: n)
            // Parameters are stored with 12 significant digits, so allow a little slack.
            #expect(system.sigmaFactor >= range.lowerBound - 1e-9 && system.sigmaFactor <= range.upperBound + 1e-9,
                    "system \(index): σ-factor \(system.sigmaFactor) outside \(range)")
            for map in system.maps {
                let (s1, s2) = map.singularValues
                #expect(s1 <= 1 + 1e-9, "system \(index): σ1 = \(s1)")
                #expect(s2 >= 0 && s2 <= s1 + 1e-12)
                #expect(abs(map.e) <= 1 && abs(map.f) <= 1)
                if map.determinant < 0 { negativeDeterminants += 1 }
                maps += 1
            }
            #expect(abs(system.probabilities.reduce(0, +) - 1) < 1e-12)
            for (map, p) in zip(system.maps, system.probabilities) {
                let expected = abs(map.determinant) / system.maps.reduce(0) { $0 + abs($1.determinant) }
                #expect(abs(p - expected) < 1e-12)
            }
        }
        #expect(mapCounts == [2, 3, 4])
        // U and V are rotations or reflections with probability ½ each, so about half the maps reflect.
        let share = Double(negativeDeterminants) / Double(maps)
        #expect(share > 0.45 && share < 0.55, "\(share) of maps have det < 0")
    }

    @Test func sameSeedSameFileOtherSeedOtherFile() throws {
        let sampler = try IFSSampler()
        let a = try SystemsFile.sample(count: 50, sampler: sampler, seed: 3).encoded()
        let b = try SystemsFile.sample(count: 50, sampler: sampler, seed: 3).encoded()
        let c = try SystemsFile.sample(count: 50, sampler: sampler, seed: 4).encoded()
        #expect(a == b)
        #expect(a != c)
        // System i does not depend on how many are drawn.
        let longer = SystemsFile.sample(count: 80, sampler: sampler, seed: 3)
        #expect(Array(longer.systems.prefix(50)) == SystemsFile.sample(count: 50, sampler: sampler, seed: 3).systems)
    }

    @Test func customSigmaFactorRangeIsHonoured() throws {
        let sampler = try IFSSampler(minMaps: 3, maxMaps: 3, sigmaFactorRange: 2.0...2.5)
        for index in 0..<500 {
            let factor = sampler.system(index: index, seed: 1).sigmaFactor
            #expect(factor >= 2.0 - 1e-9 && factor <= 2.5 + 1e-9)
        }
        #expect(throws: IFSError.self) { try IFSSampler(minMaps: 2, maxMaps: 9) }
        #expect(throws: IFSError.self) { try IFSSampler(minMaps: 3, maxMaps: 2) }
        #expect(throws: IFSError.self) { try IFSSampler(minMaps: 2, maxMaps: 2, sigmaFactorRange: 0...7) }
    }

    @Test func singularValuesAndFixedPointsMatchTheirDefinitions() throws {
        let map = AffineMap(a: 0.3, b: -0.4, c: 0.2, d: 0.5, e: 0.1, f: -0.7)
        let (s1, s2) = map.singularValues
        // σ1² + σ2² = ‖A‖_F², σ1·σ2 = |det A|.
        #expect(abs(s1 * s1 + s2 * s2 - (0.09 + 0.16 + 0.04 + 0.25)) < 1e-12)
        #expect(abs(s1 * s2 - abs(map.determinant)) < 1e-12)
        let p = try #require(map.fixedPoint)
        #expect(abs(map.a * p.x + map.b * p.y + map.e - p.x) < 1e-12)
        #expect(abs(map.c * p.x + map.d * p.y + map.f - p.y) < 1e-12)
    }
}

@Suite struct SystemsFileTests {
    static func decode(_ text: String) throws -> SystemsFile {
        try SystemsFile.decode(Data(text.utf8), name: "test.json")
    }

    static func file(_ systems: String) -> String {
        "{\"format\": \"fractalad-ifs\", \"version\": 1, \"sampler\": null, \"systems\": [\(systems)]}"
    }

    @Test func roundTripKeepsEveryNumber() throws {
        let original = SystemsFile.sample(count: 20, sampler: try IFSSampler(minMaps: 2, maxMaps: 7), seed: 9)
        let decoded = try SystemsFile.decode(try original.encoded(), name: "round trip")
        #expect(decoded.systems == original.systems)
        #expect(decoded.sampler == original.sampler)
    }

    @Test func probabilitiesMayBeOmittedOrGiven() throws {
        let implicit = try Self.decode(Self.file("{\"maps\": [[0.5,0,0,0.5,0,0], [0.25,0,0,0.25,1,0]]}"))
        #expect(abs(implicit.systems[0].probabilities[0] - 0.8) < 1e-12)
        let explicit = try Self.decode(Self.file(
            "{\"maps\": [[0.5,0,0,0.5,0,0], [0.25,0,0,0.25,1,0]], \"probabilities\": [1, 3]}"))
        #expect(explicit.systems[0].probabilities == [0.25, 0.75])
    }

    @Test(arguments: [
        ("not json at all", "not valid JSON"),
        ("{\"format\": \"other\", \"version\": 1, \"systems\": []}", "format is 'other'"),
        ("{\"format\": \"fractalad-ifs\", \"version\": 7, \"systems\": []}", "version 7"),
        (SystemsFileTests.file(""), "holds no systems"),
        (SystemsFileTests.file("{\"maps\": [[0.5,0,0,0.5,0,0]]}, {\"maps\": [[0.5,0,0,0.5,0]]}"),
         "systems[1].maps[0]: has 5 numbers"),
        (SystemsFileTests.file("{\"maps\": [[1.5,0,0,0.5,0,0]]}"), "systems[0].maps[0]: is not a contraction"),
        (SystemsFileTests.file("{\"maps\": []}"), "systems[0]: a system needs 1 to 8 maps"),
        (SystemsFileTests.file("{\"maps\": [[0,0,0,0,0,0]]}"), "every map is singular"),
        (SystemsFileTests.file("{\"maps\": [[0.5,0,0,0.5,0,0]], \"probabilities\": [-1]}"), "non-negative"),
        (SystemsFileTests.file("{\"mapz\": [[0.5,0,0,0.5,0,0]]}"), "missing key 'maps'"),
        (SystemsFileTests.file("{\"maps\": [[0.5,0,\"x\",0.5,0,0]]}"), "unexpected value at systems[0].maps[0][2]"),
        // Issue 7 item 12: valid JSON whose numbers do not fit the field is not called "not valid JSON".
        ("{\"format\": \"fractalad-ifs\", \"version\": 1.5, \"systems\": []}",
         "holds a value of the wrong type or range"),
        ("{\"format\": \"fractalad-ifs\", \"version\": 1, \"sampler\": {\"seed\": -1, \"minMaps\": 2, "
            + "\"maxMaps\": 3, \"translationBound\": 1, \"sigmaFactorRange\": null}, \"systems\": []}",
         "holds a value of the wrong type"),
    ])
    func malformedFilesNameTheProblemAndPlace(_ text: String, _ expected: String) {
        do {
            _ = try Self.decode(text)
            Issue.record("accepted a bad file; expected an error containing \"\(expected)\"")
        } catch {
            #expect("\(error)".contains(expected), "message was: \(error)")
            #expect("\(error)".contains("test.json"))
        }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: IFSError.self) { try SystemsFile.load(URL(fileURLWithPath: "/nonexistent/systems.json")) }
    }
}
