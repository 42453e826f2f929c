import Formats
import Foundation
import Pricing

/// One admitted event as `rate` keeps it until the end of reading: 64 bytes plus its id.
/// Integers only, laid out without padding, so a spill file holds the struct's own bytes.
struct EventRecord {
    var quantityLow: UInt64
    var quantityHigh: Int64
    var seconds: Int64
    var line: Int64
    /// Where the id starts in its partition's id bytes.
    var idOffset: Int64
    var customer: Int32
    var meter: Int32
    var dims: Int32
    var source: Int32
    var nanoseconds: Int32
    /// Index into the customer's active subscriptions; -1 when out of period.
    var subscription: Int16
    var idLength: UInt16

    var quantityNanos: Int128 {
        Int128(quantityHigh) << 64 | Int128(quantityLow)
    }

    var instant: Instant { Instant(secondsSinceEpoch: seconds, nanoseconds: nanoseconds) }

    var location: LineLocation { LineLocation(source: source, line: line) }
}

/// The events of the customers whose hash falls in one partition: in memory until the run
/// outgrows its memory budget, then appended to an unlinked temporary file (nothing is left
/// behind when the process dies) in chunks, and read back whole when the partition's turn
/// comes. Records keep their arrival order in both places.
final class EventPartition {
    var records: [EventRecord] = []
    var ids: [UInt8] = []
    private var file: Int32 = -1
    private(set) var spilledRecords = 0
    private var spilledIDBytes = 0

    deinit {
        if file >= 0 { close(file) }
    }

    /// Bytes held in memory.
    var bytesHeld: Int {
        records.capacity * MemoryLayout<EventRecord>.stride + ids.capacity
    }

    /// Records in memory and on disk.
    var count: Int { spilledRecords + records.count }

    func append(_ record: EventRecord, id: UnsafeRawBufferPointer) {
        var record = record
        record.idOffset = Int64(ids.count)
        record.idLength = UInt16(id.count)
        ids.append(contentsOf: id)
        records.append(record)
    }

    /// Moves the records in memory to the partition's file, creating it in `folder` first.
    func spill(folder: String) throws {
        guard !records.isEmpty else { return }
        if file < 0 {
            var template = Array((folder + "/ratebook-spill-XXXXXX").utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard descriptor >= 0 else {
                throw SpillError(
                    description: "cannot create a spill file in \(folder): "
                        + String(cString: strerror(errno)))
            }
            // Unlinked at once: the data lives while the descriptor is open, and a killed run
            // leaves no file behind.
            unlink(String(cString: template))
            file = descriptor
        }
        // Layout: the records' bytes, then the ids' bytes, with the two counts first.
        var header: (Int64, Int64) = (Int64(records.count), Int64(ids.count))
        try withUnsafeBytes(of: &header) { try writeAll($0) }
        try records.withUnsafeBytes { try writeAll($0) }
        try ids.withUnsafeBytes { try writeAll($0) }
        spilledRecords += records.count
        spilledIDBytes += ids.count
        records.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
    }

    /// Drops the in-memory buffers' capacity (after the switch to spilling, when every
    /// partition keeps only a small chunk).
    func shrink() {
        records = []
        ids = []
    }

    /// Every record and id of the partition in arrival order; the partition is empty after.
    func takeAll() throws -> (records: [EventRecord], ids: [UInt8]) {
        guard file >= 0 else {
            defer { shrink() }
            return (records, ids)
        }
        var allRecords: [EventRecord] = []
        allRecords.reserveCapacity(count)
        var allIDs: [UInt8] = []
        allIDs.reserveCapacity(spilledIDBytes + ids.count)
        guard lseek(file, 0, SEEK_SET) == 0 else { throw readError() }
        var remaining = spilledRecords
        while remaining > 0 {
            var header: (Int64, Int64) = (0, 0)
            try withUnsafeMutableBytes(of: &header) { try readAll($0) }
            let (recordCount, idCount) = (Int(header.0), Int(header.1))
            guard recordCount > 0, recordCount <= remaining, idCount >= 0 else {
                throw SpillError(description: "a spill file was damaged while rate ran")
            }
            let base = Int64(allIDs.count)
            let chunk = try [EventRecord](unsafeUninitializedCapacity: recordCount) {
                buffer, initialized in
                try readAll(UnsafeMutableRawBufferPointer(buffer))
                initialized = recordCount
            }
            for var record in chunk {
                record.idOffset += base
                allRecords.append(record)
            }
            let idChunk = try [UInt8](unsafeUninitializedCapacity: idCount) {
                buffer, initialized in
                try readAll(UnsafeMutableRawBufferPointer(buffer))
                initialized = idCount
            }
            allIDs.append(contentsOf: idChunk)
            remaining -= recordCount
        }
        let base = Int64(allIDs.count)
        for var record in records {
            record.idOffset += base
            allRecords.append(record)
        }
        allIDs.append(contentsOf: ids)
        close(file)
        file = -1
        spilledRecords = 0
        spilledIDBytes = 0
        shrink()
        return (allRecords, allIDs)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(file, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SpillError(
                    description: "cannot write a spill file: " + String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    private func readAll(_ bytes: UnsafeMutableRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let got = read(file, bytes.baseAddress! + offset, bytes.count - offset)
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw readError() }
            offset += got
        }
    }

    private func readError() -> SpillError {
        SpillError(
            description: "cannot read a spill file back: " + String(cString: strerror(errno)))
    }
}
