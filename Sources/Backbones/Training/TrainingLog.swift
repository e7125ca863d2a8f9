import Foundation
import Imaging

/// The per-epoch CSV log of a training run:
/// `epoch,learning_rate,train_loss,train_accuracy,eval_loss,eval_accuracy,images,seconds,images_per_second`.
/// Evaluation columns are empty for epochs without an evaluation. Rows are appended and flushed one at a time, so
/// the file survives an interruption; a resumed run keeps the rows of the epochs its checkpoint holds and appends.
public final class TrainingLog {
    public static let header =
        "epoch,learning_rate,train_loss,train_accuracy,eval_loss,eval_accuracy,images,seconds,images_per_second"
    public let url: URL

    /// Opens `url`; a new run starts the file with the header.
    /// - Parameter resumingAfter: on a resume, the epochs the checkpoint finished: their rows are kept, later ones
    ///   (logged after the checkpoint by a process that was then killed) are dropped, since the resumed run trains
    ///   those epochs again.
    init(url: URL, resumingAfter finishedEpochs: Int?) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var lines = [Self.header]
        if let finishedEpochs, let old = try? String(contentsOf: url, encoding: .utf8) {
            lines += old.split(separator: "\n").dropFirst().filter { row in
                guard let epoch = Int(row.prefix { $0 != "," }) else { return false }
                return epoch <= finishedEpochs
            }.map(String.init)
        }
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: url)
    }

    func append(_ summary: EpochSummary) throws {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((Self.row(summary) + "\n").utf8))
    }

    static func row(_ s: EpochSummary) -> String {
        let evaluation = s.evaluation.map { String(format: "%.6f,%.6f", $0.loss, $0.accuracy) } ?? ","
        return String(format: "%d,%.8g,%.6f,%.6f,", s.epoch + 1, s.learningRate, s.totals.meanLoss,
                      s.totals.accuracy) + evaluation
            + String(format: ",%d,%.3f,%.2f", s.totals.images, s.totals.seconds, s.imagesPerSecond)
    }
}
