import Foundation

/// Limits on what one input may make the reader hold or produce (TigerBeetle style: a limit on
/// everything, tested on both sides).
public struct InputLimits: Sendable {
    /// The longest line, in bytes, excluding its LF or CRLF; a line of exactly this many bytes
    /// passes (§11). Longer lines are reported with `isTooLong` and never held whole.
    public var lineBytesMax = 1 << 20
    /// The most bytes one input may decompress to (all members of an archive together);
    /// reaching past it fails the input, since a 90 KB `.zst` can expand to 1 GiB.
    public var decompressedBytesMax: Int64 = 64 << 30
    /// How many leading bytes of a too-long line are kept for the rejects file; at most
    /// `lineBytesMax` are used.
    public var keptBytesMax = 4096

    /// Creates the default limits: 1 MiB lines, 64 GiB decompressed, 4096 bytes kept.
    public init() {}
}

/// One line of an input, handed to the `onLine` callback of `InputReader.read`.
public struct InputLine {
    /// The line without its LF or CRLF. Valid only during the callback. For a too-long line,
    /// only its first `keptBytesMax` bytes.
    public let bytes: UnsafeRawBufferPointer
    /// The 1-based line number within the file or archive member.
    public let number: Int
    /// Whether the line is longer than `lineBytesMax` (rejected as `line_too_long`).
    public let isTooLong: Bool

    /// Creates a line (the reader makes them; tests of line consumers may too).
    public init(bytes: UnsafeRawBufferPointer, number: Int, isTooLong: Bool) {
        self.bytes = bytes
        self.number = number
        self.isTooLong = isTooLong
    }
}

/// What was read from one input, for the run manifest.
public struct InputSummary: Sendable {
    /// The input's display name.
    public let displayName: String
    /// The size of the stored (possibly compressed) bytes.
    public let sizeBytes: Int64
    /// The lowercase hexadecimal SHA-256 of the stored bytes (equals `sha256sum` of the file).
    public let sha256: String
    /// Display names of the archive members read, in stored order
    /// (`batch.tar!part-3.ndjson`); empty for a plain or single compressed file.
    public let members: [String]
    /// Display names of archive members not read because they are symbolic links, hard links
    /// or other non-regular entries (directories are not listed), in stored order.
    public let skippedMembers: [String]

    /// Creates a summary (the reader makes them; manifest tests may too).
    public init(
        displayName: String, sizeBytes: Int64, sha256: String, members: [String],
        skippedMembers: [String] = []
    ) {
        self.displayName = displayName
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.members = members
        self.skippedMembers = skippedMembers
    }
}

/// An input that cannot be read to its end: unreadable, truncated, corrupt or over a limit.
///
/// Lines may already have been delivered when this is thrown; callers treat each input as
/// all-or-nothing and discard them.
public struct InputError: Error, CustomStringConvertible {
    /// The input's display name.
    public let file: String
    /// The offset in the stored (compressed) bytes reached when reading failed.
    public let byteOffset: Int64
    /// What went wrong.
    public let message: String
    /// What to do about it.
    public let remedy: String

    /// The remedy for a file that cannot be read or decoded.
    public static let corruptRemedy =
        "the file is unreadable or corrupt: fix or remove it and run again"
    /// The remedy for a genuine file over a size limit: it is not corrupt, so saying so would
    /// send the operator looking for damage that is not there.
    public static let limitRemedy =
        "if the file is genuine, raise the limit (rate --max-input-bytes) and run again; "
            + "otherwise remove it"
    /// The remedy for an archive member that is itself an archive: the data is fine, but it is
    /// not read (DECISIONS.md: nested archives).
    public static let nestedArchiveRemedy =
        "extract the inner archive and pass its files (or the extracted folder) instead"

    /// Creates an error for `file` at `byteOffset`.
    public init(
        file: String, byteOffset: Int64, message: String,
        remedy: String = InputError.corruptRemedy
    ) {
        self.file = file
        self.byteOffset = byteOffset
        self.message = message
        self.remedy = remedy
    }

    /// `<file>: <message> at byte <offset>; <remedy>`.
    public var description: String {
        "\(file): \(message) at byte \(byteOffset); \(remedy)"
    }
}

