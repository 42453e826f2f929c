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
    /// Copies set aside by resolutions (SPEC §13.4).
    var superseded: Int64 = 0
    /// What each resolution whose key has copies here did.
    var resolved: [ResolutionOutcome] = []
    /// The records of replaced keys, survivors numbered after the partition's records
    /// (`records.count + k`).
    var replacements: [EventRecord] = []
    /// The replacements' own id bytes, to append after the partition's ids (their `idOffset`
    /// counts from the start of the partition's ids): a replacement reads no byte of a copy,
    /// so content stored after an id (an amount, SPEC §13.1) is the replacement's own.
    var replacementIDs: [UInt8] = []
}

/// Finds the copies of each (customer, id) among one partition's records with an open-addressing
/// table over the id bytes, after the whole input is read — so whether a copy read first is
/// kept never depends on what comes later: a key whose copies differ is a conflict whichever
/// copy came first, and identical copies count once.
enum Deduplication {
    /// Dedupes one partition's records (ids in `ids`, customer numbers naming `customerIDs`).
    ///
    /// `carriesAmount` (per meter number) says which records have an amount after their id:
    /// the amount is part of an event's content (SPEC §13.1), compared by value (the stored
    /// picos), so `1.5` and `1.50` are the same.
    ///
    /// With `resolutions` (nil when the run has none, so a run without them does no lookup),
    /// each key group is looked up once; a resolved key follows its resolution instead of the
    /// rules of §3, whether or not its copies differ.
    static func run(
        records: [EventRecord], ids: [UInt8], customerIDs: [String], carriesAmount: [Bool] = [],
        resolutions: ResolutionTable? = nil
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
                if let resolutions {
                    let record = records[Int(first)]
                    let key = id(record)
                    let hash = byteHash(key, seed: UInt64(UInt32(record.customer)))
                    if let index = resolutions.find(hash: hash, customer: record.customer, id: key),
                        resolve(
                            first: first, resolution: index, table: resolutions,
                            records: records, idCount: ids.count, next: next, into: &result)
                    {
                        differs[Int(first)] = false
                        continue
                    }
                }
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
            for first in conflictedFirsts where differs[Int(first)] {
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

    /// Applies resolution `resolution` to the key whose first copy read is `first` (SPEC
    /// §13.4): every copy of the key, identical or not, is superseded but the one kept or the
    /// first by location for a replacement (which then bills the replacement's content); a
    /// `keep` naming no copy applies nothing and is reported (`keepMissed`): false, and the
    /// key follows §3 so the counts still add up (the run then stops with exit 2).
    private static func resolve(
        first: Int32, resolution: Int, table: ResolutionTable, records: [EventRecord],
        idCount: Int, next: [Int32], into result: inout DedupeResult
    ) -> Bool {
        var all: [Int32] = []
        var copy = first
        while copy >= 0 {
            all.append(copy)
            copy = next[Int(copy)]
        }
        // Location order, the order the copies were read: source, then line.
        all.sort {
            (records[Int($0)].source, records[Int($0)].line)
                < (records[Int($1)].source, records[Int($1)].line)
        }
        var billed: Int32?
        switch table.plans[resolution] {
        case .keep:
            let target = table.keepTargets[resolution]
            guard let kept = all.first(where: { records[Int($0)].location == target }) else {
                result.resolved.append(
                    ResolutionOutcome(
                        resolution: resolution, superseded: all.map { records[Int($0)].location },
                        keepMissed: true))
                return false
            }
            billed = kept
            result.survivors.append(kept)
            if records[Int(kept)].subscription < 0 { result.outOfPeriod += 1 }
        case .drop:
            billed = nil
        case .replace(var replacement):
            let firstCopy = records[Int(all[0])]
            let (id, amount) = table.storedBytes(resolution)
            replacement.idOffset = Int64(idCount + result.replacementIDs.count)
            replacement.idLength = UInt16(id.count)
            result.replacementIDs += id
            result.replacementIDs += amount
            replacement.source = firstCopy.source
            replacement.line = firstCopy.line
            billed = all[0]
            result.survivors.append(Int32(records.count + result.replacements.count))
            result.replacements.append(replacement)
            if replacement.subscription < 0 { result.outOfPeriod += 1 }
        }
        // The kept or replaced copy is accepted, then billed or out of period by the instant
        // it bills (counted above).
        if billed != nil { result.accepted += 1 }
        let superseded = all.filter { $0 != billed }.map { records[Int($0)].location }
        result.superseded += Int64(superseded.count)
        result.resolved.append(ResolutionOutcome(resolution: resolution, superseded: superseded))
        return true
    }
}
