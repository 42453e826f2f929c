import Foundation
import TestSupport
import XCTest

@testable import Formats

final class SHA256Tests: XCTestCase {
    // Vectors from FIPS 180-4's examples (NIST CSRC "SHA256.pdf") and the NESSIE long message.

    func testEmptyMessage() {
        XCTAssertEqual(
            SHA256.hash([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testAbc() {
        XCTAssertEqual(
            SHA256.hash(Array("abc".utf8)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testTwoBlockMessageOf448Bits() {
        // 56 bytes: the padding no longer fits, so a second block holds the length.
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        XCTAssertEqual(message.utf8.count, 56)
        XCTAssertEqual(
            SHA256.hash(Array(message.utf8)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testOneMillionA() {
        XCTAssertEqual(
            SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 1_000_000)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalUpdatesInOddChunksEqualOneShot() {
        // One million "a" fed in chunks of 1, 2, ..., 63, 64, 65, 1, ... bytes: every
        // pending-block path runs, and the result must not change.
        let message = Array(repeating: UInt8(ascii: "a"), count: 1_000_000)
        var state = SHA256()
        var start = 0
        var chunk = 1
        message.withUnsafeBytes { bytes in
            while start < bytes.count {
                let end = min(start + chunk, bytes.count)
                state.update(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                start = end
                chunk = chunk % 65 + 1
            }
        }
        XCTAssertEqual(
            SHA256.hex(state.finalize()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testPaddingBoundariesAgainstSha256sum() throws {
        // Lengths around the 55/56/64-byte padding edges, checked against coreutils.
        let directory = try makeTemporaryDirectory()
        for length in [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            try writeFile("m\(length)", bytes, in: directory)
            XCTAssertEqual(
                SHA256.hash(bytes), try sha256sum("m\(length)", in: directory), "length \(length)")
        }
    }

    func testLargeVariedMessageInMixedUpdatesAgainstSha256sum() throws {
        // 3 MiB + 7 bytes that never repeat a 64-byte block, fed as StoredByteSource feeds it
        // (whole 1 MiB blocks) mixed with odd small updates, so block order and the carry of a
        // partial block between updates are both visible in the digest.
        let directory = try makeTemporaryDirectory()
        var seed: UInt64 = 42
        let bytes: [UInt8] = (0..<(3 << 20) + 7).map { _ in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
        try writeFile("varied", bytes, in: directory)
        let updateSizes = [1 << 20, 1, 63, 64, 65, 1 << 20, 4_099]
        var state = SHA256()
        var start = 0
        var next = 0
        bytes.withUnsafeBytes { buffer in
            while start < buffer.count {
                let end = min(start + updateSizes[next % updateSizes.count], buffer.count)
                state.update(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
                start = end
                next += 1
            }
        }
        XCTAssertEqual(SHA256.hex(state.finalize()), try sha256sum("varied", in: directory))
        XCTAssertEqual(SHA256.hash(bytes), try sha256sum("varied", in: directory))
    }

    func testHexIsLowercaseTwoDigitsPerByte() {
        XCTAssertEqual(SHA256.hex([0x00, 0x0f, 0xa0, 0xff]), "000fa0ff")
        XCTAssertEqual(SHA256.hex([]), "")
    }
}
