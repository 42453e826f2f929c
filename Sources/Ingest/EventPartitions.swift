import Formats
import Foundation
import Pricing

/// One admitted event as `rate` keeps it until the end of reading: 64 bytes plus its id (and,
/// on a `carries_amount` meter, its amount's 16 bytes after the id: `StoredAmount`).
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
    /// Records in memory (raw storage: an append is a store and a count, with no uniqueness
    /// check, reference counting or exclusivity check on the way; this runs once per event).
    private var recordBase: UnsafeMutablePointer<EventRecord>
    private var recordCapacity: Int
    /// Records in memory now.
    private(set) var recordCount = 0
    /// The in-memory records' id bytes, one after another.
    private var idBase: UnsafeMutableRawPointer
    private var idCapacity: Int
    private var idCount = 0
    private var file: SpillFile?
    /// Where reading back has got to.
    private var readOffset = 0
    private var spilledRecords = 0
    private var spilledIDBytes = 0

    /// An empty partition with a small buffer.
    init() {
        recordCapacity = EventPartition.initialRecords
        recordBase = .allocate(capacity: recordCapacity)
        idCapacity = EventPartition.initialRecords * 16
        idBase = .allocate(byteCount: idCapacity, alignment: 8)
    }

    deinit {
        recordBase.deallocate()
        idBase.deallocate()
    }

    /// Records a new or shrunk buffer holds.
    static let initialRecords = 16

    /// Records in memory and on disk.
    var count: Int { spilledRecords + recordCount }

    /// Appends `record` with its id and its amount bytes (empty unless its meter carries
    /// amounts), which follow the id in the id bytes.
    func append(
        _ record: EventRecord, id: UnsafeRawBufferPointer,
        amount: UnsafeRawBufferPointer = StoredAmount.none
    ) {
        let payload = id.count + amount.count
        if recordCount == recordCapacity { growRecords() }
        if idCount + payload > idCapacity { growIDs(payload) }
        var record = record
        record.idOffset = Int64(idCount)
        record.idLength = UInt16(id.count)
        if let source = id.baseAddress, id.count > 0 {
            (idBase + idCount).copyMemory(from: source, byteCount: id.count)
        }
        if let source = amount.baseAddress, amount.count > 0 {
            (idBase + idCount + id.count).copyMemory(from: source, byteCount: amount.count)
        }
        idCount += payload
        (recordBase + recordCount).initialize(to: record)
        recordCount += 1
    }

    /// Doubles the records' buffer (the whole partition's records: a partition in memory holds
    /// at most the budget's share, see `IngestLimits`).
    private func growRecords() {
        let grown = recordCapacity * 2
        let bigger = UnsafeMutablePointer<EventRecord>.allocate(capacity: grown)
        bigger.moveInitialize(from: recordBase, count: recordCount)
        recordBase.deallocate()
        recordBase = bigger
        recordCapacity = grown
    }

    /// Doubles the ids' buffer until `extra` more bytes fit.
    private func growIDs(_ extra: Int) {
        var grown = idCapacity * 2
        while grown < idCount + extra { grown *= 2 }
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
        bigger.copyMemory(from: idBase, byteCount: idCount)
        idBase.deallocate()
        idBase = bigger
        idCapacity = grown
    }

    /// The records in memory.
    private var heldRecords: UnsafeBufferPointer<EventRecord> {
        UnsafeBufferPointer(start: recordBase, count: recordCount)
    }

    /// The in-memory records' id bytes.
    private var heldIDs: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: idBase, count: idCount)
    }

    /// Moves the records in memory to the partition's file, creating it in `folder` first.
    func spill(folder: String) throws {
        guard recordCount > 0 else { return }
        if file == nil { file = try SpillFile(folder: folder, prefix: "spill") }
        // Layout: the records' bytes, then the ids' bytes, with the two counts first.
        var header: (Int64, Int64) = (Int64(recordCount), Int64(idCount))
        try withUnsafeBytes(of: &header) { try writeAll($0) }
        try writeAll(UnsafeRawBufferPointer(heldRecords))
        try writeAll(heldIDs)
        spilledRecords += recordCount
        spilledIDBytes += idCount
        recordCount = 0
        idCount = 0
    }

    /// Drops the in-memory buffers' capacity (after the switch to spilling, when every
    /// partition keeps only a small chunk).
    func shrink() {
        recordCount = 0
        idCount = 0
        guard recordCapacity > EventPartition.initialRecords else { return }
        recordBase.deallocate()
        recordCapacity = EventPartition.initialRecords
        recordBase = .allocate(capacity: recordCapacity)
        idBase.deallocate()
        idCapacity = EventPartition.initialRecords * 16
        idBase = .allocate(byteCount: idCapacity, alignment: 8)
    }

    /// Every record and id of the partition in arrival order; the partition is empty after.
    func takeAll() throws -> (records: [EventRecord], ids: [UInt8]) {
        guard file != nil else {
            defer { shrink() }
            return (Array(heldRecords), Array(heldIDs))
        }
        var allRecords: [EventRecord] = []
        allRecords.reserveCapacity(count)
        var allIDs: [UInt8] = []
        allIDs.reserveCapacity(spilledIDBytes + idCount)
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
        for var record in heldRecords {
            record.idOffset += base
            allRecords.append(record)
        }
        allIDs.append(contentsOf: heldIDs)
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
