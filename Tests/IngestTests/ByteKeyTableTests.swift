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
}