/// Reads inputs (plain, compressed or archived NDJSON) as streams of lines, decoding them on
/// threads of their own while the caller's thread handles the lines.
///
/// Each decoding thread runs an `InputDecoder` (stored bytes hashed as they pass, gzip and zstd
/// decoded with zlib and libzstd, xz and bzip2 with libarchive's filters, tar and zip walked
/// with libarchive, lines split with `memchr`) and copies whole lines into 1 MiB blocks with a
/// compact index, which travel through a bounded queue (4 blocks per thread, reused) to the
/// caller's thread; the callbacks run there, in input order. So decompression and the caller's
/// parsing can run on two cores, and everything the callbacks see (sources, lines, line numbers,
/// errors and where they fall in the line sequence, summaries) is what reading on one thread
/// gives. With several inputs, up to `decodingThreads` of them are decoded at once (input `k`
/// by thread `k % decodingThreads`) while the caller consumes them strictly in the given order.
///
/// Memory per decoding thread: the queue's blocks (about 5 MiB), the decoder's line buffer of
/// `lineBytesMax + 1` bytes, a 1 MiB read block, a 256 KiB output block per open stream (and
/// for zstd a window of at most 128 MiB), and libarchive's buffers. Not thread-safe: use one
/// reader per thread. Threads are started per `read` call and joined before it returns; their
/// blocks and decoders are kept for the next call.
public final class InputReader {
    /// The limits every input is read under.
    public let limits: InputLimits
    /// How many inputs are decoded at once, each on its own thread; 0 reads everything on the
    /// caller's thread, as before (the same callbacks in the same order, on one core).
    public let decodingThreads: Int
    /// Counters the next `read` calls update for a progress line (stored bytes consumed, lines
    /// delivered), once per block; nil (the default) counts nothing.
    public var progress: InputProgress?
    /// Two decoding threads: on a 2-core machine one decodes while the caller parses, and the
    /// second decodes the next input while the first finishes, so many small inputs cost no
    /// more per line than one big one.
    public static let decodingThreadsDefault = 2

    /// Block and buffer sizes; tests make them tiny to exercise every boundary. Changing them
    /// drops the reused lanes.
    var tuning = InputReadTuning() {
        didSet {
            lanes = []
            callerThreadDecoder = nil
        }
    }
    /// Bytes read from storage for the last input a `read` call reached, re-reads included;
    /// for tests.
    private(set) var lastStoredBytesRead: Int64 = 0
    /// Blocks the last `read` call delivered (0 on the caller's thread); for tests.
    private(set) var lastBlocksDelivered = 0
    /// One per decoding thread, made on first use and reused by later calls.
    private var lanes: [InputReadLane] = []
    /// The decoder for reads on the caller's thread, made on first use.
    private var callerThreadDecoder: InputDecoder?

    /// Creates a reader that applies `limits`, decoding up to `decodingThreads` inputs at once
    /// (0: on the caller's thread).
    public init(limits: InputLimits, decodingThreads: Int = InputReader.decodingThreadsDefault) {
        precondition(limits.lineBytesMax > 0, "lineBytesMax must be positive")
        precondition(limits.lineBytesMax < LineBlock.entryBytesMax, "lineBytesMax over 2 GiB")
        precondition(limits.keptBytesMax >= 0, "keptBytesMax must not be negative")
        precondition(limits.decompressedBytesMax >= 0, "decompressedBytesMax must not be negative")
        precondition(decodingThreads >= 0, "decodingThreads must not be negative")
        self.limits = limits
        self.decodingThreads = decodingThreads
    }

    /// Reads one input whole.
    ///
    /// `onSource` is called when a new archive member (or the single file) starts, with the
    /// display name the lines that follow belong to: the input's display name for a plain or
    /// compressed file (also an empty one), `<display>!<member path>` for an archive member.
    /// `onLine` is called for every line in order. Members are read in stored order; members
    /// that are themselves compressed are decompressed by content; directories are skipped, and
    /// links and other non-regular members are skipped and listed in the summary's
    /// `skippedMembers`. The callbacks run on the caller's thread. Errors thrown by the
    /// callbacks propagate unchanged (and stop the decoding).
    ///
    /// - Throws: `InputError` when the input cannot be opened, is truncated or corrupt (a
    ///   checksum fails, bytes follow the last gzip member or zstd frame or a tar's
    ///   end-of-archive marker, or a container's header is damaged), holds two members with
    ///   the same path or a member that is itself an archive, decompresses to more than
    ///   `decompressedBytesMax`, or needs a zstd window over 128 MiB. Every line read before
    ///   the failure has been delivered when it is thrown.
    public func read(
        _ input: InputFile, onSource: (String) throws -> Void, onLine: (InputLine) throws -> Void
    ) throws -> InputSummary {
        try read([input], onFile: { _ in }, onSource: onSource, onLine: onLine)[0]
    }

