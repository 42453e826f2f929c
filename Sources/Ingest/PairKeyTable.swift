/// Numbers for keys made of two integers (an aggregate's customer, charge and group; a charge
/// and an interned dims value): open addressing with linear probing, at most half full, so the
/// per-event lookups of aggregation cost a multiply and a compare instead of a SipHash.
struct PairKeyTable {
    private var firsts: [UInt64]
    private var seconds: [UInt64]
    /// The value + 1 per slot; 0 is empty.
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0

    init(expected: Int = 16) {
        var capacity = 16
        while capacity < expected * 2 { capacity *= 2 }
        firsts = Array(repeating: 0, count: capacity)
        seconds = Array(repeating: 0, count: capacity)
        values = Array(repeating: 0, count: capacity)
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
        var slot = PairKeyTable.slot(first, second, mask)
        while true {
            let value = values[slot]
            if value == 0 { return nil }
            if firsts[slot] == first && seconds[slot] == second { return value - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// Holds `value` for a key not held yet.
    mutating func insert(_ first: UInt64, _ second: UInt64, value: Int32) {
        var slot = PairKeyTable.slot(first, second, mask)
        while values[slot] != 0 { slot = (slot + 1) & mask }
        firsts[slot] = first
        seconds[slot] = second
        values[slot] = value + 1
        count += 1
        if count * 2 > values.count { grow() }
    }

    private mutating func grow() {
        let old = (firsts, seconds, values)
        let capacity = values.count * 2
        firsts = Array(repeating: 0, count: capacity)
        seconds = Array(repeating: 0, count: capacity)
        values = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        count = 0
        for index in old.2.indices where old.2[index] != 0 {
            insert(old.0[index], old.1[index], value: old.2[index] - 1)
        }
    }
}
