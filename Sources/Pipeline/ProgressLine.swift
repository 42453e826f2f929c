import Foundation
import Formats

/// The line `rate` redraws on standard error while it reads, when standard error is a terminal:
/// stored (compressed) bytes read of the total, events per second and the time left, e.g.
/// `rate: reading 312.4 MiB of 1.2 GiB (26%), 4.1M events/s, ETA 0:21`.
///
/// A thread of its own redraws it (`\r`, the text, clear to the end of the line) every
/// `intervalNanoseconds` from the `InputProgress` counters the reader updates once per block,
/// so the reading threads never wait for it. `finish` draws the final state and ends the line,
/// before anything else is written. Time comes from a monotonic clock and never reaches an
/// output. Figures are truncated, never rounded up, so 100% and a unit's next step are never
/// shown early.
///
/// `@unchecked Sendable`: the drawing thread reads only constants and the atomic counters;
/// `isRunning` belongs to the thread that calls `start` and `finish`.
public final class ProgressLine: @unchecked Sendable {
    /// The figures one line shows.
    public struct State: Equatable, Sendable {
        /// Stored bytes consumed so far.
        public var storedBytes: Int64
        /// The stored size of every input, when known before reading (not for standard input).
        public var totalBytes: Int64?
        /// Lines delivered so far (every line is an event or a reject).
        public var lines: Int64
        /// Time since reading started.
        public var elapsedNanoseconds: UInt64
        /// Whether reading has ended (the last line drawn).
        public var isDone: Bool

        /// Creates a state from its figures.
        public init(
            storedBytes: Int64, totalBytes: Int64?, lines: Int64, elapsedNanoseconds: UInt64,
            isDone: Bool
        ) {
            self.storedBytes = storedBytes
            self.totalBytes = totalBytes
            self.lines = lines
            self.elapsedNanoseconds = elapsedNanoseconds
            self.isDone = isDone
        }
    }

    /// The redraw interval: twice a second moves visibly without flicker.
    public static let intervalNanosecondsDefault: UInt64 = 500_000_000

    private let stage: String
    private let totalBytes: Int64?
    private let counters: InputProgress
    private let write: (String) -> Void
    private let now: () -> UInt64
    private let intervalNanoseconds: UInt64
    private let startNanoseconds: UInt64
    /// Signalled by `finish` to stop the drawing thread.
    private let stop = DispatchSemaphore(value: 0)
    /// Signalled by the drawing thread when it has stopped.
    private let stopped = DispatchSemaphore(value: 0)
    /// Touched by the thread that calls `start` and `finish` only.
    private var isRunning = false

    /// A progress line for `stage` over `counters`, drawn with `write`; `now` is a monotonic
    /// clock in nanoseconds. Nothing is drawn until `start`.
    public init(
        stage: String, totalBytes: Int64?, counters: InputProgress,
        intervalNanoseconds: UInt64 = ProgressLine.intervalNanosecondsDefault,
        now: @escaping () -> UInt64 = { DispatchTime.now().uptimeNanoseconds },
        write: @escaping (String) -> Void
    ) {
        precondition(intervalNanoseconds > 0, "intervalNanoseconds must be positive")
        self.stage = stage
        self.totalBytes = totalBytes
        self.counters = counters
        self.intervalNanoseconds = intervalNanoseconds
        self.now = now
        self.write = write
        startNanoseconds = now()
    }

    /// Whether a run draws the line: only on a terminal, and neither with `--quiet` nor with
    /// `--log-format json` (a log shipper reads that stream; a `\r` would corrupt it).
    public static func isWanted(
        standardErrorIsTerminal: Bool, quiet: Bool, format: RunLog.Format
    ) -> Bool {
        standardErrorIsTerminal && !quiet && format == .text
    }

    /// A started line on standard error for `stage` when this run wants one (`isWanted` with
    /// `isatty(2)` and the log settings), else nil.
    public static func startedOnStandardError(
        stage: String, totalBytes: Int64?, counters: InputProgress
    ) -> ProgressLine? {
        guard
            isWanted(
                standardErrorIsTerminal: isatty(STDERR_FILENO) == 1, quiet: RunLog.quiet,
                format: RunLog.format)
        else { return nil }
        let line = ProgressLine(stage: stage, totalBytes: totalBytes, counters: counters) {
            FileHandle.standardError.write(Data($0.utf8))
        }
        line.start()
        return line
    }

    /// Starts redrawing every interval on a thread of its own.
    public func start() {
        precondition(!isRunning, "started twice")
        isRunning = true
        let thread = Thread { [self] in
            while stop.wait(timeout: .now() + .nanoseconds(Int(intervalNanoseconds))) == .timedOut
            {
                write("\r" + ProgressLine.text(stage: stage, state(isDone: false)) + "\u{1B}[K")
            }
            stopped.signal()
        }
        thread.start()
    }

