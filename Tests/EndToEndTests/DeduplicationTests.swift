import Foundation
import TestSupport
import XCTest

/// SPEC §3 and §11 across files: the dedupe key (customer, id) spans every input of the run;
/// an identical later copy is one duplicate; differing copies are all rejected as `conflict`,
/// each naming the other copies' locations, and none is billed.
final class DeduplicationTests: XCTestCase {
    static let catalog = """
        version: 1
        currency: USD
        meters:
          tokens: { aggregation: sum }
        plans:
          basic:
            charges:
              - key: tokens
                meter: tokens
                model: per_unit
                unit_price: "0.01"
        """

    static let customers = """
        customers:
          c1:
            subscriptions:
              - { plan: basic, start: 2026-01-01 }
          c2:
            subscriptions:
              - { plan: basic, start: 2026-01-01 }
        """

    func testDuplicatesAndConflictsSplitAcrossFiles() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Self.customers, in: work)
        // a.ndjson: dup (c1, 100 tokens), con (5), tri (7), oop (in October), arc (11).
        try writeFile("a.ndjson", """
            {"id":"dup","customer":"c1","meter":"tokens","ts":"2026-10-10T12:00:00Z",\
            "quantity":"100","dims":{"k":"v"}}
            {"id":"con","customer":"c1","meter":"tokens","ts":"2026-10-11T12:00:00Z","quantity":"5"}
            {"id":"tri","customer":"c1","meter":"tokens","ts":"2026-10-12T12:00:00Z","quantity":"7"}
            {"id":"oop","customer":"c1","meter":"tokens","ts":"2026-10-13T12:00:00Z","quantity":"9"}
            {"id":"arc","customer":"c1","meter":"tokens","ts":"2026-10-14T12:00:00Z",\
            "quantity":"11"}

            """, in: work)
        // b.ndjson.gz line 1: the same content as a:1 written differently (keys reordered, the
        // same instant at +02:00, 100.000 as a JSON number) → a duplicate. Line 2: con with a
        // different quantity → conflict. Line 3: tri identical to a:3. Line 4: the id "dup"
        // of ANOTHER customer, c2 → its own event (the key is customer and id).
        try writeFile("b.ndjson", """
            {"quantity":100.000,"dims":{"k":"v"},"ts":"2026-10-10T14:00:00+02:00",\
            "meter":"tokens","customer":"c1","id":"dup"}
            {"id":"con","customer":"c1","meter":"tokens","ts":"2026-10-11T12:00:00Z","quantity":"6"}
            {"id":"tri","customer":"c1","meter":"tokens","ts":"2026-10-12T12:00:00Z","quantity":"7"}
            {"id":"dup","customer":"c2","meter":"tokens","ts":"2026-10-10T12:00:00Z",\
            "quantity":"1000"}

            """, in: work)
        // c.ndjson: tri with other dims, so copies A, A, B → all three conflict (SPEC §11);
        // oop a month later: out of period, but it passed every other check, so it takes part
        // in dedupe and conflicts with a:4.
        try writeFile("c.ndjson", """
            {"id":"tri","customer":"c1","meter":"tokens","ts":"2026-10-12T12:00:00Z",\
            "quantity":"7","dims":{"k":"other"}}
            {"id":"oop","customer":"c1","meter":"tokens","ts":"2026-11-13T12:00:00Z","quantity":"9"}

            """, in: work)
        // batch.tar member part.ndjson: arc with quantity 12 → conflict with a:5, located as
        // `batch.tar!part.ndjson:1`.
        try writeFile("parts/part.ndjson", """
            {"id":"arc","customer":"c1","meter":"tokens","ts":"2026-10-14T12:00:00Z",\
            "quantity":"12"}

            """, in: work)
        try shell("gzip b.ndjson && tar -C parts -cf batch.tar part.ndjson", in: work)

        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: ["c.ndjson", "batch.tar", "b.ndjson.gz", "a.ndjson"]),
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)

        // Billed: c1's dup once (100, not 200), c2's dup (1000). Nothing else.
        let usage = try readObjects(output.appendingPathComponent("usage.ndjson"))
        XCTAssertEqual(
            usage.map { "\($0["customer"] ?? "") \($0["quantity"] ?? "") \($0["events"] ?? "")" },
            ["c1 100 1", "c2 1000 1"])

        // Every conflicting copy, sorted by file then line, naming all the others.
        let rejects = try readObjects(output.appendingPathComponent("rejects.ndjson"))
        func otherCopies(_ reject: [String: Any]) -> String {
            let detail = reject["detail"] as? String ?? ""
            guard let range = detail.range(of: "Other copies: ") else { return "?" }
            return String(detail[range.upperBound...])
        }
        let found = rejects.map {
            "\($0["file"] ?? "")\($0["member"].map { "!\($0)" } ?? ""):\($0["line"] ?? "") "
                + "\($0["reason"] ?? "") -> \(otherCopies($0))"
        }
        XCTAssertEqual(found, [
            "a.ndjson:2 conflict -> b.ndjson.gz:2",
            "a.ndjson:3 conflict -> b.ndjson.gz:3, c.ndjson:1",
            "a.ndjson:4 conflict -> c.ndjson:2",
            "a.ndjson:5 conflict -> batch.tar!part.ndjson:1",
            "b.ndjson.gz:2 conflict -> a.ndjson:2",
            "b.ndjson.gz:3 conflict -> a.ndjson:3, c.ndjson:1",
            "batch.tar!part.ndjson:1 conflict -> a.ndjson:5",
            "c.ndjson:1 conflict -> a.ndjson:3, b.ndjson.gz:3",
            "c.ndjson:2 conflict -> a.ndjson:4",
        ])
        // The raw line of a copy read from a compressed file is its own, not another copy's.
        XCTAssertEqual(
            rejects[4]["raw"] as? String,
            #"{"id":"con","customer":"c1","meter":"tokens","ts":"2026-10-11T12:00:00Z","#
                + #""quantity":"6"}"#)
        XCTAssertEqual(rejects[6]["member"] as? String, "part.ndjson")

        // 12 lines = 0 blank + 2 accepted + 1 duplicate + 9 conflicts; nothing out of period
        // (the November oop copy is a conflict, not accepted).
        let manifest = try readObject(output.appendingPathComponent("manifest.json"))
        let counts = manifest["counts"] as? [String: Any]
        XCTAssertEqual(counts?["lines"] as? Int, 12)
        XCTAssertEqual(counts?["accepted"] as? Int, 2)
        XCTAssertEqual(counts?["duplicates"] as? Int, 1)
        XCTAssertEqual(counts?["out_of_period"] as? Int, 0)
        XCTAssertEqual(counts?["billed"] as? Int, 2)
        XCTAssertEqual((counts?["rejected"] as? [String: Int])?["conflict"], 9)
    }

    /// A duplicate across files is counted once whichever file is read first, and the result
    /// does not depend on which copy came first.
    func testDuplicateAcrossFilesIsCountedOnce() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Self.customers, in: work)
        let line = #"{"id":"e1","customer":"c1","meter":"tokens","ts":"2026-10-10T12:00:00Z","#
            + #""quantity":"3"}"#
        try writeFile("x.ndjson", line + "\n", in: work)
        try writeFile("y.ndjson", line + "\n" + line + "\n", in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: ["y.ndjson", "x.ndjson"]),
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        // Three copies, one billed (3 tokens), two duplicates, no rejects.
        let usage = try readObjects(output.appendingPathComponent("usage.ndjson"))
        XCTAssertEqual(usage.first?["quantity"] as? String, "3")
        XCTAssertEqual(usage.first?["events"] as? Int, 1)
        XCTAssertEqual(try readLines(output.appendingPathComponent("rejects.ndjson")), [])
        let counts = try readObject(output.appendingPathComponent("manifest.json"))["counts"]
            as? [String: Any]
        XCTAssertEqual(counts?["lines"] as? Int, 3)
        XCTAssertEqual(counts?["accepted"] as? Int, 1)
        XCTAssertEqual(counts?["duplicates"] as? Int, 2)
    }
}
