import Compute
import Foundation
import Imaging

/// Progress of a long job, reported after every finished unit.
public struct JobProgress: Sendable {
    public var done: Int
    public var total: Int
    /// Units skipped because an earlier run had finished them.
    public var skipped: Int
}

/// Writes a dataset in ImageFolder layout: `<root>/<class>/<class>_<instance>.png`, plus `systems.json` and the
/// manifest.
///
/// Resumable: an image whose file exists is complete (every file is written to a temporary name and renamed), so a
/// rerun renders only the missing ones and ends with exactly the files an uninterrupted run writes. A run stops
/// between batches when its ``CancellationFlag`` is set, finishing the files in flight; stale temporary files of
/// killed runs are removed at start. A folder holding a dataset with other parameters is refused.
public final class DatasetWriter {
    public let spec: DatasetSpec
    public let systems: SystemsFile
    public let root: URL
    public let shard: Shard
    public let device: any Device
    /// Images rendered per device batch.
    public let batchSize: Int

    public static let systemsFileName = "systems.json"

    public init(spec: DatasetSpec, systems: SystemsFile, root: URL, shard: Shard = .whole, device: any Device,
                batchSize: Int? = nil) throws {
        try spec.validate()
        guard systems.systems.count >= spec.requiredSystems else {
            throw IFSError.invalid("the dataset needs \(spec.requiredSystems) systems (\(spec.classes) classes × "
                + "\(spec.systemsPerClass) per class) but only \(systems.systems.count) are available")
        }
        self.spec = spec
        self.systems = systems
        self.root = root
        self.shard = shard
        self.device = device
        // A batch's intermediate buffers (points, counts, RGB) pass through every stage: on a CPU device keep them
        // near the last-level cache (each stage would otherwise stream them from memory); a GPU wants many images
        // in flight.
        let perImage = spec.render.points * 8 + spec.render.size * spec.render.size * 7
        let budget = device.info.type == .gpu ? 512 << 20 : 48 << 20
        self.batchSize = batchSize ?? max(4, min(256, budget / perImage))
    }

    /// Generates the shard's missing images.
    /// - Returns: the final manifest (status `complete`, or `interrupted` when `cancellation` stopped the run).
    public func run(cancellation: CancellationFlag = CancellationFlag(),
                    progress: (JobProgress) -> Void = { _ in }) throws -> DatasetManifest {
        let started = Date()
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: root, withIntermediateDirectories: true)
        let systemsData = try systems.encoded()
        var manifest = DatasetManifest(spec: spec, shard: shard, systemsFile: Self.systemsFileName,
                                       systemsHash: fnv1a64(systemsData), status: .inProgress,
                                       images: shard.range(of: spec.imageCount).count,
                                       summary: .init())
        try checkCompatible(with: manifest, systemsData: systemsData)
        removeStaleTemporaryFiles()
        try writeManifest(manifest)

        let indices = Array(shard.range(of: spec.imageCount))
        var missing: [Int] = []
        for index in indices where !fileManager.fileExists(atPath: url(ofImage: index).path) { missing.append(index) }
        manifest.summary.alreadyPresent = indices.count - missing.count
        for folder in Set(missing.map { url(ofImage: $0).deletingLastPathComponent() }) {
            try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        manifest.summary.device = device.info.identifier

        var fills: [Double] = []
        var done = manifest.summary.alreadyPresent
        progress(JobProgress(done: done, total: indices.count, skipped: manifest.summary.alreadyPresent))
        let writer = BatchFileWriter(compressionLevel: spec.compressionLevel)
        let renderer = try FractalRenderer(device: device, settings: spec.mode == .multi ? objectSettings : spec.render,
                                           seed: spec.seed)
        var start = 0
        while start < missing.count && !cancellation.isCancelled {
            let batch = Array(missing[start..<min(start + batchSize, missing.count)])
            let rendered = try render(batch, with: renderer)
            for (slot, outcome) in rendered.outcomes.enumerated() {
                fills.append(outcome.fill)
                if outcome.attempts > 1 { manifest.summary.redrawn += 1 }
                if !outcome.meetsMinimumFill {
                    manifest.summary.belowMinimumFill.append(spec.relativePath(ofImage: batch[slot]))
                }
            }
            try writer.enqueue(rendered, to: batch.map(url(ofImage:))) {
                done += $0
                progress(JobProgress(done: done, total: indices.count, skipped: manifest.summary.alreadyPresent))
            }
            start += batch.count
        }
        try writer.finish { done += $0 }
        progress(JobProgress(done: done, total: indices.count, skipped: manifest.summary.alreadyPresent))

        manifest.summary.rendered = fills.count
        manifest.summary.minimumFill = fills.min()
        manifest.summary.meanFill = fills.isEmpty ? nil : fills.reduce(0, +) / Double(fills.count)
        manifest.summary.seconds = Date().timeIntervalSince(started)
        manifest.status = done == indices.count ? .complete : .interrupted
        try writeManifest(manifest)
        return manifest
    }

