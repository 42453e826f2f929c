import Foundation
import Pricing

/// What dedupe decides for one partition's records (SPEC §3): the events that count, the
/// counts of copies, and every copy of a key whose copies differ.
struct DedupeResult {
    /// Indices of the records that are billed or out of period: the first copy of every key
    /// whose copies are all identical, in arrival order.
    var survivors: [Int32] = []
    var accepted: Int64 = 0
    var duplicates: Int64 = 0
    var outOfPeriod: Int64 = 0
    var conflicts: Int64 = 0
    /// One entry per copy of every conflicting key.
    var conflictCopies: [ConflictCopy] = []
}

/// Finds the copies of each (customer, id) among one partition's records with an open-addressing
/// table over the id bytes, after the whole input is read — so whether a copy read first is
/// kept never depends on what comes later: a key whose copies differ is a conflict whichever
/// copy came first, and identical copies count once.
enum Deduplication {
    /// `carriesAmount` (per meter number) says which records have an amount after their id:
    /// the amount is part of an event's content (SPEC §13.1), compared by value (the stored
    /// picos), so `1.5` and `1.50` are the same.
    static func run(
        records: [EventRecord], ids: [UInt8], customerIDs: [String], carriesAmount: [Bool] = []
    ) -> DedupeResult {
        var result = DedupeResult()
        guard !records.isEmpty else { return result }
        var capacity = 16
        while capacity < records.count * 2 { capacity *= 2 }
        let mask = capacity - 1
        /// Per slot: the key hash's high 32 bits, then the first copy's record index + 1 (0 is
        /// empty): a probe reads another record only when the tags match.
        var slots = [UInt64](repeating: 0, count: capacity)
        /// Per record: the next copy of its key (a record index), or -1; `last` finds the end.
        var next = [Int32](repeating: -1, count: records.count)
        /// Per first copy: its last copy so far, the number of copies, and whether any differs.
        var last = [Int32](repeating: -1, count: records.count)
        var copies = [Int32](repeating: 0, count: records.count)
        var differs = [Bool](repeating: false, count: records.count)
        var firsts: [Int32] = []
        firsts.reserveCapacity(records.count)
        var conflictedFirsts: [Int32] = []
        ids.withUnsafeBytes { idBytes in
            func id(_ record: EventRecord) -> UnsafeRawBufferPointer {
                let start = Int(record.idOffset)
                return UnsafeRawBufferPointer(
                    rebasing: idBytes[start..<start + Int(record.idLength)])
            }
            for index in records.indices {
                let record = records[index]
                let key = id(record)
                let hash = byteHash(key, seed: UInt64(UInt32(record.customer)))
                let tag = hash >> 32
                var slot = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let entry = slots[slot]
                    if entry == 0 {
                        slots[slot] = tag << 32 | UInt64(index + 1)
                        firsts.append(Int32(index))
                        last[index] = Int32(index)
                        break
                    }
                    guard entry >> 32 == tag else {
                        slot = (slot + 1) & mask
                        continue
                    }
                    let firstIndex = Int(entry & 0xFFFF_FFFF) - 1
                    let first = records[firstIndex]
                    let firstID = id(first)
                    if first.customer == record.customer && firstID.count == key.count
                        && (key.count == 0
                            || memcmp(firstID.baseAddress!, key.baseAddress!, key.count) == 0)
                    {
                        next[Int(last[firstIndex])] = Int32(index)
                        last[firstIndex] = Int32(index)
                        copies[firstIndex] += 1
                        let same =
                            first.meter == record.meter && first.seconds == record.seconds
                            && first.nanoseconds == record.nanoseconds
                            && first.quantityLow == record.quantityLow
                            && first.quantityHigh == record.quantityHigh
                            && first.dims == record.dims
                            && (!first.carriesAmount(carriesAmount)
                                || StoredAmount.picos(of: first, in: idBytes)
                                    == StoredAmount.picos(of: record, in: idBytes))
                        if !same && !differs[firstIndex] {
                            differs[firstIndex] = true
                            conflictedFirsts.append(Int32(firstIndex))
                        }
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
            for first in firsts {
                let later = Int64(copies[Int(first)])
                if differs[Int(first)] {
                    result.conflicts += 1 + later
                    continue
                }
                result.accepted += 1
                result.duplicates += later
                if records[Int(first)].subscription < 0 { result.outOfPeriod += 1 }
                result.survivors.append(first)
            }
            // Every copy of a conflicting key, each naming the others in location order (the
            // copies of all keys are put in location order by `UsageIngest.finish`).
            for first in conflictedFirsts {
                let record = records[Int(first)]
                var all: [LineLocation] = []
                var copy = first
                while copy >= 0 {
                    all.append(records[Int(copy)].location)
                    copy = next[Int(copy)]
                }
                all.sort { ($0.source, $0.line) < ($1.source, $1.line) }
                let customer = customerIDs[Int(record.customer)]
                let eventID = String(decoding: id(record), as: UTF8.self)
                for location in all {
                    result.conflictCopies.append(
                        ConflictCopy(
                            location: location, others: all.filter { $0 != location },
                            customer: customer, id: eventID))
                }
            }
        }
        return result
    }
}
