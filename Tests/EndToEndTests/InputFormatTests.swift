import Foundation
import TestSupport
import XCTest

/// SPEC §2: the same events in every accepted container, made at test time with the real
/// command-line tools, give the same usage and prices; rejects inside archives name their
/// member; standard input works; compression is detected from content, not the name.
final class InputFormatTests: XCTestCase {
    static let catalog = """
        version: 1
        currency: USD
        meters:
          calls: { aggregation: count }
          tokens: { aggregation: sum }
        plans:
          basic:
            charges:
              - key: api
                meter: calls
                model: per_unit
                unit_price: "0.25"
              - key: tokens
                meter: tokens
                model: per_unit
                unit_price: "0.10"
        """

    /// Six lines: two token events (1.5 + 2 = 3.5 → 0.35), a malformed line 3, a blank line 4,
    /// a duplicate of line 1 on line 5, and one call on line 6 (0.25).
    static let events = """
        {"id":"t1","customer":"c1","meter":"tokens","ts":"2026-10-01T00:00:00Z","quantity":"1.5"}
        {"id":"t2","customer":"c1","meter":"tokens","ts":"2026-10-31T23:59:59Z","quantity":2}
        not json

        {"id":"t1","customer":"c1","meter":"tokens","ts":"2026-10-01T00:00:00Z","quantity":"1.50"}
        {"id":"k1","customer":"c1","meter":"calls","ts":"2026-10-15T12:00:00+02:00"}

        """

    /// The expected usage.ndjson and rated.ndjson, worked out by hand from the lines above.
    static let period = #"{"start":"2026-10-01T00:00:00Z","end":"2026-11-01T00:00:00Z"}"#
    static let expectedUsage = """
        {"customer":"c1","period":\(period),"plan":"basic","charge":"api","group":{},\
        "quantity":"1","events":1}
        {"customer":"c1","period":\(period),"plan":"basic","charge":"tokens","group":{},\
        "quantity":"3.5","events":2}

        """
    static let expectedRated = """
        {"customer":"c1","period":\(period),"plan":"basic","charge":"api","kind":"usage",\
        "group":{},"quantity":"1","currency":"USD","amount_exact":"0.25","amount":"0.25",\
        "tiers":[{"quantity":"1","unit_price":"0.25","amount":"0.25"}]}
        {"customer":"c1","period":\(period),"plan":"basic","charge":"tokens","kind":"usage",\
        "group":{},"quantity":"3.5","currency":"USD","amount_exact":"0.35","amount":"0.35",\
        "tiers":[{"quantity":"3.5","unit_price":"0.1","amount":"0.35"}]}

        """

    /// Each container: the file name, and the shell command that makes it from `events.ndjson`
    /// (in folder `source`), run in the test's folder and writing there.
    static let containers: [(name: String, command: String, isArchive: Bool)] = [
        ("events.ndjson", "cp source/events.ndjson events.ndjson", false),
        ("events.ndjson.gz", "gzip -9 -n -c source/events.ndjson > events.ndjson.gz", false),
        ("events.ndjson.zst", "zstd -q -19 -c source/events.ndjson > events.ndjson.zst", false),
        ("events.ndjson.xz", "xz -c source/events.ndjson > events.ndjson.xz", false),
        ("events.ndjson.bz2", "bzip2 -c source/events.ndjson > events.ndjson.bz2", false),
        ("events.tar", "tar -C source -cf events.tar events.ndjson", true),
        ("events.tar.gz", "tar -C source -czf events.tar.gz events.ndjson", true),
        ("events.tar.zst", "tar -C source --zstd -cf events.tar.zst events.ndjson", true),
        ("events.zip", "(cd source && zip -q -X ../events.zip events.ndjson)", true),
        // Content decides, not the name: zstd bytes behind a plain name.
        ("misnamed.ndjson", "zstd -q -c source/events.ndjson > misnamed.ndjson", false),
    ]

