import Synchronization

/// How far a read has come, for a progress line: stored (compressed) bytes consumed and lines
/// handed to the caller, updated by the reading threads and read by another.
///
/// Updated once per block, never per line: the stored bytes once per 1 MiB read of a file
/// (as they are hashed, so the count ends at the inputs' total size exactly, a zip's re-read
/// central directory counted once), the lines once per block of up to 16,384 lines delivered to
/// the caller's thread. Relaxed atomics: the figures are for display, and each only grows.
public final class InputProgress: Sendable {
    private let storedBytesCounter = Atomic<Int64>(0)
    private let linesCounter = Atomic<Int64>(0)

    /// Creates counters at zero.
    public init() {}

    /// Stored bytes of every input consumed so far (hashed, which reading entails).
    public var storedBytes: Int64 { storedBytesCounter.load(ordering: .relaxed) }

    /// Lines delivered to the caller so far (blank and too-long lines included).
    public var lines: Int64 { linesCounter.load(ordering: .relaxed) }

    /// Counts `count` more stored bytes consumed.
    func addStoredBytes(_ count: Int64) {
        storedBytesCounter.wrappingAdd(count, ordering: .relaxed)
    }

    /// Counts `count` more lines delivered.
    func addLines(_ count: Int64) {
        linesCounter.wrappingAdd(count, ordering: .relaxed)
    }
}
