import Foundation
import TestSupport
import XCTest

/// SPEC promise 2: the same inputs give byte-identical outputs whatever the order the input
/// files are named in, the run (Swift seeds its hashing per process), the time zone or the
/// locale of the machine.
final class DeterminismTests: XCTestCase {
    func testShuffledArgumentOrderAndRepeatedRunsGiveIdenticalBytes() throws {
        let work = try makeTemporaryDirectory()
        let samples = Executables.samples
        // A private copy of the events, so the test controls every file in the folder.
        let events = work.appendingPathComponent("events", isDirectory: true)
        try FileManager.default.copyItem(
            at: samples.appendingPathComponent("events"), to: events)
        let names = [
            "2026-10-a.ndjson.zst", "2026-10-b.ndjson.gz", "late.ndjson", "platform.ndjson",
        ]
        let files = names.map { events.appendingPathComponent($0).path }

        func rate(_ inputs: [String], into name: String, environment: [String: String] = [:])
            throws -> URL
        {
            let output = work.appendingPathComponent(name, isDirectory: true)
            let result = try runRate(
                rateArguments(
                    catalog: samples.appendingPathComponent("catalog.yaml"),
                    customers: samples.appendingPathComponent("customers.yaml"),
                    period: "2026-10", output: output, inputs: inputs),
                in: work, environment: environment)
            XCTAssertEqual(result.status, 0, "\(name): \(result.transcript)")
            return output
        }

        // Files named one by one: three orders, the first one twice, and one run under another
        // time zone and locale (none of which may reach an output).
        let inOrder = try folderDigests(try rate(files, into: "files-abc"))
        let again = try folderDigests(try rate(files, into: "files-abc-again"))
        let reversed = try folderDigests(
            try rate([files[3], files[2], files[1], files[0]], into: "files-dcba"))
        let rotated = try folderDigests(
            try rate(
                [files[1], files[3], files[2], files[0]], into: "files-bdca",
                environment: ["TZ": "Pacific/Chatham", "LANG": "de_DE.UTF-8",
                              "LC_ALL": "de_DE.UTF-8"]))
        XCTAssertEqual(inOrder.keys.sorted(), GoldenSampleTests.outputNames)
        XCTAssertEqual(inOrder, again, "the same command twice")
        XCTAssertEqual(inOrder, reversed, "reversed argument order")
        XCTAssertEqual(inOrder, rotated, "another order, time zone and locale")

        // The folder as one argument, twice.
        let folder = try folderDigests(try rate([events.path], into: "folder"))
        let folderAgain = try folderDigests(try rate([events.path], into: "folder-again"))
        XCTAssertEqual(folder, folderAgain, "the folder twice")

        // A folder names its files `events/<name>` where single files are `<name>` (SPEC §11),
        // so rejects.ndjson and manifest.json differ by exactly that; the priced results
        // must not.
        for name in ["usage.ndjson", "rated.ndjson", "included-credits.ndjson", "gauges.ndjson"] {
            XCTAssertEqual(folder[name], inOrder[name], name)
        }
        XCTAssertNotEqual(folder["rejects.ndjson"], inOrder["rejects.ndjson"])
        let folderRejects = try readText(
            work.appendingPathComponent("folder/rejects.ndjson"))
        let filesRejects = try readText(
            work.appendingPathComponent("files-abc/rejects.ndjson"))
        XCTAssertEqual(
            folderRejects.replacingOccurrences(of: "events/", with: ""), filesRejects)
    }

