import Foundation
import Pricing

/// `rejects.ndjson` in bounded memory: each reject is encoded as its output line when it is
/// found and appended to a spool — in memory up to `memoryBytes`, then in an unlinked temporary
/// file — and the file is written at the end in its output order (file, member, line, bytewise)
/// by walking the sources in that order and merging each source's spooled lines with the lines
/// found later (conflicts, which are known only after reading).
///
/// Order without sorting the records: a source (a file or archive member) is read in one go and
/// its lines in ascending order, so each source's rejects form one run of ascending line numbers
/// in the spool; only the sources need sorting.
public final class RejectSpool {
    private struct Run {
        var start = 0
        var end = 0
    }

    private let memoryBytes: Int
    private let folder: String
    private var buffer: [UInt8] = []
    /// Bytes of the spool already in the file.
    private var flushed = 0
    private var file: SpillFile?
    /// Per source index: where its records are in the spool (offsets over file + buffer).
    private var runs: [Run] = []
    private var current: Int32 = -1
    private var writer = JSONWriter()
    /// The rejects spooled.
    public private(set) var count = 0
    /// The rejects spooled, per reason (for the self-checks).
    public private(set) var reasons: [RejectReason: Int64] = [:]

    /// A spool keeping up to `memoryBytes` in memory, then spilling to `folder`.
    public init(memoryBytes: Int, folder: String) {
        self.memoryBytes = max(memoryBytes, 1)
        self.folder = folder
    }

    /// Appends the reject of line `record.line` of source `source`. Sources come in the order
    /// they were registered (0, 1, …), each in one go, lines ascending.
    public func append(_ record: RejectRecord, source: Int32) throws {
        precondition(source >= current, "sources are read one after another")
        while runs.count <= Int(source) {
            let here = flushed + buffer.count
            runs.append(Run(start: here, end: here))
        }
        current = source
        writer = JSONWriter()
        record.write(into: &writer)
        appendHeader(line: record.line, length: writer.bytes.count)
        buffer.append(contentsOf: writer.bytes)
        runs[Int(source)].end = flushed + buffer.count
        count += 1
        reasons[record.reason, default: 0] += 1
        if buffer.count >= memoryBytes { try flush() }
    }

    /// Writes every spooled reject and every one of `later` (any order; each naming its source
    /// index) in output order, through `emit`.
    public func write(
        sources: [(file: String, member: String?)], later: [(source: Int32, record: RejectRecord)],
        to emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var laterBySource: [Int32: [RejectRecord]] = [:]
        for (source, record) in later { laterBySource[source, default: []].append(record) }
        let order = sources.indices.sorted { left, right in
            let a = sources[left]
            let b = sources[right]
            if a.file != b.file { return a.file.utf8.lexicographicallyPrecedes(b.file.utf8) }
            return (a.member ?? "").utf8.lexicographicallyPrecedes((b.member ?? "").utf8)
        }
        for source in order {
            var pending = (laterBySource[Int32(source)] ?? []).sorted { $0.line < $1.line }[...]
            var offset = source < runs.count ? runs[source].start : 0
            let end = source < runs.count ? runs[source].end : 0
            while offset < end {
                let (line, length) = try header(at: offset)
                while let next = pending.first, next.line < line {
                    try emitRecord(next, emit)
                    pending.removeFirst()
                }
                try withBytes(at: offset + 12, count: length, emit)
                offset += 12 + length
            }
            for record in pending { try emitRecord(record, emit) }
        }
    }

    private func emitRecord(
        _ record: RejectRecord, _ emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        writer = JSONWriter()
        record.write(into: &writer)
        try writer.bytes.withUnsafeBytes(emit)
    }

    private func appendHeader(line: Int64, length: Int) {
        withUnsafeBytes(of: line.littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(length).littleEndian) { buffer.append(contentsOf: $0) }
    }

    private func header(at offset: Int) throws -> (line: Int64, length: Int) {
        try withBytes(at: offset, count: 12) { bytes in
            let line = Int64(littleEndian: bytes.loadUnaligned(as: Int64.self))
            let length = UInt32(
                littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            return (line, Int(length))
        }
    }

    /// Calls `body` with `count` spool bytes from `offset`, from the file or the buffer.
    private func withBytes<Result>(
        at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        if offset >= flushed {
            let start = offset - flushed
            return try buffer.withUnsafeBytes {
                try body(UnsafeRawBufferPointer(rebasing: $0[start..<start + count]))
            }
        }
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try file!.read(into: $0, at: offset) }
        return try bytes.withUnsafeBytes(body)
    }

    private func flush() throws {
        if file == nil { file = try SpillFile(folder: folder, prefix: "rejects") }
        try buffer.withUnsafeBytes { try file!.append($0) }
        flushed += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