    /// Reads `inputs` whole, strictly in the given order, decoding up to `decodingThreads` of
    /// them ahead at once; returns their summaries in that order.
    ///
    /// For each input, `onFile` is called first, then `onSource` and `onLine` as for one
    /// input: the callbacks see exactly what reading the inputs one by one shows. When input
    /// `k` fails, its `InputError` is thrown after every line of inputs before `k` and the
    /// lines of `k` read before the failure were delivered; what later inputs (decoded ahead)
    /// held or lacked is never seen. An error thrown by a callback propagates unchanged.
    ///
    /// - Throws: `InputError` for the first input, in order, that cannot be read (see
    ///   `read(_:onSource:onLine:)`), or what a callback threw.
    public func read(
        _ inputs: [InputFile], onFile: (InputFile) throws -> Void,
        onSource: (String) throws -> Void, onLine: (InputLine) throws -> Void
    ) throws -> [InputSummary] {
        let laneCount = min(decodingThreads, inputs.count)
        guard laneCount > 0 else {
            return try readOnCallerThread(
                inputs, onFile: onFile, onSource: onSource, onLine: onLine)
        }
        while lanes.count < laneCount {
            lanes.append(InputReadLane(limits: limits, tuning: tuning))
        }
        let active = Array(lanes.prefix(laneCount))
        for lane in active { lane.decoder.progress = progress }
        var threads: [pthread_t] = []
        for (laneIndex, lane) in active.enumerated() {
            let laneInputs = stride(from: laneIndex, to: inputs.count, by: laneCount).map {
                inputs[$0]
            }
            guard let thread = lane.start(inputs: laneInputs) else { break }
            threads.append(thread)
        }
        // Every started thread is stopped and joined before returning, so no thread outlives
        // the call or touches a lane the next call reuses.
        var lastLane = active[0]
        defer {
            for lane in active { lane.queue.cancel() }
            for thread in threads { pthread_join(thread, nil) }
            lastStoredBytesRead = lastLane.decoder.lastStoredBytesRead
        }
        guard threads.count == laneCount else {
            // The system refused a thread: read on this one instead (same results, one core).
            for lane in active { lane.queue.cancel() }
            for thread in threads { pthread_join(thread, nil) }
            threads = []
            return try readOnCallerThread(
                inputs, onFile: onFile, onSource: onSource, onLine: onLine)
        }
        var summaries: [InputSummary] = []
        summaries.reserveCapacity(inputs.count)
        lastBlocksDelivered = 0
        for (index, input) in inputs.enumerated() {
            lastLane = active[index % laneCount]
            try onFile(input)
            summaries.append(
                try lastLane.deliverInput(
                    onSource: onSource, onLine: onLine, progress: progress,
                    blocksDelivered: &lastBlocksDelivered))
        }
        return summaries
    }

    /// Reads `inputs` one after another on the caller's thread.
    private func readOnCallerThread(
        _ inputs: [InputFile], onFile: (InputFile) throws -> Void,
        onSource: (String) throws -> Void, onLine: (InputLine) throws -> Void
    ) throws -> [InputSummary] {
        let decoder = callerThreadDecoder
            ?? InputDecoder(limits: limits, storedBlockBytes: tuning.storedBlockBytes)
        callerThreadDecoder = decoder
        decoder.progress = progress
        defer { lastStoredBytesRead = decoder.lastStoredBytesRead }
        lastBlocksDelivered = 0
        var summaries: [InputSummary] = []
        for input in inputs {
            try onFile(input)
            guard let progress else {
                summaries.append(try decoder.read(input, onSource: onSource, onLine: onLine))
                continue
            }
            // No blocks here: lines are counted in batches (only when someone is watching, and
            // this path is the fallback when no thread can be started).
            var uncounted: Int64 = 0
            defer { progress.addLines(uncounted) }
            summaries.append(
                try decoder.read(
                    input, onSource: onSource,
                    onLine: { line in
                        try onLine(line)
                        uncounted += 1
                        if uncounted == 1 << 14 {
                            progress.addLines(uncounted)
                            uncounted = 0
                        }
                    }))
        }
        return summaries
    }

