import Foundation
import TestSupport
import XCTest

@testable import Formats
@testable import Pricing

#if canImport(Glibc)
import Glibc
#endif

/// `OutputFolder.stream(_:)` and `OutputSink` (issue 9): bytes streamed in bounded pieces,
/// hashed as they are written, the same bytes as the whole-file writers; and the one `syncfs`
/// at commit that replaced the fsync per file.
final class OutputSinkTests: XCTestCase {
    private var scratch = ""
    private var target: String { scratch + "/out" }

    override func setUpWithError() throws {
        scratch = try makeTemporaryDirectory().path
    }

    private func read(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func names(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    // MARK: Digest and bounded buffering

    /// FIPS 180-2's example: SHA-256("abc"), written a byte at a time through the sink.
    func testDigestOfBytesWrittenInPiecesIsTheKnownSHA256() throws {
        let folder = try OutputFolder(target: target)
        let sink = try folder.stream("abc.txt", bufferCapacity: 1)
        for piece in ["a", "b", "c"] { try sink.write(piece) }
        let digest = try sink.close()
        try folder.commit()
        XCTAssertEqual(
            digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(try read(target + "/abc.txt"), Array("abc".utf8))
        // Capacity 1: "a" fills the buffer; "b" flushes it (1), "c" flushes "b" (2), close
        // flushes "c" (3).
        XCTAssertEqual(sink.flushCount, 3)
        XCTAssertEqual(sink.byteCount, 3)
    }

    /// A file much larger than the buffer: written in exactly the flushes the buffer rule
    /// gives, and the digest returned is the SHA-256 of the file on disk.
    func testLargeFileIsWrittenInBoundedPiecesAndDigestMatchesTheFile() throws {
        let folder = try OutputFolder(target: target)
        let sink = try folder.stream("big/rows.ndjson", bufferCapacity: 1000)
        var expected: [UInt8] = []
        // 10 pieces of 300 bytes: the buffer holds 3 (900 bytes); the 4th, 7th and 10th each
        // flush 900 bytes first (3 flushes), and close flushes the last 300 (4 flushes).
        for index in 0..<10 {
            let piece = [UInt8](repeating: UInt8(ascii: "a") + UInt8(index), count: 299) + [0x0A]
            try sink.write(piece)
            expected += piece
        }
        XCTAssertEqual(sink.flushCount, 3)
        // A piece larger than the buffer flushes the 300 waiting bytes (5) and goes straight
        // to the file (6).
        let large = [UInt8](repeating: UInt8(ascii: "z"), count: 2500)
        try sink.write(large)
        expected += large
        XCTAssertEqual(sink.flushCount, 5)
        // 100,000 pieces of 30 bytes (3,000,000 bytes) into the empty buffer: it holds 33
        // (990 bytes), so pieces 34, 67, …, 33k + 1 each flush 990 bytes first; 33k + 1 ≤
        // 100,000 for k ≤ 3,030, and 100,000 − 3,030 × 33 = 10 pieces wait for close.
        let row = Array("{\"customer\":\"cus_000001\"}\n\n\n\n\n".utf8)
        XCTAssertEqual(row.count, 30)
        for _ in 0..<100_000 {
            try sink.write(row)
            expected += row
        }
        XCTAssertEqual(sink.flushCount, 5 + 3_030)
        let digest = try sink.close()
        XCTAssertEqual(sink.flushCount, 5 + 3_030 + 1)
        XCTAssertEqual(sink.byteCount, 3000 + 2500 + 3_000_000)
        try folder.commit()
        let written = try read(target + "/big/rows.ndjson")
        XCTAssertEqual(written.count, expected.count)
        XCTAssertTrue(written == expected)
        XCTAssertEqual(digest, SHA256.hash(written))
    }

    /// The whole-file `write(_:bytes:)` is a wrapper over a sink: same digest, same bytes,
    /// and an empty file has the SHA-256 of nothing.
    func testWholeFileWriteReturnsTheDigestOfItsBytes() throws {
        let folder = try OutputFolder(target: target)
        let bytes = Array("{\"a\":1}\n".utf8)
        XCTAssertEqual(try folder.write("a.json", bytes: bytes), SHA256.hash(bytes))
        XCTAssertEqual(
            try folder.write("empty", bytes: []),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        try folder.commit()
        XCTAssertEqual(try read(target + "/a.json"), bytes)
        XCTAssertEqual(try read(target + "/empty"), [])
    }

    /// Several sinks may be open at once; a streamed path counts as written.
    func testSinksInterleaveAndPathsStayWrittenOnce() throws {
        let folder = try OutputFolder(target: target)
        let first = try folder.stream("one.txt", bufferCapacity: 4)
        let second = try folder.stream("two.txt", bufferCapacity: 4)
        for index in 0..<5 {
            try first.write("1-\(index)\n")
            try second.write("2-\(index)\n")
        }
        XCTAssertThrowsError(try folder.stream("one.txt")) { error in
            XCTAssertEqual(
                error as? OutputError,
                .invalidPath(path: "one.txt", reason: "written twice in one run"))
        }
        _ = try first.close()
        _ = try second.close()
        try folder.commit()
        XCTAssertEqual(
            String(decoding: try read(target + "/one.txt"), as: UTF8.self),
            "1-0\n1-1\n1-2\n1-3\n1-4\n")
        XCTAssertEqual(
            String(decoding: try read(target + "/two.txt"), as: UTF8.self),
            "2-0\n2-1\n2-2\n2-3\n2-4\n")
    }

    // MARK: Failures

    /// A write(2) failing in the middle of a streamed file abandons the run like a failed
    /// whole-file write: the error names the file, nothing is left but the lock file.
    func testWriteFailureWhileStreamingAbandonsTheFolder() throws {
        let system = OutputSystemCalls(faults: [.init(call: .write, occurrence: 2, errno: EIO)])
        let folder = try OutputFolder(target: target, system: system)
        let sink = try folder.stream("rows.ndjson", bufferCapacity: 8)
        try sink.write("12345678")  // fills the buffer
        try sink.write("9")  // flush #1 (write #1) succeeds
        XCTAssertThrowsError(try sink.write("abcdefgh")) { error in  // write #2 fails
            XCTAssertEqual(
                error as? OutputError,
                .io(path: folder.temporaryPath + "/rows.ndjson", errno: EIO, operation: "write"))
        }
        XCTAssertEqual(try names(scratch), [".out.lock"])
        let next = try OutputFolder(target: target)  // The lock was released.
        next.abandon()
    }

    /// Commit's first durability step is one syncfs of the temporary folder's file system
    /// (counted as fsync #1). When it fails, nothing is swapped: the previous output stays.
    func testSyncFailureAtCommitLeavesThePreviousOutput() throws {
        let previous = try OutputFolder(target: target)
        try previous.write("usage.ndjson", bytes: Array("old\n".utf8))
        try previous.commit()
        let system = OutputSystemCalls(faults: [.init(call: .fsync, occurrence: 1, errno: EIO)])
        let folder = try OutputFolder(target: target, system: system)
        try folder.write("usage.ndjson", bytes: Array("new\n".utf8))
        XCTAssertThrowsError(try folder.commit()) { error in
            XCTAssertEqual(
                error as? OutputError,
                .io(path: folder.temporaryPath, errno: EIO, operation: "sync"))
        }
        XCTAssertEqual(try read(target + "/usage.ndjson"), Array("old\n".utf8))
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }

    /// The real syncfs runs (glibc has it) and a committed folder holds every file.
    func testSyncFileSystemIsAvailableAndCommitSucceeds() throws {
        let system = OutputSystemCalls()
        let descriptor = try system.openFolder(scratch)
        defer { _ = Glibc.close(descriptor) }
        XCTAssertTrue(try system.syncFileSystem(descriptor, path: scratch))
        let folder = try OutputFolder(target: target)
        for index in 0..<50 {
            try folder.write("invoices/cus_\(index).json", bytes: Array("{}\n".utf8))
        }
        try folder.commit()
        XCTAssertEqual(try names(target + "/invoices").count, 50)
    }

    // MARK: Streaming writers give the whole-file bytes

    /// Enough journal transactions (≈ 400 KB per journal) that every writer hands its text to
    /// the sink in several 64 KiB pieces; the streamed files equal the in-memory bytes.
    func testStreamedJournalsEqualTheWholeFileBytes() throws {
        let usd = Currency(code: "USD", minorUnitDigits: 2)
        var journal: [JournalTransaction] = []
        for index in 0..<2_000 {
            let customer = "cus_\(index)"
            journal.append(
                JournalTransaction(
                    date: CivilDate(iso: "2026-10-31")!, kind: .invoice,
                    reference: "inv_2026-10_\(customer)", customer: customer,
                    invoiceID: "inv_2026-10_\(customer)", grantID: nil,
                    description: "Invoice 2026-10-\(index) (\(customer)); usage",
                    postings: [
                        Posting(
                            account: "Assets:Receivable:C\(index)",
                            amount: Money(minorUnits: Int128(index), currency: usd)),
                        Posting(
                            account: "Income:Usage:Kapi",
                            amount: Money(minorUnits: -Int128(index), currency: usd)),
                    ]))
        }
        let folder = try OutputFolder(target: target)
        var digests: [String: String] = [:]
        var sinks: [String: OutputSink] = [:]
        for name in ["journal.ledger", "journal.beancount", "journal.csv"] {
            sinks[name] = try folder.stream(name, bufferCapacity: 4096)
        }
        try JournalWriters.ledger(journal, currencies: [usd], to: sinks["journal.ledger"]!)
        try JournalWriters.beancount(journal, currencies: [usd], to: sinks["journal.beancount"]!)
        try JournalWriters.csv(journal, to: sinks["journal.csv"]!)
        for (name, sink) in sinks {
            XCTAssertGreaterThan(sink.byteCount, 3 * JournalWriters.chunkBytes, name)
            digests[name] = try sink.close()
        }
        try folder.commit()
        let whole = [
            "journal.ledger": JournalWriters.ledger(journal, currencies: [usd]),
            "journal.beancount": JournalWriters.beancount(journal, currencies: [usd]),
            "journal.csv": JournalWriters.csv(journal),
        ]
        for (name, bytes) in whole {
            let written = try read(target + "/" + name)
            XCTAssertTrue(written == bytes, name)
            XCTAssertEqual(digests[name], SHA256.hash(bytes), name)
        }
    }

    /// `JSONWriter.flush(to:)` between lines gives the bytes the writer would have held.
    func testJSONWriterFlushedLineByLineGivesTheSameBytes() throws {
        var whole = JSONWriter()
        var streamed = JSONWriter()
        let output = OutputBytes()
        for index in 0..<1_000 {
            for writer in [0, 1] {
                func line(_ json: inout JSONWriter) {
                    json.beginObject()
                    json.key("n")
                    json.integer(index)
                    json.key("s")
                    json.string("line \"\(index)\"\n")
                    json.endObject()
                    json.endLine()
                }
                if writer == 0 { line(&whole) } else { line(&streamed) }
            }
            if index % 7 == 0 { try streamed.flush(to: output) }
        }
        try streamed.flush(to: output)
        XCTAssertEqual(streamed.bytes, [])
        XCTAssertTrue(output.bytes == whole.bytes)
    }
}

/// The ASCII fast paths of the journal text rules (issue 9's profile: Unicode property lookups
/// were a tenth of the journals' cost) give exactly what the Unicode rules give.
final class JournalTextFastPathTests: XCTestCase {
    /// Every ASCII string of length ≤ 3 over a 12-byte alphabet holding each class the rules
    /// tell apart (controls, white space, DEL, `;`, `(`, `:`, `-`, letters, digits), and a
    /// seeded sample of longer ones.
    func asciiSamples() -> [String] {
        let alphabet: [UInt8] = [0x00, 0x09, 0x0A, 0x1F, 0x20, 0x7F, 0x3B, 0x28, 0x3A, 0x2D]
            + Array("aZ5".utf8)
        var samples: [[UInt8]] = [[]]
        var layer: [[UInt8]] = [[]]
        for _ in 0..<3 {
            layer = layer.flatMap { prefix in alphabet.map { prefix + [$0] } }
            samples += layer
        }
        var state: UInt64 = 42
        for _ in 0..<5_000 {
            var bytes: [UInt8] = []
            for _ in 0..<(Int(state % 24)) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8((state >> 33) % 128))
            }
            samples.append(bytes)
        }
        samples += ["Assets:Receivable:Ccus-5F001", "Income:Usage:Kapi", "Assets:", "Assets"]
            .map { Array($0.utf8) }
        return samples.map { String(decoding: $0, as: UTF8.self) }
    }

    func testASCIIDescriptionEqualsTheUnicodeRule() {
        for text in asciiSamples() {
            XCTAssertEqual(
                JournalText.asciiDescription(text), JournalText.unicodeDescription(text),
                "\(Array(text.utf8))")
        }
        XCTAssertNil(JournalText.asciiDescription("caf\u{E9}"))
        XCTAssertEqual(JournalText.description(" a\u{85}\u{2028}b  c\t"), "a b c")
    }

    /// `identifier` and `beancountString` return plain text as it is; checked against the
    /// rules written out here byte by byte.
    func testIdentifierAndBeancountStringShortcutsKeepTheRules() {
        for text in asciiSamples() + ["caf\u{E9} 1", " a,b%", "cus_001", ""] {
            let bytes = Array(text.utf8)
            var identifier: [UInt8] = []
            for (index, byte) in bytes.enumerated() {
                let atEnd = index == 0 || index == bytes.count - 1
                if byte == 0x25 || byte == 0x2C || byte < 0x20 || byte == 0x7F
                    || (byte == 0x20 && atEnd)
                {
                    identifier += Array(String(format: "%%%02X", byte).utf8)
                } else {
                    identifier.append(byte)
                }
            }
            XCTAssertEqual(Array(JournalText.identifier(text).utf8), identifier, "\(bytes)")
            var literal: [UInt8] = [0x22]
            for byte in bytes {
                if byte == 0x22 || byte == 0x5C { literal.append(0x5C) }
                literal.append(byte)
            }
            literal.append(0x22)
            XCTAssertEqual(Array(JournalText.beancountString(text).utf8), literal, "\(bytes)")
        }
    }

    /// The byte-appending forms the journal writers use give the bytes of the string forms.
    func testAppendingFormsEqualTheStringForms() {
        for text in asciiSamples() + ["caf\u{E9} \"1\"", "a\\b", "", "cus_001"] {
            var literal: [UInt8] = [0x2A]
            JournalText.appendBeancountString(text, to: &literal)
            XCTAssertEqual(literal, [0x2A] + Array(JournalText.beancountString(text).utf8), text)
            for other in ["", "x", " a", "caf\u{E9}"] {
                var row: [UInt8] = []
                CSVText.appendField(text, to: &row)
                row.append(0x2C)
                CSVText.appendField(other, to: &row)
                row.append(0x0A)
                XCTAssertEqual(row, Array(CSVText.row([text, other]).utf8), text)
            }
        }
        var quoted: [UInt8] = []
        CSVText.appendField("a \"b\", \u{E9}", to: &quoted)
        XCTAssertEqual(String(decoding: quoted, as: UTF8.self), "\"a \"\"b\"\", \u{E9}\"")
        // Beyond 1...9999 only by adding days: year 0 and year 10183 go through `description`.
        let dates = [
            CivilDate(year: 2026, month: 10, day: 31)!, CivilDate(year: 33, month: 1, day: 9)!,
            CivilDate(year: 9999, month: 12, day: 31)!, CivilDate(year: 1, month: 1, day: 1)!,
            CivilDate(daysSinceEpoch: -719_500), CivilDate(daysSinceEpoch: 3_000_000),
        ]
        XCTAssertEqual(dates[4].year, 0)
        XCTAssertGreaterThan(dates[5].year, 9999)
        for date in dates {
            var bytes: [UInt8] = [0x2A]
            JournalText.appendDate(date, to: &bytes)
            XCTAssertEqual(bytes, [0x2A] + Array(date.description.utf8), date.description)
        }
        var written: [UInt8] = []
        JournalText.appendDate(CivilDate(year: 33, month: 1, day: 9)!, to: &written)
        XCTAssertEqual(String(decoding: written, as: UTF8.self), "0033-01-09")
    }

    func testForEachTagGivesTheTagsInOrder() {
        for (invoiceID, grantID) in [(nil, nil), ("inv_1", nil), (nil, "g_1"), ("inv_1", "g_1")] {
            let transaction = JournalTransaction(
                date: CivilDate(year: 2026, month: 10, day: 31)!, kind: .apply, reference: "r",
                customer: "cus_1", invoiceID: invoiceID, grantID: grantID, description: "d",
                postings: [])
            var seen: [String] = []
            JournalWriters.forEachTag(transaction) { seen.append($0 + "=" + $1) }
            XCTAssertEqual(seen, JournalWriters.tags(transaction).map { $0.key + "=" + $0.value })
        }
    }

    func testASCIIAccountNameEqualsTheUnicodeRule() {
        for name in asciiSamples() {
            XCTAssertEqual(
                JournalText.isASCIIAccountName(name), JournalText.isUnicodeAccountName(name),
                "\(Array(name.utf8))")
        }
        for suffix in asciiSamples() {
            for name in ["Assets:" + suffix, "Income:Usage:K" + suffix] {
                XCTAssertEqual(
                    JournalText.isASCIIAccountName(name), JournalText.isUnicodeAccountName(name),
                    "\(Array(name.utf8))")
            }
        }
        for name in [
            "", ":", "Assets", "Assets:", ":Assets", "Assets::X", "Assets:X:", "Assets:X",
            "Expenses:A:B-c", "Equity:0pening", "Liabilities:-x", "Income:a", "Incomes:X",
            "Asset:X", "Assets:X y", "Assets:X;y", "Assets:Xy:Z9-q",
        ] {
            XCTAssertEqual(
                JournalText.isASCIIAccountName(name), JournalText.isUnicodeAccountName(name),
                name)
        }
        XCTAssertTrue(JournalText.isASCIIAccountName("Assets:Receivable:Ccus-5F001"))
        XCTAssertFalse(JournalText.isASCIIAccountName("Assets:receivable"))
        XCTAssertTrue(JournalText.isAccountName("Income:Usage:\u{C9}t\u{E9}"))
    }
}