    /// Stops redrawing, then draws the final state and ends the line (also when reading
    /// failed: the message that follows starts on a line of its own). Once; later calls do
    /// nothing.
    public func finish() {
        guard isRunning else { return }
        isRunning = false
        stop.signal()
        stopped.wait()
        write("\r" + ProgressLine.text(stage: stage, state(isDone: true)) + "\u{1B}[K\n")
    }

    /// The counters now.
    private func state(isDone: Bool) -> State {
        State(
            storedBytes: counters.storedBytes, totalBytes: totalBytes, lines: counters.lines,
            elapsedNanoseconds: now() - startNanoseconds, isDone: isDone)
    }

    // MARK: Text

    /// The line for `state`, without `\r` or escape codes.
    ///
    /// Reading: `rate: reading 312.4 MiB of 1.2 GiB (26%), 4.1M events/s, ETA 0:21`; without
    /// a known total, `rate: reading 312.4 MiB, 4.1M events/s`. Done: `rate: read 1.2 GiB of
    /// 1.2 GiB (100%), 86.1M events in 0:21, 4.1M events/s`. No rate before any time has
    /// passed, and no ETA before a byte is read.
    public static func text(stage: String, _ state: State) -> String {
        let nanosecondsPerSecond: Int128 = 1_000_000_000
        var parts: [String] = []
        var amount = bytesText(state.storedBytes)
        if let total = state.totalBytes {
            amount += " of \(bytesText(total)) (\(percent(state.storedBytes, of: total))%)"
        }
        parts.append((state.isDone ? "read " : "reading ") + amount)
        let elapsed = Int128(state.elapsedNanoseconds)
        if state.isDone {
            // Whole seconds, truncated.
            let seconds = Int64(elapsed / nanosecondsPerSecond)
            parts.append("\(countText(state.lines)) events in \(durationText(seconds: seconds))")
        }
        if elapsed > 0 {
            // Events per second, truncated.
            let rate = Int128(max(state.lines, 0)) * nanosecondsPerSecond / elapsed
            parts.append("\(countText(Int64(clamping: rate))) events/s")
        }
        if !state.isDone, let total = state.totalBytes, state.storedBytes > 0, elapsed > 0 {
            // The bytes left at the rate so far, rounded up to a whole second, so 0:00 means
            // nothing is left.
            let left = Int128(max(total - state.storedBytes, 0))
            let divisor = Int128(state.storedBytes) * nanosecondsPerSecond
            let seconds = (left * elapsed + divisor - 1) / divisor
            parts.append("ETA \(durationText(seconds: Int64(clamping: seconds)))")
        }
        return "\(stage): " + parts.joined(separator: ", ")
    }

    /// `part` as a whole percentage of `total`, truncated and at most 100; an empty total is
    /// all read (100).
    static func percent(_ part: Int64, of total: Int64) -> Int64 {
        guard total > 0 else { return 100 }
        return Int64(min(Int128(max(part, 0)) * 100 / Int128(total), 100))
    }

    /// A byte count in binary units with one decimal, truncated: `512 B`, `1.0 KiB`,
    /// `312.4 MiB`, `1.2 GiB`.
    static func bytesText(_ bytes: Int64) -> String {
        scaled(
            bytes, base: 1024, units: [" KiB", " MiB", " GiB", " TiB", " PiB", " EiB"],
            plain: " B")
    }

    /// A count in decimal units with one decimal, truncated: `999`, `1.0K`, `4.1M`, `2.3G`.
    static func countText(_ count: Int64) -> String {
        scaled(count, base: 1000, units: ["K", "M", "G", "T", "P", "E"], plain: "")
    }

    /// `value` in the largest of `units` (powers of `base`) it reaches, with one decimal
    /// truncated; below `base`, the whole value and `plain`.
    private static func scaled(_ value: Int64, base: Int128, units: [String], plain: String)
        -> String
    {
        let value = Int128(max(value, 0))
        guard value >= base else { return "\(value)\(plain)" }
        var unit = base
        var index = 0
        while index + 1 < units.count, value >= unit * base {
            unit *= base
            index += 1
        }
        let tenths = value * 10 / unit
        return "\(tenths / 10).\(tenths % 10)\(units[index])"
    }

    /// A duration as `m:ss`, or `h:mm:ss` from an hour on.
    static func durationText(seconds: Int64) -> String {
        let seconds = max(seconds, 0)
        let hours = seconds / 3600
        let minutes = seconds / 60 % 60
        let secondsText = (seconds % 60 < 10 ? "0" : "") + "\(seconds % 60)"
        guard hours > 0 else { return "\(minutes):\(secondsText)" }
        return "\(hours):\(minutes < 10 ? "0" : "")\(minutes):\(secondsText)"
    }
}
