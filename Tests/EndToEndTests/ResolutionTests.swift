import Foundation
import TestSupport
import XCTest

/// SPEC §13.4 and the resolutions part of §13.5: `rate --resolutions FILE` keeps, drops or
/// replaces the copies of an event key, conflicting or not; the counts equation gains
/// `superseded`; the manifest lists the applied and unused resolutions; bad files and keeps
/// naming no copy are exit 2 with every problem listed.
final class ResolutionTests: XCTestCase {
    /// 0.01 per token, so an amount is the billed tokens / 100.
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

    /// c2's plan starts mid-October, so an October instant before the 15th has no plan.
    static let customers = """
        customers:
          c1:
            subscriptions:
              - { plan: basic, start: 2026-01-01 }
          c2:
            subscriptions:
              - { plan: basic, start: 2026-10-15 }
        """

    /// An event line at noon UTC on `day` of `month` 2026.
    static func event(
        _ id: String, _ quantity: String, _ day: Int, _ customer: String, _ meter: String,
        _ month: Int
    ) -> String {
        let ts = String(format: "2026-%02d-%02dT12:00:00Z", month, day)
        return #"{"id":"\#(id)","customer":"\#(customer)","meter":"\#(meter)","ts":"\#(ts)","#
            + #""quantity":"\#(quantity)"}"#
    }