    public func url(ofImage index: Int) -> URL { root.appending(path: spec.relativePath(ofImage: index)) }

    // MARK: Rendering

    /// Settings of the objects of multi-instance images: half size, stamped, not blurred (the composite is).
    private var objectSettings: RenderSettings {
        var settings = spec.render
        settings.size = max(8, spec.render.size / 2)
        settings.patch = true
        settings.blurProbability = 0
        settings.background = false
        return settings
    }

    private func render(_ batch: [Int], with renderer: FractalRenderer) throws -> RenderedBatch {
        switch spec.mode {
        case .oneInstance, .instances:
            let jobs = batch.map { RenderJob(system: systems.systems[spec.systemIndex(ofImage: $0)], imageIndex: $0) }
            return try renderer.render(jobs)
        case .multi:
            return try MultiInstanceComposer(spec: spec, systems: systems.systems, renderer: renderer).render(batch)
        }
    }

    // MARK: Folder state

    private func checkCompatible(with manifest: DatasetManifest, systemsData: Data) throws {
        let fileManager = FileManager.default
        let manifestURL = root.appending(path: DatasetManifest.fileName(for: shard))
        if fileManager.fileExists(atPath: manifestURL.path) {
            let existing: DatasetManifest
            do {
                existing = try JSONDecoder().decode(DatasetManifest.self, from: Data(contentsOf: manifestURL))
            } catch {
                throw IFSError.invalid("\(manifestURL.path) exists but cannot be read (\(error)); "
                    + "remove it or choose another output folder")
            }
            guard existing.spec == spec, existing.systemsHash == manifest.systemsHash else {
                throw IFSError.invalid("\(root.path) holds a dataset generated with other parameters or systems "
                    + "(see \(manifestURL.lastPathComponent)); choose another output folder to start a new one")
            }
        }
        let systemsURL = root.appending(path: Self.systemsFileName)
        if let existing = try? Data(contentsOf: systemsURL) {
            guard existing == systemsData else {
                throw IFSError.invalid("\(systemsURL.path) holds other systems; choose another output folder")
            }
        } else {
            try AtomicFile.write(systemsData, to: systemsURL)
        }
    }

    private func writeManifest(_ manifest: DatasetManifest) throws {
        try AtomicFile.write(try manifest.encoded(), to: root.appending(path: DatasetManifest.fileName(for: shard)))
    }

    /// Deletes `*.tmp-*` files that a killed run left in the class folders.
    private func removeStaleTemporaryFiles() {
        let fileManager = FileManager.default
        guard let classes = try? fileManager.contentsOfDirectory(atPath: root.path) else { return }
        for folder in classes {
            let folderURL = root.appending(path: folder)
            guard let files = try? fileManager.contentsOfDirectory(atPath: folderURL.path) else { continue }
            for file in files where file.contains(".tmp-") {
                try? fileManager.removeItem(at: folderURL.appending(path: file))
            }
        }
    }
}

/// Encodes and writes rendered batches on background threads while the device renders the next batch.
final class BatchFileWriter: @unchecked Sendable {
    private let compressionLevel: Int
    private let queue = DispatchQueue(label: "fractalad.png-writer")
    private let group = DispatchGroup()
    private let slots = DispatchSemaphore(value: 2)
    private let firstError = Locked<Error?>(nil)
    private let finished = Locked<[Int]>([])

    init(compressionLevel: Int) { self.compressionLevel = compressionLevel }

    /// Queues `batch` for writing (waiting while two batches are already queued); `written` is called on the
    /// calling thread with the number of files finished since the last call.
    func enqueue(_ batch: RenderedBatch, to urls: [URL], written: (Int) -> Void) throws {
        try rethrowFirstError()
        slots.wait()
        group.enter()
        queue.async { [self] in
            defer { slots.signal(); group.leave() }
            let level = compressionLevel
            let size = batch.size
            let errors = Locked<[Error]>([])
            DispatchQueue.concurrentPerform(iterations: batch.count) { i in
                do {
                    try batch.withImage(i) { pixels in
                        try PNG.write(pixels: pixels, width: size, height: size, channels: 3, to: urls[i],
                                      compressionLevel: level)
                    }
                } catch {
                    errors.withLock { $0.append(error) }
                }
            }
            let failures = errors.withLock { $0 }
            if let error = failures.first { firstError.withLock { if $0 == nil { $0 = error } } }
            finished.withLock { $0.append(batch.count - failures.count) }
        }
        drain(written)
    }

    /// Waits for every queued batch.
    func finish(written: (Int) -> Void) throws {
        group.wait()
        drain(written)
        try rethrowFirstError()
    }

    private func drain(_ written: (Int) -> Void) {
        let counts = finished.withLock { counts -> [Int] in
            defer { counts.removeAll() }
            return counts
        }
        for count in counts { written(count) }
    }

    private func rethrowFirstError() throws {
        if let error = firstError.withLock({ $0 }) { throw error }
    }
}
