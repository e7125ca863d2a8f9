import Foundation
import Compute

/// Where a command writes: results to stdout, notes, errors and progress to stderr.
final class Console: @unchecked Sendable {
    /// Whether stderr is a terminal (then progress redraws one line; otherwise it prints plain lines).
    let interactive: Bool
    private let lock = NSLock()

    init(interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.interactive = interactive
    }

    func print(_ text: String) {
        lock.withLock { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    }

    func note(_ text: String) {
        lock.withLock { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    fileprivate func raw(_ text: String) {
        lock.withLock { FileHandle.standardError.write(Data(text.utf8)) }
    }
}

/// Progress of a long job: a redrawn bar with rate and ETA on a terminal, a plain line every few seconds in logs.
final class ProgressDisplay {
    private let console: Console
    private let label: String
    private let unit: String
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var firstDone: Int?
    private let interval: TimeInterval

    init(_ console: Console, label: String, unit: String) {
        self.console = console
        self.label = label
        self.unit = unit
        interval = console.interactive ? 0.2 : 10
    }

    /// Reports `done` of `total`; `skipped` units came from an earlier run and do not count towards the rate.
    func update(done: Int, total: Int, skipped: Int = 0, force: Bool = false) {
        let now = Date()
        if firstDone == nil { firstDone = skipped }
        guard force || now.timeIntervalSince(lastDraw) >= interval || done == total else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(started)
        let fresh = done - (firstDone ?? 0)
        let rate = elapsed > 0 ? Double(fresh) / elapsed : 0
        let remaining = rate > 0 ? Double(total - done) / rate : .nan
        let percent = total > 0 ? 100 * Double(done) / Double(total) : 100
        let numbers = String(format: "%d/%d %@ (%.1f%%), %.1f %@/s, elapsed %@, ETA %@", done, total, unit, percent,
                             rate, unit, Self.clock(elapsed), Self.clock(remaining))
        if console.interactive {
            let width = 24
            let filled = total > 0 ? min(width, width * done / total) : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            console.raw("\r\(label) [\(bar)] \(numbers)\u{1B}[K" + (done == total ? "\n" : ""))
        } else {
            console.note("\(label): \(numbers)")
        }
    }

    /// Ends an interactive bar that stopped before completion.
    func finish() {
        if console.interactive { console.raw("\n") }
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%02d:%02d", s / 60, s % 60)
    }
}

/// Turns the first Ctrl-C (SIGINT) or SIGTERM into a cancellation request; a second one exits at once.
enum InterruptHandler {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Undoes what a parent may have passed down: a blocked or ignored SIGINT/SIGTERM would make a stop request
    /// vanish (Foundation's `Process` can spawn children with signals blocked). Called first thing in `main`, before
    /// any thread starts, so every thread inherits the unblocked mask; until a command installs its handler the
    /// default action ends the process.
    static func restoreDefaults() {
        var set = sigset_t()
        sigemptyset(&set)
        for signalNumber in [SIGINT, SIGTERM] {
            sigaddset(&set, signalNumber)
            signal(signalNumber, SIG_DFL)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static func install(_ flag: CancellationFlag, console: Console) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if flag.isCancelled { exit(130) }
                console.note("\ninterrupted: finishing the files in progress (press Ctrl-C again to quit at once)")
                flag.cancel()
            }
            source.resume()
            sources.append(source)
        }
    }
}
