/// Numbers for keys made of two integers (an aggregate's customer, charge and group; a charge
/// and an interned dims value): open addressing with linear probing, at most half full, so the
/// per-event lookups of aggregation cost a multiply and a compare instead of a SipHash.
struct PairKeyTable {
    /// One slot: the key's two integers and the value + 1 (0 is empty), side by side so that a
    /// probe touches one cache line (three arrays cost three misses per probe on the
    /// ~180,000-aggregate table of the 20M benchmark).
    private struct Entry {
        var first: UInt64
        var second: UInt64
        var value: Int32
    }

    private var entries: [Entry]
    private var mask: Int
    private(set) var count = 0

    init(expected: Int = 16) {
        var capacity = 16
        while capacity < expected * 2 { capacity *= 2 }
        entries = Array(repeating: Entry(first: 0, second: 0, value: 0), count: capacity)
        mask = capacity - 1
    }

    private static func slot(_ first: UInt64, _ second: UInt64, _ mask: Int) -> Int {
        var hash = (first &* 0x9E37_79B9_7F4A_7C15) ^ (second &+ 0x632B_E59B_D9B4_E019)
        hash = (hash ^ (hash >> 32)) &* 0xD6E8_FEB8_6659_FD93
        hash ^= hash >> 32
        return Int(truncatingIfNeeded: hash) & mask
    }

    /// The value held for the key, or nil.
    func find(_ first: UInt64, _ second: UInt64) -> Int32? {
        entries.withUnsafeBufferPointer { entries in
            var slot = PairKeyTable.slot(first, second, mask)
            while true {
                let entry = entries[slot]
                if entry.value == 0 { return nil }
                if entry.first == first && entry.second == second { return entry.value - 1 }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Holds `value` for a key not held yet.
    mutating func insert(_ first: UInt64, _ second: UInt64, value: Int32) {
        var slot = PairKeyTable.slot(first, second, mask)
        while entries[slot].value != 0 { slot = (slot + 1) & mask }
        entries[slot] = Entry(first: first, second: second, value: value + 1)
        count += 1
        if count * 2 > entries.count { grow() }
    }

    private mutating func grow() {
        let old = entries
        let capacity = entries.count * 2
        entries = Array(repeating: Entry(first: 0, second: 0, value: 0), count: capacity)
        mask = capacity - 1
        count = 0
        for entry in old where entry.value != 0 {
            insert(entry.first, entry.second, value: entry.value - 1)
        }
    }
}
