import Foundation
import Fractals

/// `fractalad ifs`: samples iterated function systems into a systems file.
enum IFSCommand: Command {
    static let name = "ifs"
    static let summary = "sample random contractive iterated function systems (Anderson & Farrell 2022) into a JSON file"
    static let synopsis = "--num-systems N --out FILE [--min-maps 2] [--max-maps 4] [--seed S]"
    static let options: [OptionSpec] = [
        .value("num-systems", "N", "number of systems to sample (required)"),
        .value("out", "FILE", "systems file to write (required)"),
        .value("min-maps", "N", "fewest maps per system (default 2)"),
        .value("max-maps", "N", "most maps per system, at most 8 (default 4)"),
        .value("translation-bound", "B", "translations are uniform on [-B, B] (default 1)"),
        .value("sigma-min", "A", "lower bound of the σ-factor (default (5+N)/2 for N maps)"),
        .value("sigma-max", "A", "upper bound of the σ-factor (default (6+N)/2)"),
        .value("seed", "S", "random seed (default 0)"),
    ]

    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 {
        guard let count = try arguments.int("num-systems", in: 1...50_000_000) else {
            throw UsageError("--num-systems is required")
        }
        let out = URL(fileURLWithPath: try arguments.required("out"))
        let sampler = try sampler(from: arguments)
        let seed = try arguments.uint64("seed", default: 0)
        let file = SystemsFile.sample(count: count, sampler: sampler, seed: seed)
        try file.write(to: out)
        console.print("wrote \(count) systems to \(out.path)")
        return 0
    }

    static func sampler(from arguments: Arguments) throws -> IFSSampler {
        let minMaps = try arguments.int("min-maps", default: 2, in: 1...8)!
        let maxMaps = try arguments.int("max-maps", default: 4, in: 1...8)!
        guard minMaps <= maxMaps else { throw UsageError("--min-maps \(minMaps) exceeds --max-maps \(maxMaps)") }
        let bound = try arguments.double("translation-bound", default: 1, in: 1e-6...1e3)!
        let low = try arguments.double("sigma-min"), high = try arguments.double("sigma-max")
        var range: ClosedRange<Double>?
        switch (low, high) {
        case (nil, nil): range = nil
        case let (low?, high?):
            guard low <= high else { throw UsageError("--sigma-min \(low) exceeds --sigma-max \(high)") }
            range = low...high
        default: throw UsageError("give both --sigma-min and --sigma-max, or neither")
        }
        do {
            return try IFSSampler(minMaps: minMaps, maxMaps: maxMaps, translationBound: bound, sigmaFactorRange: range)
        } catch let error as IFSError {
            throw UsageError(error.description)
        }
    }
}