    /// Decompressed bytes after the end of a tar (or zip) that do not count against
    /// `decompressedBytesMax` (see `InputDecoder`).
    static let paddingBytesAllowance = InputDecoder.paddingBytesAllowance

    /// Whether `head` starts with what a tar header has (see `InputDecoder`).
    static func looksLikeTarHeader(_ head: [UInt8]) -> Bool {
        InputDecoder.looksLikeTarHeader(head)
    }
}

/// Sizes of the threaded reader's blocks and buffers. The defaults are for speed; tests make
/// them tiny so that few lines fill a block and lines span many read blocks.
struct InputReadTuning: Equatable {
    /// Line bytes per block before it is handed on (a longer line grows one block to fit).
    var blockBytes = 1 << 20
    /// Lines (and source changes) per block at most: 16,384 lines of 64 bytes fill 1 MiB.
    var blockEntriesMax = 1 << 14
    /// Blocks per decoding thread: the queue's bound.
    var blocksPerThread = 4
    /// Bytes per read of the stored file.
    var storedBlockBytes = StoredByteSource.blockBytesMax
}

/// One decoding thread's decoder, queue and blocks, reused from read to read.
final class InputReadLane {
    /// Reads the inputs on the decoding thread.
    let decoder: InputDecoder
    /// Carries the lines to the caller's thread.
    let queue: LineBlockQueue
    /// Fills the queue's blocks on the decoding thread.
    private let writer: LineBlockWriter
    /// The inputs the running thread reads, in order.
    private var inputs: [InputFile] = []

    /// Creates the lane's decoder and blocks.
    init(limits: InputLimits, tuning: InputReadTuning) {
        decoder = InputDecoder(limits: limits, storedBlockBytes: tuning.storedBlockBytes)
        queue = LineBlockQueue(
            blockCount: tuning.blocksPerThread, blockBytes: tuning.blockBytes,
            entriesMax: tuning.blockEntriesMax)
        writer = LineBlockWriter(queue: queue)
    }

    /// Starts a thread that reads `inputs` into the queue; nil when the system refuses one.
    func start(inputs: [InputFile]) -> pthread_t? {
        queue.reset()
        writer.reset()
        self.inputs = inputs
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        // libarchive and libzstd need little stack; 8 MiB is glibc's usual default, stated so
        // as not to depend on the environment's ulimit.
        pthread_attr_setstacksize(&attributes, 8 << 20)
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { context in
            guard let context else { return nil }
            Unmanaged<InputReadLane>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<InputReadLane>.fromOpaque(context).release()
            return nil
        }
        return thread
    }

    /// The decoding thread: reads each input into blocks and ends it with its summary or
    /// error; stops after an error (the caller fails there) or when the caller cancels.
    private func run() {
        let writer = self.writer
        for input in inputs {
            do {
                try queue.waitToStartInput()
            } catch {
                return
            }
            let result: Result<InputSummary, Error>
            do {
                let summary = try decoder.read(
                    input, onSource: { try writer.appendSource($0) },
                    onLine: { line in
                        try writer.append(
                            line.bytes, number: Int64(line.number), isTooLong: line.isTooLong)
                    })
                result = .success(summary)
            } catch is LineBlockQueueCancelled {
                return
            } catch {
                result = .failure(error)
            }
            // The lines read before an error go first, as on one thread.
            writer.flush()
            queue.put(.inputEnd(result))
            if case .failure = result { return }
        }
    }

    /// On the caller's thread: delivers the next input's blocks and returns its summary, or
    /// throws its error after the lines read before it.
    func deliverInput(
        onSource: (String) throws -> Void, onLine: (InputLine) throws -> Void,
        progress: InputProgress?, blocksDelivered: inout Int
    ) throws -> InputSummary {
        while true {
            switch queue.take() {
            case .block(let block):
                defer { queue.recycle(block) }
                blocksDelivered += 1
                try block.deliver(onSource: onSource, onLine: onLine)
                progress?.addLines(Int64(block.lineCount))
            case .inputEnd(let result):
                return try result.get()
            }
        }
    }
}
