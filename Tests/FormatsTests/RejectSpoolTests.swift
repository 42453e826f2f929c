import Foundation
import Pricing
import XCTest

@testable import Formats

/// rejects.ndjson written from the spool is the sorted list of every reject, whether the spool
/// stayed in memory or went to its temporary file.
final class RejectSpoolTests: XCTestCase {
    func record(_ file: String, _ member: String?, _ line: Int64, _ reason: RejectReason)
        -> RejectRecord
    {
        Array("raw \(file) \(line)".utf8).withUnsafeBytes {
            RejectRecord(
                file: file, member: member, line: line, reason: reason, detail: "d\(line)",
                raw: $0)
        }
    }

    func testSpooledRejectsComeOutInFileMemberLineOrder() throws {
        // Sources in reading order: files sorted by name, archive members in stored order
        // (z before a), as the reader registers them.
        let sources: [(file: String, member: String?)] = [
            ("a.ndjson", nil), ("b.tar", "z.ndjson"), ("b.tar", "a.ndjson"), ("c.ndjson", nil),
        ]
        var read: [(Int32, RejectRecord)] = []
        for (index, source) in sources.enumerated() {
            for line in stride(from: Int64(index + 1), through: 40, by: 3) {
                read.append((Int32(index), record(source.file, source.member, line, .malformedJSON)))
            }
        }
        // Conflicts found after reading, in any order, some before, between and after the
        // spooled lines of their source; one in a source with no other reject.
        let later: [(source: Int32, record: RejectRecord)] = [
            (2, record("b.tar", "a.ndjson", 41, .conflict)),
            (0, record("a.ndjson", nil, 2, .conflict)),
            (2, record("b.tar", "a.ndjson", 0, .conflict)),
            (1, record("b.tar", "z.ndjson", 3, .conflict)),
        ]
        let expected = (read.map(\.1) + later.map(\.record)).sorted(by: RejectRecord.precedes)
        var expectedWriter = JSONWriter()
        for reject in expected { reject.write(into: &expectedWriter) }
        for memory in [1, 200, 1 << 20] {
            let spool = RejectSpool(memoryBytes: memory, folder: NSTemporaryDirectory())
            for (source, reject) in read { try spool.append(reject, source: source) }
            var bytes: [UInt8] = []
            try spool.write(sources: sources, later: later) { bytes.append(contentsOf: $0) }
            XCTAssertEqual(
                String(decoding: bytes, as: UTF8.self),
                String(decoding: expectedWriter.bytes, as: UTF8.self), "memory \(memory)")
            XCTAssertEqual(spool.count, read.count)
            XCTAssertEqual(spool.reasons, [.malformedJSON: Int64(read.count)])
        }
    }
}
