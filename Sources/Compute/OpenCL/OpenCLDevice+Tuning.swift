import Foundation

extension OpenCLDevice {
    /// The variant of `kernel` to launch for problems of `shapeClass`.
    ///
    /// In ``KernelTuningMode/automatic`` mode the first call for a (kernel, class) looks in the tuning cache and, on a
    /// miss, times every candidate on the class's problem, keeps the fastest median of three and stores it. Later
    /// calls are a dictionary lookup.
    func parameters(for kernel: TunableKernel, _ shapeClass: TuningShapeClass) throws -> KernelParameters {
        switch tuningMode {
        case .fixed:
            return kernel.fallback(for: descriptor.properties)
        case .forced(let table):
            return table[kernel] ?? kernel.fallback(for: descriptor.properties)
        case .automatic:
            let key = TuningCache.key(device: descriptor, source: try KernelSources.source(named: kernel.program),
                                      kernel: kernel, shapeClass: shapeClass)
            if let known = tuned.withLock({ $0[key] }) { return known }
            return try tuningLock.withLock { _ in
                if let known = tuned.withLock({ $0[key] }) { return known }
                let candidates = kernel.candidates(for: descriptor.properties)
                let (entries, warning) = tuningCache.load()
                if let warning { TuningLog.warn(warning) }
                if let entry = entries[key], candidates.contains(entry.variant) {
                    tuned.withLock { $0[key] = entry.variant }
                    return entry.variant
                }
                return try tuneAndStore(kernel, shapeClass, key: key, candidates: candidates).winner
            }
        }
    }

    /// The kernels this device's shape launches that have tuned variants.
    public var tunableKernels: [TunableKernel] {
        [nearestNeighborsKernel] + (variant == .cpu ? [.conv2dCPU, .conv2dBackwardFilterCPU, .gemmCPU] : [])
    }

    /// `fractalad tune`: times every variant of every tunable kernel for every shape class and caches the winners,
    /// replacing earlier ones. `progress` sees each result as it is found.
    public func tuneAll(progress: (TuningResult) -> Void) throws -> [TuningResult] {
        try tuningLock.withLock { _ in
            var results: [TuningResult] = []
            for kernel in tunableKernels {
                let source = try KernelSources.source(named: kernel.program)
                for shapeClass in kernel.shapeClasses {
                    let key = TuningCache.key(device: descriptor, source: source, kernel: kernel,
                                              shapeClass: shapeClass)
                    let result = try tuneAndStore(kernel, shapeClass, key: key,
                                                  candidates: kernel.candidates(for: descriptor.properties))
                    progress(result)
                    results.append(result)
                }
            }
            return results
        }
    }

    private func tuneAndStore(_ kernel: TunableKernel, _ shapeClass: TuningShapeClass, key: String,
                              candidates: [KernelParameters]) throws -> TuningResult {
        let result = try tune(kernel, shapeClass, candidates: candidates) { candidate in
            switch kernel {
            case .nearestNeighborsCPU, .nearestNeighborsGPU: try timeNearestNeighbors(candidate, shapeClass)
            case .conv2dCPU, .conv2dBackwardFilterCPU: try timeConv(kernel, candidate)
            case .gemmCPU: try timeGemm(candidate)
            }
        }
        tuned.withLock { $0[key] = result.winner }
        let best = result.seconds.first { $0.0 == result.winner }?.1 ?? 0
        if let failure = tuningCache.store(.init(key: key, variant: result.winner, seconds: best)) {
            TuningLog.warn(failure)
        }
        return result
    }

    /// Times every candidate (one warm-up, then the best of three runs, which shuts out most of the noise of a shared
    /// machine) and returns the fastest.
    func tune(_ kernel: TunableKernel, _ shapeClass: TuningShapeClass, candidates: [KernelParameters],
              measure: (KernelParameters) throws -> Double) throws -> TuningResult {
        TuningLog.note("tuning \(kernel.program).cl:\(kernel.rawValue) for \(shapeClass) on \(info.identifier) "
            + "(\(candidates.count) variants, once; cached in \(tuningCache.url.path))")
        var seconds: [(KernelParameters, Double)] = []
        for candidate in candidates {
            _ = try measure(candidate)
            let runs = try (0..<3).map { _ in try measure(candidate) }
            seconds.append((candidate, runs.min()!))
        }
        let winner = seconds.min { $0.1 < $1.1 }?.0 ?? kernel.fallback(for: descriptor.properties)
        return TuningResult(kernel: kernel, shapeClass: shapeClass, seconds: seconds, winner: winner)
    }
}

/// Messages of the tuner on standard error: warnings always, progress notes only on a terminal.
enum TuningLog {
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("fractalad: warning: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        guard isatty(2) != 0 else { return }
        FileHandle.standardError.write(Data("fractalad: \(message)\n".utf8))
    }
}

/// Seeded values in [0, 1) for the tuners' problems (a linear congruential generator: no dependence on the
/// test helpers, and cheap for millions of values).
func tuningValues(_ count: Int, seed: UInt32) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return Float(state >> 8) / Float(1 << 24)
    }
}
