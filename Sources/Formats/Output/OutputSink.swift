#if canImport(Glibc)
    import Glibc
#endif

/// Where an encoder sends the bytes of one output file: an `OutputSink` on disk, or
/// `OutputBytes` in memory (tests, and the writers' `[UInt8]`-returning forms).
///
/// Writers take any `ByteOutput` so that one encoding serves both, and the bytes written to
/// disk are, by construction, the bytes the in-memory form returns.
public protocol ByteOutput: AnyObject {
    /// Appends `bytes` to the output.
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteOutput {
    /// Appends `bytes` to the output.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Appends the UTF-8 bytes of `text` to the output.
    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }
}

/// Output bytes kept in memory: the `[UInt8]` a writer returns when it is not streaming.
public final class OutputBytes: ByteOutput {
    /// Everything written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty buffer.
    public init() {}

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        self.bytes.append(contentsOf: bytes)
    }
}

/// One file being written inside an `OutputFolder`'s temporary folder, in bounded memory.
///
/// Bytes go into a buffer of `bufferCapacity` bytes (1 MiB by default); when the next write
/// would overflow it, the buffer is hashed (SHA-256) and written to the file with `write(2)`,
/// and a write at least as large as the buffer goes straight to the file. So a file of any
/// size costs one buffer of memory, and its digest is computed from exactly the bytes handed to
/// the file, in the same pass. `close()` writes what is left and returns the digest (lowercase
/// hex) for the manifest. Files are not fsynced one by one: `OutputFolder.commit()` makes the
/// whole temporary folder durable at once (docs/DECISIONS.md, "Output durability").
///
/// Made by `OutputFolder.stream(_:)`; used by `OutputFolder.write(_:bytes:)` for whole files,
/// and meant for any stage's outputs. A failed write or close abandons the folder (temporary
/// folder removed, lock released) and the error is thrown, as `OutputFolder.write` does.
/// A sink must be closed before `commit()`; one dropped unclosed is a programmer error that
/// `commit()` stops on, because its file may be incomplete. Not thread-safe.
public final class OutputSink: ByteOutput {
    /// The buffer size used unless the caller asks for another: large enough that writing a
    /// big file costs few system calls, small enough to be irrelevant to peak memory.
    public static let defaultBufferCapacity = 1 << 20

    /// The file's path inside the output folder, as given to `stream(_:)`.
    public let relativePath: String
    /// Bytes accepted so far (written to the file or waiting in the buffer).
    public private(set) var byteCount = 0
    /// How many times the buffer (or a large write) went to the file so far; with
    /// `byteCount`, this shows that a large file was written in bounded pieces.
    public private(set) var flushCount = 0

    private let path: String
    private let folder: OutputFolder
    private let system: OutputSystemCalls
    private let bufferCapacity: Int
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    private var state = State.open

    private enum State {
        case open
        case closed
        case failed
    }

    /// Called by `OutputFolder.stream(_:)` with the new file's open descriptor.
    init(
        relativePath: String, path: String, descriptor: Int32, folder: OutputFolder,
        system: OutputSystemCalls, bufferCapacity: Int
    ) {
        precondition(bufferCapacity > 0, "an output buffer holds at least one byte")
        self.relativePath = relativePath
        self.path = path
        self.descriptor = descriptor
        self.folder = folder
        self.system = system
        self.bufferCapacity = bufferCapacity
    }

    deinit {
        // Dropped without close(): release the descriptor. The folder still counts this sink
        // as open, so `commit()` refuses to publish a file that may be incomplete.
        if state == .open {
            _ = Glibc.close(descriptor)
        }
    }

    /// Appends `bytes` to the file.
    ///
    /// - Throws: `OutputError.io` if writing the buffer out fails; the folder is then
    ///   abandoned and neither it nor this sink may be used again.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(state == .open, "OutputSink.write after close() or a failure")
        byteCount += bytes.count
        if buffer.count + bytes.count <= bufferCapacity {
            buffer.append(contentsOf: bytes)
            return
        }
        try flush()
        if bytes.count >= bufferCapacity {
            // Large enough to go as it is: no copy into the buffer.
            try send(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Writes what is buffered, closes the file, and returns the SHA-256 of every byte written
    /// to it, as lowercase hex.
    ///
    /// - Throws: `OutputError.io` if the last write or the close fails; the folder is then
    ///   abandoned.
    public func close() throws -> String {
        precondition(state == .open, "OutputSink.close after close() or a failure")
        try flush()
        state = .closed
        do {
            try system.close(descriptor, path: path)
        } catch {
            state = .failed
            folder.abandon()
            throw error
        }
        folder.sinkClosed()
        return SHA256.hex(hasher.finalize())
    }

    /// Hashes and writes the buffer, then empties it (keeping its storage).
    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try send($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Hashes `bytes` and writes them to the file; on failure closes the descriptor and
    /// abandons the folder.
    private func send(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        flushCount += 1
        do {
            try system.writeAll(descriptor, bytes, path: path)
        } catch {
            state = .failed
            _ = Glibc.close(descriptor)
            folder.abandon()
            throw error
        }
    }
}

extension OutputBytes {
    /// The size at which the streaming writers hand their bytes to the output: large enough
    /// that the calls cost nothing, small enough that memory stays flat whatever the file's size.
    public static let chunkBytes = 64 * 1024

    /// Runs a streaming writer into memory and returns the bytes (the non-streaming forms).
    public static func collecting(_ write: (OutputBytes) throws -> Void) -> [UInt8] {
        let output = OutputBytes()
        do {
            try write(output)
        } catch {
            preconditionFailure("writing to memory cannot fail: \(error)")
        }
        return output.bytes
    }
}
