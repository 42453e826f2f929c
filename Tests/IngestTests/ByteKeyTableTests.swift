import Foundation
import XCTest

@testable import Ingest

/// The open-addressing tables of the hot path against plain dictionaries.
final class ByteKeyTableTests: XCTestCase {
    func testInternAndFindAgreeWithADictionary() {
        var table = ByteKeyTable(expected: 4)
        var reference: [[UInt8]: Int32] = [:]
        // Empty key, prefixes of each other, lengths across the 8-byte steps of the hash, NUL.
        var keys: [[UInt8]] = [[], [0], [0, 0], Array("a".utf8), Array("ab".utf8)]
        for length in 1...40 { keys.append((0..<length).map { UInt8(($0 * 7 + length) % 251) }) }
        for number in 0..<5000 { keys.append(Array("cus_\(number)".utf8)) }
        for key in keys + keys {
            let (number, inserted) = key.withUnsafeBytes { table.intern($0) }
            if let known = reference[key] {
                XCTAssertFalse(inserted)
                XCTAssertEqual(number, known)
            } else {
                XCTAssertTrue(inserted)
                XCTAssertEqual(number, Int32(reference.count))
                reference[key] = number
            }
        }
        XCTAssertEqual(table.count, reference.count)
        for (key, number) in reference {
            XCTAssertEqual(key.withUnsafeBytes { table.find($0) }, number)
            XCTAssertEqual(table.withKey(number) { Array($0) }, key)
        }
        for missing in ["cus_5000", "cus_", "b", "cus_00"] {
            XCTAssertNil(Array(missing.utf8).withUnsafeBytes { table.find($0) }, missing)
        }
    }

    func testPairKeyTableAgreesWithADictionary() {
        var table = PairKeyTable(expected: 2)
        var reference: [[UInt64]: Int32] = [:]
        for first in 0..<300 {
            for second in [0, 1, UInt64.max, UInt64(first) << 32] {
                let key = [UInt64(first), second]
                guard reference[key] == nil else { continue }
                XCTAssertNil(table.find(key[0], key[1]))
                table.insert(key[0], key[1], value: Int32(reference.count))
                reference[key] = Int32(reference.count)
            }
        }
        XCTAssertEqual(table.count, reference.count)
        for (key, value) in reference { XCTAssertEqual(table.find(key[0], key[1]), value) }
    }

    func testHashIsFixedAcrossRunsAndMachines() {
        // The partition of a customer must not change between runs or machines (spill files,
        // later shards): pinned values.
        XCTAssertEqual(
            Array("cus_1".utf8).withUnsafeBytes { byteHash($0) }, 9_449_139_523_449_268_620)
        let long = Array("a customer id longer than sixteen bytes".utf8)
        XCTAssertEqual(long.withUnsafeBytes { byteHash($0) }, 4_369_387_288_064_990_179)
        let partition = long.withUnsafeBytes { customer in
            Array("evt_0123456789abcdef".utf8).withUnsafeBytes { id in
                UsageIngest.partition(customer: customer, id: id, count: 256)
            }
        }
        XCTAssertEqual(partition, 159)
    }

    func testKeyComparisonFindsEveryDifferingByte() {
        // The inline comparison goes eight bytes at a time up to 32 bytes, then calls memcmp:
        // a difference at every position of every length on both sides of those steps.
        for length in 0...41 {
            let key = (0..<length).map { UInt8(($0 * 13 + 5) % 256) }
            key.withUnsafeBytes { held in
                XCTAssertTrue(ByteKeyTable.same(held, held), "length \(length)")
                XCTAssertTrue(Array(key).withUnsafeBytes { ByteKeyTable.same(held, $0) })
                for position in 0..<length {
                    var other = key
                    other[position] ^= 0x80
                    XCTAssertFalse(
                        other.withUnsafeBytes { ByteKeyTable.same(held, $0) },
                        "length \(length), position \(position)")
                }
                XCTAssertFalse((key + [0]).withUnsafeBytes { ByteKeyTable.same(held, $0) })
            }
        }
    }

    func testPartitionKeepsRecordsAndIDsInMemoryAndAfterSpilling() throws {
        func record(_ number: Int) -> EventRecord {
            EventRecord(
                quantityLow: UInt64(number), quantityHigh: -1, seconds: Int64(number) * 3,
                line: Int64(number), idOffset: 0, customer: Int32(number % 7), meter: 1,
                dims: 2, source: 3, nanoseconds: 4, subscription: 0, idLength: 0)
        }
        // Ids from empty to 300 bytes, so both buffers grow many times.
        func id(_ number: Int) -> [UInt8] {
            (0..<(number * 37 % 301)).map { UInt8(($0 + number) % 256) }
        }
        func check(_ taken: (records: [EventRecord], ids: [UInt8]), count: Int) {
            XCTAssertEqual(taken.records.count, count)
            for (number, held) in taken.records.enumerated() {
                let start = Int(held.idOffset)
                XCTAssertEqual(Array(taken.ids[start..<start + Int(held.idLength)]), id(number))
                XCTAssertEqual(held.quantityLow, UInt64(number))
                XCTAssertEqual(held.line, Int64(number))
                XCTAssertEqual(held.customer, Int32(number % 7))
            }
        }
        let inMemory = EventPartition()
        for number in 0..<1000 {
            id(number).withUnsafeBytes { inMemory.append(record(number), id: $0) }
        }
        XCTAssertEqual(inMemory.count, 1000)
        check(try inMemory.takeAll(), count: 1000)
        XCTAssertEqual(inMemory.count, 0)

        let spilled = EventPartition()
        for number in 0..<1000 {
            id(number).withUnsafeBytes { spilled.append(record(number), id: $0) }
            if number == 300 {
                try spilled.spill(folder: NSTemporaryDirectory())
                spilled.shrink()
            }
            if number > 300 && spilled.recordCount == 64 {
                try spilled.spill(folder: NSTemporaryDirectory())
            }
        }
        XCTAssertEqual(spilled.count, 1000)
        XCTAssertLessThan(spilled.recordCount, 64)
        check(try spilled.takeAll(), count: 1000)
        XCTAssertEqual(spilled.count, 0)
    }
}
