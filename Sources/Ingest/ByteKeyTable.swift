import Foundation

/// A 64-bit hash of bytes, the same on every machine and in every run (no per-process seed), so
/// spill partitions — and later Spark shards — fall the same way everywhere. Eight bytes at a
/// time, multiply-and-rotate, then a final avalanche; not cryptographic.
///
/// Not seeded means an adversary who controls event ids could aim collisions at one table slot;
/// linear probing then degrades to a scan of that cluster, slower but still exact (see
/// docs/performance.md).
@inlinable
public func byteHash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
    let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    var hash = seed ^ (UInt64(truncatingIfNeeded: bytes.count) &* multiplier)
    var index = 0
    let count = bytes.count
    while index + 8 <= count {
        let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        hash = (hash ^ (word &* 0xFF51_AFD7_ED55_8CCD)) &* multiplier
        hash = (hash << 29) | (hash >> 35)
        index += 8
    }
    if index < count {
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        hash = (hash ^ (tail &* 0xFF51_AFD7_ED55_8CCD)) &* multiplier
    }
    hash ^= hash >> 33
    hash = hash &* 0xC4CE_B9FE_1A85_EC53
    hash ^= hash >> 33
    return hash
}

/// Interns byte strings: each distinct key gets the next number from 0, found again from its
/// bytes without building a `String`. Open addressing with linear probing over a power-of-two
/// slot array, at most half full; keys live in one byte arena.
public struct ByteKeyTable {
    /// Per slot: the key's number + 1 (0 is empty).
    private var slots: [Int32]
    /// Per slot: the high 32 bits of the key's hash, to skip most byte comparisons.
    private var tags: [UInt32]
    private var mask: Int
    private var arena: [UInt8] = []
    /// Per key: start and end in `arena`.
    private var bounds: [(start: Int, end: Int)] = []

    /// An empty table sized for about `expected` keys.
    public init(expected: Int = 16) {
        var capacity = 16
        while capacity < expected * 2 { capacity *= 2 }
        slots = Array(repeating: 0, count: capacity)
        tags = Array(repeating: 0, count: capacity)
        mask = capacity - 1
    }

    /// The number of keys.
    public var count: Int { bounds.count }

    /// Bytes held (slots, tags, arena, bounds), for memory accounting.
    public var bytesHeld: Int { slots.count * 8 + arena.capacity + bounds.capacity * 16 }

    /// The number of `key`, or nil when it was never inserted.
    public func find(_ key: UnsafeRawBufferPointer) -> Int32? {
        let hash = byteHash(key)
        let tag = UInt32(truncatingIfNeeded: hash >> 32)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if tags[slot] == tag && equals(Int(entry - 1), key) { return entry - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// The number of `key`, inserting it when new.
    public mutating func intern(_ key: UnsafeRawBufferPointer) -> (number: Int32, inserted: Bool) {
        let hash = byteHash(key)
        let tag = UInt32(truncatingIfNeeded: hash >> 32)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if tags[slot] == tag && equals(Int(entry - 1), key) { return (entry - 1, false) }
            slot = (slot + 1) & mask
        }
        let number = Int32(bounds.count)
        let start = arena.count
        arena.append(contentsOf: key)
        bounds.append((start, arena.count))
        slots[slot] = number + 1
        tags[slot] = tag
        if bounds.count * 2 > slots.count { grow() }
        return (number, true)
    }

    /// Calls `body` with the bytes of key `number`.
    public func withKey<Result>(
        _ number: Int32, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        let (start, end) = bounds[Int(number)]
        return try arena.withUnsafeBytes {
            try body(UnsafeRawBufferPointer(rebasing: $0[start..<end]))
        }
    }

    private func equals(_ number: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let (start, end) = bounds[number]
        guard end - start == key.count else { return false }
        return arena.withUnsafeBytes { held in
            key.count == 0 || memcmp(held.baseAddress! + start, key.baseAddress!, key.count) == 0
        }
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        var newSlots = [Int32](repeating: 0, count: capacity)
        var newTags = [UInt32](repeating: 0, count: capacity)
        let newMask = capacity - 1
        arena.withUnsafeBytes { held in
            for (number, (start, end)) in bounds.enumerated() {
                let hash = byteHash(UnsafeRawBufferPointer(rebasing: held[start..<end]))
                var slot = Int(truncatingIfNeeded: hash) & newMask
                while newSlots[slot] != 0 { slot = (slot + 1) & newMask }
                newSlots[slot] = Int32(number) + 1
                newTags[slot] = UInt32(truncatingIfNeeded: hash >> 32)
            }
        }
        slots = newSlots
        tags = newTags
        mask = newMask
    }
}