    /// Issue 9: the same bytes whether the events stay in memory or spill to partition files at
    /// a tiny `--memory-limit`, on generated data with every aggregation, duplicates, conflicts
    /// whose copies sit in different files, out-of-period and late events; and no spill file is
    /// left behind.
    func testSpilledRunsGiveTheBytesOfTheInMemoryRun() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile(
            "catalog.yaml",
            """
            version: 1
            currency: EUR
            meters:
              calls: { aggregation: count }
              tokens: { aggregation: sum }
              seats: { aggregation: max }
              floor: { aggregation: min }
              balance: { aggregation: latest }
              users: { aggregation: unique_count, field: user }
            plans:
              pro:
                charges:
                  - { key: calls, meter: calls, model: per_unit, unit_price: "0.005" }
                  - { key: tokens, meter: tokens, model: per_unit, unit_price: "1", group_by: [region] }
                  - { key: seats, meter: seats, model: per_unit, unit_price: "1" }
                  - { key: floor, meter: floor, model: per_unit, unit_price: "1" }
                  - { key: balance, meter: balance, model: per_unit, unit_price: "1" }
                  - { key: users, meter: users, model: per_unit, unit_price: "1" }
            """, in: work)
        var customerLines = ["customers:"]
        for number in 0..<40 {
            customerLines.append("  c\(number):")
            if number % 5 == 0 { customerLines.append("    timezone: Europe/Berlin") }
            customerLines.append("    subscriptions: [{ plan: pro, start: 2026-01-01 }]")
        }
        let customers = try writeFile(
            "customers.yaml", customerLines.joined(separator: "\n") + "\n", in: work)
        // Three files; ids repeat across them, so identical copies are duplicates and differing
        // ones conflicts split across files (a SplitMix64 stream keeps it reproducible).
        var state: UInt64 = 9
        func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var value = state
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((value ^ (value >> 31)) % UInt64(bound))
        }
        let meters = ["calls", "tokens", "seats", "floor", "balance", "users"]
        var files: [[String]] = [[], [], []]
        for _ in 0..<6000 {
            let day = next(35)
            let ts = day < 32 && day > 0
                ? "2026-10-\(day < 10 ? "0" : "")\(day)T12:00:0\(next(3)).5Z"
                : "2026-11-0\(next(3) + 1)T00:00:00+02:00"  // late: out of period
            let line =
                #"{"id":"e\#(next(4000))","customer":"c\#(next(40))","meter":"\#(meters[next(6)])","#
                + #""ts":"\#(ts)","quantity":"\#(next(50)).\#(next(100))","#
                + #""dims":{"region":"r\#(next(3))","user":"u\#(next(9))"}}"#
            files[next(3)].append(line)
            // Now and then an identical copy of an earlier line, maybe in another file.
            let source = files[next(3)]
            if next(10) == 0, !source.isEmpty { files[next(3)].append(source[next(source.count)]) }
        }
        let inputs = try writeCompressedEventFiles(files, in: work)
        let spill = work.appendingPathComponent("spill", isDirectory: true)
        try FileManager.default.createDirectory(at: spill, withIntermediateDirectories: true)

        func rate(_ name: String, _ extra: [String]) throws -> [String: String] {
            let output = work.appendingPathComponent(name, isDirectory: true)
            let result = try runRate(
                rateArguments(
                    catalog: catalog, customers: customers, period: "2026-10", output: output,
                    inputs: inputs, extra: extra),
                in: work, environment: ["TMPDIR": spill.path])
            XCTAssertEqual(result.status, 0, "\(name): \(result.transcript)")
            return try folderDigests(output)
        }
        let inMemory = try rate("memory", [])
        let manifest = try readObject(work.appendingPathComponent("memory/manifest.json"))
        let counts = try XCTUnwrap(manifest["counts"] as? [String: Any])
        let rejected = try XCTUnwrap(counts["rejected"] as? [String: Any])
        XCTAssertGreaterThan(counts["duplicates"] as? Int ?? 0, 0)
        XCTAssertGreaterThan(counts["out_of_period"] as? Int ?? 0, 0)
        XCTAssertGreaterThan(rejected["conflict"] as? Int ?? 0, 100)
        for limit in ["1K", "64K", "300K"] {
            XCTAssertEqual(try rate("spill-\(limit)", ["--memory-limit", limit]), inMemory, limit)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spill.path), [])

        let refused = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10",
                output: work.appendingPathComponent("refused"), inputs: inputs,
                extra: ["--memory-limit", "lots"]),
            in: work)
        XCTAssertEqual(refused.status, 1, refused.transcript)
        XCTAssertTrue(refused.transcript.contains("--memory-limit must be a positive size"))
    }
}
