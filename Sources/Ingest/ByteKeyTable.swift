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
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
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
/// slot array, at most half full; keys live in one byte arena. Storage is raw memory owned by a
/// class, so a lookup costs a hash, a load and a compare, with no reference counting or
/// copy-on-write check on the way.
public struct ByteKeyTable {
    private final class Storage {
        /// Per slot: the high 32 bits of the key's hash, then the key's number + 1 (0 = empty).
        var slots: UnsafeMutablePointer<UInt64>
        var mask: Int
        var arena: UnsafeMutableRawPointer
        var arenaCapacity: Int
        var arenaCount = 0
        /// Per key: its end in the arena (its start is the previous key's end).
        var ends: UnsafeMutablePointer<Int>
        var endsCapacity: Int
        var count = 0

        init(slotCount: Int) {
            slots = .allocate(capacity: slotCount)
            slots.initialize(repeating: 0, count: slotCount)
            mask = slotCount - 1
            arenaCapacity = 256
            arena = .allocate(byteCount: arenaCapacity, alignment: 8)
            endsCapacity = 16
            ends = .allocate(capacity: endsCapacity)
        }

        deinit {
            slots.deallocate()
            arena.deallocate()
            ends.deallocate()
        }

        func key(_ number: Int) -> UnsafeRawBufferPointer {
            let start = number == 0 ? 0 : ends[number - 1]
            return UnsafeRawBufferPointer(start: arena + start, count: ends[number] - start)
        }
    }

    private var storage: Storage

    /// An empty table sized for about `expected` keys.
    public init(expected: Int = 16) {
        var capacity = 16
        while capacity < expected * 2 { capacity *= 2 }
        storage = Storage(slotCount: capacity)
    }

    /// The number of keys.
    public var count: Int { storage.count }

    /// The number of `key`, or nil when it was never inserted.
    public func find(_ key: UnsafeRawBufferPointer) -> Int32? {
        let hash = byteHash(key)
        return probe(key, hash: hash).number
    }

    /// The slot holding `key` (with its number), or the empty slot where it would go.
    private func probe(_ key: UnsafeRawBufferPointer, hash: UInt64) -> (slot: Int, number: Int32?) {
        let storage = self.storage
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & storage.mask
        while true {
            let entry = storage.slots[slot]
            if entry == 0 { return (slot, nil) }
            if entry >> 32 == tag {
                let number = Int(entry & 0xFFFF_FFFF) - 1
                if ByteKeyTable.same(storage.key(number), key) { return (slot, Int32(number)) }
            }
            slot = (slot + 1) & storage.mask
        }
    }

    /// The number of `key`, inserting it when new.
    public mutating func intern(_ key: UnsafeRawBufferPointer) -> (number: Int32, inserted: Bool) {
        let storage = self.storage
        let hash = byteHash(key)
        let tag = hash >> 32
        let (slot, known) = probe(key, hash: hash)
        if let known { return (known, false) }
        precondition(storage.count < Int(Int32.max) - 1, "more keys than a table numbers")
        let number = storage.count
        if storage.arenaCount + key.count > storage.arenaCapacity {
            var grown = storage.arenaCapacity * 2
            while grown < storage.arenaCount + key.count { grown *= 2 }
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
            bigger.copyMemory(from: storage.arena, byteCount: storage.arenaCount)
            storage.arena.deallocate()
            storage.arena = bigger
            storage.arenaCapacity = grown
        }
        if let source = key.baseAddress {
            (storage.arena + storage.arenaCount).copyMemory(from: source, byteCount: key.count)
        }
        storage.arenaCount += key.count
        if number == storage.endsCapacity {
            let bigger = UnsafeMutablePointer<Int>.allocate(capacity: storage.endsCapacity * 2)
            bigger.moveInitialize(from: storage.ends, count: number)
            storage.ends.deallocate()
            storage.ends = bigger
            storage.endsCapacity *= 2
        }
        (storage.ends + number).initialize(to: storage.arenaCount)
        storage.count += 1
        storage.slots[slot] = tag << 32 | UInt64(number + 1)
        if storage.count * 2 > storage.mask + 1 { grow() }
        return (Int32(number), true)
    }

    /// Calls `body` with the bytes of key `number`.
    public func withKey<Result>(
        _ number: Int32, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        try body(storage.key(Int(number)))
    }

    static func same(_ held: UnsafeRawBufferPointer, _ key: UnsafeRawBufferPointer) -> Bool
    {
        guard held.count == key.count else { return false }
        let count = key.count
        guard count > 0 else { return true }
        // Keys here are mostly short (meters, customer ids, dims): eight bytes at a time inline
        // beats a call to memcmp.
        guard count <= 32 else { return memcmp(held.baseAddress!, key.baseAddress!, count) == 0 }
        var index = 0
        while index + 8 <= count {
            if held.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                != key.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            {
                return false
            }
            index += 8
        }
        while index < count {
            if held[index] != key[index] { return false }
            index += 1
        }
        return true
    }

    private func grow() {
        let storage = self.storage
        let capacity = (storage.mask + 1) * 2
        let slots = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        slots.initialize(repeating: 0, count: capacity)
        let mask = capacity - 1
        for number in 0..<storage.count {
            let hash = byteHash(storage.key(number))
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash >> 32) << 32 | UInt64(number + 1)
        }
        storage.slots.deallocate()
        storage.slots = slots
        storage.mask = mask
    }
}