    func testEveryContainerGivesTheSameUsageAndPrices() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Fixtures.customerOnBasic, in: work)
        try writeFile("source/events.ndjson", Self.events, in: work)

        for container in Self.containers {
            // Each input alone in its own folder, so nothing else is read.
            let folder = work.appendingPathComponent("in-\(container.name)", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let name = container.name
            try shell(container.command + " && mv \(name) in-\(name)/", in: work)
            let output = work.appendingPathComponent("out-\(container.name)", isDirectory: true)
            let result = try runRate(
                rateArguments(
                    catalog: catalog, customers: customers, period: "2026-10", output: output,
                    inputs: [folder.appendingPathComponent(container.name).path]),
                in: work)
            XCTAssertEqual(result.status, 0, "\(container.name): \(result.transcript)")
            try checkOutputs(
                output, file: container.name,
                member: container.isArchive ? "events.ndjson" : nil)
        }
    }

    /// Standard input (`-`), plain and compressed: the display name is `-`.
    func testStandardInput() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Fixtures.customerOnBasic, in: work)
        let plain = try writeFile("events.ndjson", Self.events, in: work)
        try shell("gzip -c events.ndjson > events.ndjson.gz", in: work)
        for input in [plain, work.appendingPathComponent("events.ndjson.gz")] {
            let output = work.appendingPathComponent(
                "out-stdin-\(input.lastPathComponent)", isDirectory: true)
            let result = try runRate(
                rateArguments(
                    catalog: catalog, customers: customers, period: "2026-10", output: output,
                    inputs: ["-"]),
                in: work, standardInput: input)
            XCTAssertEqual(result.status, 0, "\(input.lastPathComponent): \(result.transcript)")
            try checkOutputs(output, file: "-", member: nil)
        }
    }

    /// An archive of several members, one of them itself gzip-compressed (SPEC §11), gives the
    /// same result as the one file, and each reject names its member and its line in it.
    func testArchiveWithSeveralMembersAndACompressedMember() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Fixtures.customerOnBasic, in: work)
        let lines = Self.events.split(separator: "\n", omittingEmptySubsequences: false)
        // part-1: lines 1–3 (the malformed line is its line 3); part-2: lines 4–6, gzipped.
        try writeFile("parts/part-1.ndjson", lines[0..<3].joined(separator: "\n") + "\n", in: work)
        try writeFile("parts/part-2.ndjson", lines[3..<6].joined(separator: "\n") + "\n", in: work)
        try writeFile("parts/part-3.ndjson", "\n{\"id\":\"x\"}\n", in: work)
        try shell(
            "cd parts && gzip part-2.ndjson && tar -cf ../batch.tar part-1.ndjson "
                + "part-2.ndjson.gz part-3.ndjson",
            in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [work.appendingPathComponent("batch.tar").path]),
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertEqual(
            try readText(output.appendingPathComponent("usage.ndjson")), Self.expectedUsage)
        XCTAssertEqual(
            try readText(output.appendingPathComponent("rated.ndjson")), Self.expectedRated)
        let rejects = try readObjects(output.appendingPathComponent("rejects.ndjson"))
        let locations = rejects.map {
            "\($0["file"] ?? "")|\($0["member"] ?? "")|\($0["line"] ?? "")|\($0["reason"] ?? "")"
        }
        XCTAssertEqual(
            locations,
            ["batch.tar|part-1.ndjson|3|malformed_json",
             "batch.tar|part-3.ndjson|2|missing_field"])
        let manifest = try readObject(output.appendingPathComponent("manifest.json"))
        let inputs = manifest["inputs"] as? [[String: Any]]
        XCTAssertEqual(
            inputs?.first?["members"] as? [String],
            ["batch.tar!part-1.ndjson", "batch.tar!part-2.ndjson.gz", "batch.tar!part-3.ndjson"])
    }

    /// A folder is read recursively, except names starting with `.` (listed as skipped in the
    /// manifest); empty files, compressed or not, are inputs with no lines.
    func testFolderSkipsHiddenEntriesAndReadsEmptyFiles() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Fixtures.customerOnBasic, in: work)
        try writeFile("batch/deep/er/events.ndjson", Self.events, in: work)
        try writeFile("batch/.upload.ndjson", "{\"would\":\"be rejected\"}\n", in: work)
        try writeFile("batch/.tmp/more.ndjson", "{\"would\":\"be rejected\"}\n", in: work)
        try writeFile("batch/empty.ndjson", "", in: work)
        try shell(
            "(: | gzip -n > batch/empty.ndjson.gz) && (: | zstd -q > batch/empty.zst)", in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: ["batch"]),
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        try checkOutputs(output, file: "batch/deep/er/events.ndjson", member: nil)
        let manifest = try readObject(output.appendingPathComponent("manifest.json"))
        XCTAssertEqual(manifest["skipped"] as? [String], ["batch/.tmp", "batch/.upload.ndjson"])
        XCTAssertEqual(
            (manifest["inputs"] as? [[String: Any]])?.compactMap { $0["file"] as? String },
            ["batch/deep/er/events.ndjson", "batch/empty.ndjson", "batch/empty.ndjson.gz",
             "batch/empty.zst"])
    }

    /// Both sides of the 1 MiB line limit (the line ending excluded): exactly 1 MiB before a
    /// CRLF is accepted; 1 MiB + 1 is `line_too_long`, its raw text cut to 4 KiB.
    func testLineLengthLimitBothSides() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Fixtures.customerOnBasic, in: work)
        let lineBytesMax = 1 << 20
        func line(_ id: String, bytes: Int) -> String {
            let head = #"{"id":"\#(id)","customer":"c1","meter":"calls","#
                + #""ts":"2026-10-05T10:00:00Z","pad":""#
            let tail = #""}"#
            return head + String(repeating: "x", count: bytes - head.utf8.count - 2) + tail
        }
        let text = line("fits", bytes: lineBytesMax) + "\r\n"
            + line("long", bytes: lineBytesMax + 1) + "\n"
        try writeFile("long.ndjson", text, in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [work.appendingPathComponent("long.ndjson").path]),
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        let usage = try readObjects(output.appendingPathComponent("usage.ndjson"))
        XCTAssertEqual(objects(usage, where: "charge", is: "api").first?["events"] as? Int, 1)
        let rejects = try readObjects(output.appendingPathComponent("rejects.ndjson"))
        XCTAssertEqual(rejects.count, 1)
        XCTAssertEqual(rejects.first?["line"] as? Int, 2)
        XCTAssertEqual(rejects.first?["reason"] as? String, "line_too_long")
        let raw = rejects.first?["raw"] as? String ?? ""
        XCTAssertEqual(raw.utf8.count, 4096)
        XCTAssertTrue(raw.hasPrefix(#"{"id":"long","#))
    }

    /// The common checks: usage and rated are exactly the hand-worked files; the one reject is
    /// line 3, named by `file` (and `member` in archives); the counts are those of the lines.
    func checkOutputs(
        _ output: URL, file: String, member: String?,
        sourceFile: StaticString = #filePath, sourceLine: UInt = #line
    ) throws {
        XCTAssertEqual(
            try readText(output.appendingPathComponent("usage.ndjson")), Self.expectedUsage,
            file, file: sourceFile, line: sourceLine)
        XCTAssertEqual(
            try readText(output.appendingPathComponent("rated.ndjson")), Self.expectedRated,
            file, file: sourceFile, line: sourceLine)
        let rejects = try readLines(output.appendingPathComponent("rejects.ndjson"))
        let memberField = member.map { #""member":"\#($0)","# } ?? ""
        XCTAssertEqual(
            rejects,
            [#"{"file":"\#(file)",\#(memberField)"line":3,"reason":"malformed_json","#
                + #""detail":"invalid literal at byte 1","raw":"not json"}"#],
            file, file: sourceFile, line: sourceLine)
        let manifest = try readObject(output.appendingPathComponent("manifest.json"))
        let counts = manifest["counts"] as? [String: Any]
        // 6 lines = 1 blank + 3 accepted + 1 duplicate + 1 rejected.
        XCTAssertEqual(counts?["lines"] as? Int, 6, file, file: sourceFile, line: sourceLine)
        XCTAssertEqual(counts?["blank"] as? Int, 1, file, file: sourceFile, line: sourceLine)
        XCTAssertEqual(counts?["accepted"] as? Int, 3, file, file: sourceFile, line: sourceLine)
        XCTAssertEqual(counts?["duplicates"] as? Int, 1, file, file: sourceFile, line: sourceLine)
    }
}
