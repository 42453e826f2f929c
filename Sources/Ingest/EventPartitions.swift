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

/// The events whose (customer, id) hash falls in one partition: in memory until the run
/// outgrows its memory budget, then appended to an unlinked temporary file (nothing is left
/// behind when the process dies) in chunks, and read back whole when the partition's turn
/// comes. Records keep their arrival order in both places.
final class EventPartition {
    var records: [EventRecord] = []
    var ids: [UInt8] = []
    private var file: SpillFile?
    /// Where reading back has got to.
    private var readOffset = 0
    private var spilledRecords = 0
    private var spilledIDBytes = 0

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
        if file == nil { file = try SpillFile(folder: folder, prefix: "spill") }
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
        guard file != nil else {
            defer { shrink() }
            return (records, ids)
        }
        var allRecords: [EventRecord] = []
        allRecords.reserveCapacity(count)
        var allIDs: [UInt8] = []
        allIDs.reserveCapacity(spilledIDBytes + ids.count)
        readOffset = 0
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
        self.file = nil
        spilledRecords = 0
        spilledIDBytes = 0
        shrink()
        return (allRecords, allIDs)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        try file!.append(bytes)
    }

    private func readAll(_ bytes: UnsafeMutableRawBufferPointer) throws {
        try file!.read(into: bytes, at: readOffset)
        readOffset += bytes.count
    }
}