    /// Writes the catalog, customers and the inputs of `testKeepDropReplace…`.
    func makeRun() throws -> (work: URL, catalog: URL, customers: URL) {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Self.customers, in: work)
        let e = Self.event
        // a.ndjson, one line per key: con, dk, rc conflict with later copies; acc, ra, da and
        // plain are accepted as they stand; line 8 is rejected (unknown meter); left conflicts
        // with b:5 and has no resolution.
        try writeFile(
            "a.ndjson",
            [
                e("con", "5", 11, "c1", "tokens", 10), e("acc", "7", 12, "c1", "tokens", 10),
                e("dk", "3", 13, "c1", "tokens", 10), e("rc", "2", 14, "c1", "tokens", 10),
                e("ra", "4", 15, "c1", "tokens", 10), e("da", "8", 16, "c1", "tokens", 10),
                e("plain", "1000", 17, "c1", "tokens", 10), e("bad", "1", 18, "c1", "nope", 10),
                e("left", "1", 19, "c1", "tokens", 10),
            ].joined(separator: "\n") + "\n", in: work)
        // b.ndjson: con, dk, rc differ from a's copies; acc is identical to a:2 (a duplicate
        // without a resolution); left differs from a:9.
        try writeFile(
            "b.ndjson",
            [
                e("con", "6", 11, "c1", "tokens", 10), e("dk", "9", 13, "c1", "tokens", 10),
                e("rc", "20", 14, "c1", "tokens", 10), e("acc", "7", 12, "c1", "tokens", 10),
                e("left", "2", 19, "c1", "tokens", 10),
            ].joined(separator: "\n") + "\n", in: work)
        // batch.tar!part.ndjson:1: a third copy of con, the one the operator keeps.
        try writeFile(
            "parts/part.ndjson", e("con", "50", 11, "c1", "tokens", 10) + "\n", in: work)
        try shell("tar -C parts -cf batch.tar part.ndjson && rm -r parts", in: work)
        return (work, catalog, customers)
    }

    static let resolutions =
        [
            #"{"customer":"c1","id":"con","action":"keep","file":"batch.tar","#
                + #""member":"part.ndjson","line":1,"reason":"vendor confirmed 50"}"#,
            #"{"customer":"c1","id":"acc","action":"keep","file":"b.ndjson","line":4}"#,
            #"{"customer":"c1","id":"dk","action":"drop","reason":"test traffic"}"#,
            #"{"customer":"c1","id":"rc","action":"replace","event":{"id":"rc","customer":"c1","#
                + #""meter":"tokens","ts":"2026-10-20T00:00:00Z","quantity":30}}"#,
            // Accepted as it stands, replaced by an event of November: out of period.
            #"{"customer":"c1","id":"ra","action":"replace","reason":"belongs to November","#
                + #""event":{"id":"ra","customer":"c1","meter":"tokens","#
                + #""ts":"2026-11-02T00:00:00Z","quantity":"40"}}"#,
            #"{"customer":"c1","id":"da","action":"drop"}"#,
            "",
            // No copy in the input: unused, whatever the action.
            #"{"customer":"c1","id":"ghost","action":"drop"}"#,
            #"{"customer":"c9","id":"e","action":"keep","file":"a.ndjson","line":1}"#,
        ].joined(separator: "\n") + "\n"

    /// Keep (a conflicting key's archive copy; a non-conflicting key's later duplicate), drop
    /// (conflicting, accepted), replace (conflicting; accepted by an out-of-period event),
    /// unused lines; exact counts, usage, rejects and manifest; verify accepts the folder; the
    /// spill path gives the same bytes.
    func testKeepDropReplaceOnConflictingAndAcceptedKeys() throws {
        let (work, catalog, customers) = try makeRun()
        try writeFile("resolutions.ndjson", Self.resolutions, in: work)
        let spill = work.appendingPathComponent("spill", isDirectory: true)
        try FileManager.default.createDirectory(at: spill, withIntermediateDirectories: true)
        func rate(_ name: String, _ extra: [String] = []) throws -> URL {
            let output = work.appendingPathComponent(name, isDirectory: true)
            let result = try runRate(
                rateArguments(
                    catalog: catalog, customers: customers, period: "2026-10", output: output,
                    inputs: ["b.ndjson", "batch.tar", "a.ndjson"],
                    extra: ["--resolutions", "resolutions.ndjson"] + extra),
                in: work, environment: ["TMPDIR": spill.path])
            XCTAssertEqual(result.status, 0, result.transcript)
            return output
        }
        let output = try rate("out")

        // Billed: con's kept copy 50 (batch.tar!part.ndjson:1), acc 7 (b:4), rc's replacement
        // 30, plain 1000 = 1087 tokens from 4 events; ra bills its replacement in November
        // (out of period); dk and da are dropped; left conflicts. 1087 × 0.01 = 10.87.
        // (c2 has its zero-usage line: an ungrouped charge of a plan active in the period.)
        let usage = try readObjects(output.appendingPathComponent("usage.ndjson"))
        XCTAssertEqual(
            usage.map { "\($0["customer"] ?? "") \($0["quantity"] ?? "") \($0["events"] ?? "")" },
            ["c1 1087 4", "c2 0 0"])
        let rated = try readObjects(output.appendingPathComponent("rated.ndjson"))
        XCTAssertEqual(
            rated.map { "\($0["customer"] ?? "") \($0["amount"] ?? "")" }, ["c1 10.87", "c2 0.00"])

        // rejects.ndjson: the unknown meter and left's two copies; no superseded line.
        let rejects = try readObjects(output.appendingPathComponent("rejects.ndjson"))
        XCTAssertEqual(
            rejects.map { "\($0["file"] ?? ""):\($0["line"] ?? "") \($0["reason"] ?? "")" },
            ["a.ndjson:8 unknown_meter", "a.ndjson:9 conflict", "b.ndjson:5 conflict"])

        // 15 lines = 0 blank + 5 accepted (con, acc, rc, ra, plain) + 0 duplicates (acc's
        // identical copy is superseded by its keep) + 7 superseded (con 2, acc 1, dk 2, rc 1,
        // da 1) + 3 rejected; ra's replacement is out of period, so 4 billed.
        let manifestText = try readText(output.appendingPathComponent("manifest.json"))
        XCTAssertTrue(
            manifestText.contains(
                """
                  "counts": {
                    "lines": 15,
                    "blank": 0,
                    "accepted": 5,
                    "duplicates": 0,
                    "superseded": 7,
                    "out_of_period": 1,
                    "billed": 4,
                """), manifestText)
        let manifest = try readObject(output.appendingPathComponent("manifest.json"))
        let section = try XCTUnwrap(manifest["resolutions"] as? [String: Any])
        XCTAssertEqual(section["file"] as? String, "resolutions.ndjson")
        XCTAssertEqual(
            section["sha256"] as? String, try sha256sum("resolutions.ndjson", in: work))
        func entries(_ name: String) -> [String] {
            (section[name] as? [[String: Any]] ?? []).map { entry in
                let superseded = (entry["superseded"] as? [[String: Any]])?.map {
                    "\($0["file"] ?? "")\($0["member"].map { "!\($0)" } ?? ""):\($0["line"] ?? "")"
                }
                return "\(entry["customer"] ?? "") \(entry["id"] ?? "") \(entry["action"] ?? "")"
                    + " \(entry["reason"] is NSNull ? "-" : "\(entry["reason"] ?? "?")")"
                    + (superseded.map { " [" + $0.joined(separator: ", ") + "]" } ?? "")
            }
        }
        // Sorted by customer, then id (bytewise); superseded copies in location order.
        XCTAssertEqual(
            entries("applied"),
            [
                "c1 acc keep - [a.ndjson:2]",
                "c1 con keep vendor confirmed 50 [a.ndjson:1, b.ndjson:1]",
                "c1 da drop - [a.ndjson:6]",
                "c1 dk drop test traffic [a.ndjson:3, b.ndjson:2]",
                "c1 ra replace belongs to November []",
                "c1 rc replace - [b.ndjson:3]",
            ])
        XCTAssertEqual(entries("unused"), ["c1 ghost drop -", "c9 e keep -"])

        // verify accepts the folder (the counts equation with superseded, the superseded lines
        // listed by the applied resolutions).
        let verified = try runRate(["verify", output.path], in: work)
        XCTAssertEqual(verified.status, 0, verified.transcript)

        // Every output, the manifest's resolutions included, follows its schema.
        let schemas = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3",
                Executables.packageRoot.appendingPathComponent("schemas/check.py").path,
                output.path,
            ], in: work)
        XCTAssertEqual(schemas.status, 0, schemas.transcript)

        // rate explain: superseded lines and replaced first copies are listed, not counted;
        // the counted events (1000 + 7 + 50) and the replacement's 30 make the 1087.
        let explained = try runRate(
            ["explain", "--customer", "c1", "--inputs-root", work.path, output.path], in: work)
        XCTAssertEqual(explained.status, 0, explained.transcript)
        let explanation = explained.standardOutput
        XCTAssertTrue(
            explanation.contains(
                """
                events counted, by input:
                  a.ndjson: tokens 1 event, quantity 1000
                  b.ndjson: tokens 1 event, quantity 7
                  batch.tar!part.ndjson: tokens 1 event, quantity 50
                duplicates: 0
                superseded: 7
                  a.ndjson:1: id con, keep (vendor confirmed 50)
                  a.ndjson:2: id acc, keep
                  a.ndjson:3: id dk, drop (test traffic)
                  a.ndjson:6: id da, drop
                  b.ndjson:1: id con, keep (vendor confirmed 50)
                  b.ndjson:2: id dk, drop (test traffic)
                  b.ndjson:3: id rc, replace
                replaced: 2
                  a.ndjson:4: id rc, billed as the resolutions file's event
                  a.ndjson:5: id ra, billed as the resolutions file's event
                out of period: 0
                rejected: 3

                """), explanation)

        // rate diff names the resolutions file and the superseded count among the reasons.
        let plain = work.appendingPathComponent("plain", isDirectory: true)
        let plainRun = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: plain,
                inputs: ["a.ndjson", "b.ndjson", "batch.tar"]),
            in: work)
        XCTAssertEqual(plainRun.status, 0, plainRun.transcript)
        let diff = try runRate(["diff", plain.path, output.path], in: work)
        XCTAssertEqual(diff.status, 1, diff.transcript)
        let digest = String(try sha256sum("resolutions.ndjson", in: work).prefix(12))
        // Without resolutions: acc, ra, da, plain accepted (4; acc's b:4 a duplicate),
        // con ×3, dk ×2, rc ×2, left ×2 conflicts (9); c1 bills 7 + 4 + 8 + 1000 = 1019 tokens,
        // 10.19. With them: 1087 tokens, 10.87 (+0.68); billed stays 4.
        XCTAssertTrue(
            diff.standardOutput.contains(
                """
                why:
                  resolutions resolutions.ndjson: (none) → \(digest)
                  count accepted: 4 → 5 (+1)
                  count duplicates: 1 → 0 (-1)
                  count superseded: 0 → 7 (+7)
                  count out_of_period: 0 → 1 (+1)
                  count rejected.conflict: 9 → 2 (-7)
                c1 (USD): total +0.68
                  ~ tokens (basic, usage): quantity 1019 → 1087 (+68); amount 10.19 → 10.87 \
                (+0.68); exact 10.19 → 10.87

                """), diff.standardOutput)

        // Superseded lines do not count toward --max-reject-rate: 3 rejected of 15 lines is
        // 0.2, not over 0.2 (with the 7 superseded it would be 10 of 15: exit 4).
        _ = try rate("limit", ["--max-reject-rate", "0.2"])
        _ = try rate("limit-spill", ["--max-reject-rate", "0.2", "--memory-limit", "1K"])
        let over = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10",
                output: work.appendingPathComponent("over", isDirectory: true),
                inputs: ["a.ndjson", "b.ndjson", "batch.tar"],
                extra: ["--resolutions", "resolutions.ndjson", "--max-reject-rate", "0.19"]),
            in: work)
        XCTAssertEqual(over.status, 4, over.transcript)
        XCTAssertTrue(
            over.standardError.contains("3 of 15 lines rejected, over --max-reject-rate 0.19"),
            over.transcript)

        // The spill path gives the same bytes.
        let inMemory = try folderDigests(output)
        for limit in ["1K", "64K"] {
            XCTAssertEqual(
                try folderDigests(try rate("spill-\(limit)", ["--memory-limit", limit])),
                inMemory, limit)
        }
    }

    /// Without `--resolutions` every manifest still lists `superseded` (0), and the
    /// `resolutions` key is absent.
    func testWithoutResolutionsSupersededIsZero() throws {
        let (work, catalog, customers) = try makeRun()
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: ["a.ndjson", "b.ndjson", "batch.tar"]),
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        let manifest = try readObject(output.appendingPathComponent("manifest.json"))
        let counts = try XCTUnwrap(manifest["counts"] as? [String: Any])
        // 15 lines: accepted ra, da, plain, acc (its b:4 copy a duplicate) = 4; conflicts
        // con ×3, dk ×2, rc ×2, left ×2 = 9, + 1 unknown meter.
        XCTAssertEqual(counts["superseded"] as? Int, 0)
        XCTAssertEqual(counts["accepted"] as? Int, 4)
        XCTAssertEqual(counts["duplicates"] as? Int, 1)
        XCTAssertNil(manifest["resolutions"])
    }

    /// Every kind of bad line, listed at once with file and line, exit 2, nothing written.
    func testBadLinesAreAllListedAtOnce() throws {
        let (work, catalog, customers) = try makeRun()
        let replace = { (key: String, event: String) in
            #"{"customer":"c1","id":"\#(key)","action":"replace","event":\#(event)}"#
        }
        let lines = [
            "not json",
            "[1]",
            #"{"customer":"c1","id":"k1","action":"keep","file":"a.ndjson"}"#,
            #"{"customer":"c1","id":"k2","action":"keep","file":"a.ndjson","line":0}"#,
            #"{"customer":"c1","id":"k3","action":"drop","event":{}}"#,
            #"{"customer":"c1","id":"k4","action":"drop","colour":"red"}"#,
            #"{"customer":"c1","id":"k5","action":"burn"}"#,
            #"{"customer":"c1","id":"k6","action":"drop"}"#,
            #"{"customer":"c1","id":"k6","action":"keep","file":"a.ndjson","line":2}"#,
            replace("k7", Self.event("k7", "1", 1, "c1", "nope", 10)),
            replace("k8", Self.event("other", "1", 1, "c1", "tokens", 10)),
            replace("k9", Self.event("k9", "-1", 1, "c1", "tokens", 10)),
            // c2's plan starts on the 15th: an in-period instant before it has no plan.
            #"{"customer":"c2","id":"k10","action":"replace","event":"#
                + Self.event("k10", "1", 5, "c2", "tokens", 10) + "}",
            #"{"id":"k12","action":"drop"}"#,
            #"{"customer":"c1","id":"k13","action":"drop","reason":5}"#,
            #"{"customer":"c1","id":"k14","action":"keep","file":"a.ndjson","line":"3"}"#,
            replace("k15", #"{"id":"k15","customer":"c1","meter":"tokens","quantity":"1"}"#),
        ]
        try writeFile("resolutions.ndjson", lines.joined(separator: "\n") + "\n", in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: ["a.ndjson"], extra: ["--resolutions", "resolutions.ndjson"]),
            in: work)
        XCTAssertEqual(result.status, 2, result.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        let expected = [
            "invalid resolutions; nothing was written:",
            "resolutions.ndjson:1: not JSON (invalid literal at byte 1)",
            "resolutions.ndjson:2: not a JSON object",
            "resolutions.ndjson:3: line: missing",
            "resolutions.ndjson:4: line: must be a whole number from 1, got 0",
            "resolutions.ndjson:5: event: belongs to action replace, not drop",
            "resolutions.ndjson:6: colour: unknown key",
            #"resolutions.ndjson:7: action: "burn" is not keep, drop or replace"#,
            #"resolutions.ndjson:9: customer "c1" id "k6" is already resolved at line 8; "#
                + "one line per key",
            #"resolutions.ndjson:10: event: unknown_meter: meter "nope" is not in the catalog"#,
            #"resolutions.ndjson:11: event.id: "other" is not the key's id "k8""#,
            "resolutions.ndjson:12: event: negative_quantity: ",
            #"resolutions.ndjson:13: event: no_subscription: no plan of customer "c2" covers "#
                + "2026-10-05T12:00:00Z",
            "resolutions.ndjson:14: customer: missing",
            "resolutions.ndjson:15: reason: must be a string",
            "resolutions.ndjson:16: line: must be a whole number from 1",
            #"resolutions.ndjson:17: event: missing_field: "#,
        ]
        let shown = result.standardError.split(separator: "\n").map(String.init)
        let start = try XCTUnwrap(
            shown.firstIndex { $0.hasSuffix(expected[0]) }, result.transcript)
        let listed = Array(shown[(start + 1)...])
        XCTAssertEqual(listed.count, expected.count - 1, result.transcript)
        for (line, want) in zip(listed, expected.dropFirst()) {
            XCTAssertTrue(line.hasPrefix(want), "\(line)\nwanted: \(want)")
        }
    }

    /// A keep naming a line that holds no copy of its key (another key's line, a line of the
    /// key rejected for another reason, a file not in the input): exit 2 once the input is
    /// read, every one listed with the key's copies.
    func testKeepAtALocationWithoutACopy() throws {
        let (work, catalog, customers) = try makeRun()
        let lines = [
            #"{"customer":"c1","id":"con","action":"keep","file":"a.ndjson","line":2}"#,
            // a:8 is key (c1, bad) rejected as unknown_meter; b:1 is a copy of con.
            #"{"customer":"c1","id":"bad2","action":"drop"}"#,
            #"{"customer":"c1","id":"left","action":"keep","file":"c.ndjson","line":1}"#,
            #"{"customer":"c1","id":"acc","action":"keep","file":"a.ndjson","line":8}"#,
        ]
        try writeFile("resolutions.ndjson", lines.joined(separator: "\n") + "\n", in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: ["a.ndjson", "b.ndjson", "batch.tar"],
                extra: ["--resolutions", "resolutions.ndjson"]),
            in: work)
        XCTAssertEqual(result.status, 2, result.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        let text = result.standardError
        let rest = "(no such line, or a line rejected for another reason); its copies: "
        for want in [
            #"resolutions.ndjson:1: keep names a.ndjson:2, which holds no copy of customer "c1" "#
                + #"id "con" \#(rest)a.ndjson:1, b.ndjson:1, batch.tar!part.ndjson:1"#,
            #"resolutions.ndjson:3: keep names c.ndjson:1, which holds no copy of customer "c1" "#
                + #"id "left" \#(rest)a.ndjson:9, b.ndjson:5"#,
            #"resolutions.ndjson:4: keep names a.ndjson:8, which holds no copy of customer "c1" "#
                + #"id "acc" \#(rest)a.ndjson:2, b.ndjson:4"#,
        ] {
            XCTAssertTrue(text.contains(want), "missing: \(want)\n\(text)")
        }
        XCTAssertFalse(text.contains("resolutions.ndjson:2:"), text)

        // A corrupt input's exit 3 comes before the keeps are checked.
        try writeFile("broken.ndjson.gz", [0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02, 0x03], in: work)
        let corrupt = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: ["a.ndjson", "b.ndjson", "batch.tar", "broken.ndjson.gz"],
                extra: ["--resolutions", "resolutions.ndjson"]),
            in: work)
        XCTAssertEqual(corrupt.status, 3, corrupt.transcript)
        XCTAssertFalse(corrupt.standardError.contains("keep names"), corrupt.transcript)
    }

    /// A replacement's dims are its own, even a value no input line has (interned after
    /// reading), and a grouped charge bills it in its group; spilled or not, the same bytes.
    func testReplacementWithNewDimsOnAGroupedCharge() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile(
            "catalog.yaml",
            Self.catalog.replacingOccurrences(
                of: "model: per_unit", with: "model: per_unit\n        group_by: [region]"),
            in: work)
        let customers = try writeFile("customers.yaml", Self.customers, in: work)
        try writeFile(
            "a.ndjson",
            #"{"id":"r1","customer":"c1","meter":"tokens","ts":"2026-10-03T00:00:00Z","#
                + #""quantity":"5","dims":{"region":"eu"}}"# + "\n"
                + #"{"id":"r2","customer":"c1","meter":"tokens","ts":"2026-10-04T00:00:00Z","#
                + #""quantity":"2","dims":{"region":"eu"}}"# + "\n", in: work)
        try writeFile(
            "resolutions.ndjson",
            #"{"customer":"c1","id":"r1","action":"replace","event":{"id":"r1","#
                + #""customer":"c1","meter":"tokens","ts":"2026-10-03T00:00:00Z","#
                + #""quantity":"6","dims":{"region":"us"}}}"# + "\n", in: work)
        var digests: [[String: String]] = []
        for (name, extra) in [("memory", [String]()), ("spill", ["--memory-limit", "1K"])] {
            let output = work.appendingPathComponent(name, isDirectory: true)
            let result = try runRate(
                rateArguments(
                    catalog: catalog, customers: customers, period: "2026-10", output: output,
                    inputs: ["a.ndjson"], extra: ["--resolutions", "resolutions.ndjson"] + extra),
                in: work)
            XCTAssertEqual(result.status, 0, result.transcript)
            // eu keeps r2 (2 tokens, 0.02); us bills r1's replacement (6 tokens, 0.06).
            let rated = try readObjects(output.appendingPathComponent("rated.ndjson"))
            XCTAssertEqual(
                rated.map {
                    "\($0["customer"] ?? "") \(($0["group"] as? [String: String]) ?? [:]) "
                        + "\($0["quantity"] ?? "") \($0["amount"] ?? "")"
                },
                ["c1 [\"region\": \"eu\"] 2 0.02", "c1 [\"region\": \"us\"] 6 0.06"])
            digests.append(try folderDigests(output))
        }
        XCTAssertEqual(digests[0], digests[1])
    }

    /// SPEC §13.1 with §13.4: a replacement on a `carries_amount` meter carries its own amount
    /// (checked like an input line's) and bills it; copies whose amounts differ conflict, and
    /// a replacement decides them. In memory and spilled, the same bytes.
    func testReplacementCarriesItsAmount() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile(
            "catalog.yaml",
            """
            version: 1
            currency: USD
            meters:
              llm: { aggregation: count, carries_amount: true }
            plans:
              basic:
                charges:
                  - { key: llm, meter: llm, model: dynamic, markup: "2" }
            """, in: work)
        let customers = try writeFile("customers.yaml", Self.customers, in: work)
        func llm(_ id: String, _ amount: String) -> String {
            #"{"id":"\#(id)","customer":"c1","meter":"llm","ts":"2026-10-03T10:00:00Z","#
                + #""amount":\#(amount)}"#
        }
        // x1's copies differ only by amount: a conflict; x2 is accepted as it stands.
        try writeFile(
            "a.ndjson",
            [llm("x1", #""0.50""#), llm("x1", #""0.70""#), llm("x2", #""1.00""#)]
                .joined(separator: "\n") + "\n", in: work)
        func replace(_ id: String, _ amount: String?) -> String {
            let event =
                amount.map { llm(id, $0) }
                ?? #"{"id":"\#(id)","customer":"c1","meter":"llm","ts":"2026-10-03T10:00:00Z"}"#
            return #"{"customer":"c1","id":"\#(id)","action":"replace","event":\#(event)}"#
        }
        try writeFile(
            "resolutions.ndjson", replace("x1", #""0.30""#) + "\n" + replace("x2", "0.25") + "\n",
            in: work)
        var digests: [[String: String]] = []
        for (name, extra) in [("memory", [String]()), ("spill", ["--memory-limit", "1K"])] {
            let output = work.appendingPathComponent(name, isDirectory: true)
            let result = try runRate(
                rateArguments(
                    catalog: catalog, customers: customers, period: "2026-10", output: output,
                    inputs: ["a.ndjson"], extra: ["--resolutions", "resolutions.ndjson"] + extra),
                in: work)
            XCTAssertEqual(result.status, 0, result.transcript)
            // The replacements' amounts, not the copies': (0.30 + 0.25) × 2 = 1.10 over 2
            // events (the copies' amounts would give (0.50 + 1.00) × 2 = 3.00); c2's zero line
            // follows. 3 lines = 2 accepted + 1 superseded (x1's second copy).
            let rated = try readObjects(output.appendingPathComponent("rated.ndjson"))
            XCTAssertEqual(
                rated.map {
                    "\($0["quantity"] ?? "") \($0["amount_exact"] ?? "") \($0["amount"] ?? "")"
                },
                ["2 1.1 1.10", "0 0 0.00"])
            let manifest = try readObject(output.appendingPathComponent("manifest.json"))
            let counts = try XCTUnwrap(manifest["counts"] as? [String: Any])
            XCTAssertEqual(
                [counts["lines"], counts["accepted"], counts["superseded"]].map { $0 as? Int },
                [3, 2, 1])
            digests.append(try folderDigests(output))
        }
        XCTAssertEqual(digests[0], digests[1])

        // A replacement's amount is checked like an input line's: exit 2, both listed.
        try writeFile(
            "bad.ndjson", replace("x1", #""-1""#) + "\n" + replace("x2", nil) + "\n", in: work)
        let refused = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10",
                output: work.appendingPathComponent("bad-out", isDirectory: true),
                inputs: ["a.ndjson"], extra: ["--resolutions", "bad.ndjson"]),
            in: work)
        XCTAssertEqual(refused.status, 2, refused.transcript)
        XCTAssertTrue(refused.standardError.contains("bad.ndjson:1: event: negative_amount: "))
        XCTAssertTrue(
            refused.standardError.contains(
                #"bad.ndjson:2: event: missing_field: missing field "amount" (meter "llm" "#
                    + "carries amounts)"), refused.transcript)
    }
}
