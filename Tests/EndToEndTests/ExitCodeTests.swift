import Foundation
import TestSupport
import XCTest

/// SPEC §10: every exit code, what is (not) written, and a message naming the file, path or
/// option and what to do.
final class ExitCodeTests: XCTestCase {
    static let catalog = """
        version: 1
        currency: USD
        meters:
          calls: { aggregation: count }
        plans:
          basic:
            charges:
              - key: api
                meter: calls
                model: per_unit
                unit_price: "0.50"
        """

    /// A folder with catalog.yaml, customers.yaml and events.ndjson (two good events).
    func makeScenario() throws -> (work: URL, catalog: URL, customers: URL, events: URL) {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", Self.catalog, in: work)
        let customers = try writeFile("customers.yaml", Fixtures.customerOnBasic, in: work)
        let events = try writeFile(
            "events.ndjson", Fixtures.callEvent("e1") + "\n" + Fixtures.callEvent("e2") + "\n", in: work)
        return (work, catalog, customers, events)
    }

    // MARK: 1, usage errors: nothing written

    func testUsageErrorsExitOneAndWriteNothing() throws {
        let (work, catalog, customers, events) = try makeScenario()
        let output = work.appendingPathComponent("out", isDirectory: true)
        let before = folderEntries(work)
        let cases: [(label: String, arguments: [String], message: String)] = [
            ("bad --period",
             rateArguments(
                catalog: catalog, customers: customers, period: "2026-13", output: output,
                inputs: [events.path]),
             "--period must be a month YYYY-MM"),
            ("--period not a month",
             rateArguments(
                catalog: catalog, customers: customers, period: "October", output: output,
                inputs: [events.path]),
             "--period must be a month YYYY-MM"),
            ("missing catalog file",
             rateArguments(
                catalog: work.appendingPathComponent("nope.yaml"), customers: customers,
                period: "2026-10", output: output, inputs: [events.path]),
             "nope.yaml: cannot open the file"),
            ("no inputs",
             rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: []),
             "give at least one event file"),
            ("no --catalog option",
             ["--customers", customers.path, "--period", "2026-10", "--output", output.path,
              events.path],
             "--catalog"),
            ("--max-reject-rate over 1",
             rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [events.path], extra: ["--max-reject-rate", "1.5"]),
             "--max-reject-rate must be a fraction from 0 to 1"),
            ("missing input file",
             rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [work.appendingPathComponent("missing.ndjson").path]),
             "missing.ndjson"),
        ]
        for (label, arguments, message) in cases {
            let result = try runRate(arguments, in: work)
            XCTAssertEqual(result.status, 1, "\(label): \(result.transcript)")
            XCTAssertTrue(
                result.standardError.contains(message),
                "\(label): stderr should say \"\(message)\": \(result.standardError)")
            XCTAssertEqual(result.standardOutput, "", label)
            // Nothing written: no output folder, no lock or temporary folder next to it.
            XCTAssertEqual(folderEntries(work), before, label)
        }
    }

    /// Two inputs with the same display name (SPEC §11) are a usage error.
    func testTwoInputsWithTheSameDisplayNameExitOne() throws {
        let (work, catalog, customers, events) = try makeScenario()
        let copy = work.appendingPathComponent("again/events.ndjson")
        try FileManager.default.createDirectory(
            at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: events, to: copy)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [events.path, copy.path]),
            in: work)
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertTrue(result.standardError.contains("display name \"events.ndjson\""))
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    // MARK: 2, invalid catalog or customers: every error listed, nothing written

    func testInvalidCatalogListsEveryErrorWithItsPathAndWritesNothing() throws {
        let (work, _, customers, events) = try makeScenario()
        // Four independent mistakes: an unknown aggregation, an undeclared meter, a price that
        // is not a number, and an unknown key.
        let catalog = try writeFile("bad-catalog.yaml", """
            version: 1
            currency: USD
            meters:
              calls: { aggregation: countt }
            plans:
              basic:
                charges:
                  - key: api
                    meter: callz
                    model: per_unit
                    unit_price: "abc"
                    colour: red
            """, in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let before = folderEntries(work)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [events.path]),
            in: work)
        XCTAssertEqual(result.status, 2, result.transcript)
        for expected in [
            "bad-catalog.yaml:4:25: meters.calls.aggregation: unknown aggregation \"countt\"",
            "bad-catalog.yaml:9:16: plans.basic.charges[0].meter: unknown meter \"callz\"",
            "bad-catalog.yaml:11:21: plans.basic.charges[0].unit_price: expected a decimal",
            "bad-catalog.yaml:12:9: plans.basic.charges[0].colour: unknown key",
        ] {
            XCTAssertTrue(
                result.standardError.contains(expected),
                "stderr should list \(expected): \(result.standardError)")
        }
        XCTAssertTrue(result.standardError.contains("nothing was written"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        XCTAssertEqual(folderEntries(work), before, "no lock file, no temporary folder")
    }

    func testInvalidCustomersExitTwo() throws {
        let (work, catalog, _, events) = try makeScenario()
        // A plan the catalog does not have, and a time zone that does not exist.
        let customers = try writeFile("bad-customers.yaml", """
            customers:
              c1:
                timezone: Mars/Olympus_Mons
                subscriptions:
                  - { plan: platinum, start: 2026-01-01 }
            """, in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [events.path]),
            in: work)
        XCTAssertEqual(result.status, 2, result.transcript)
        XCTAssertTrue(result.standardError.contains("customers.c1.timezone"), result.transcript)
        XCTAssertTrue(
            result.standardError.contains("customers.c1.subscriptions[0].plan"),
            result.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    // MARK: 3, corrupt input: nothing written, the previous output untouched

    func testTruncatedGzipExitsThreeAndLeavesThePreviousOutputByteIdentical() throws {
        let (work, catalog, customers, events) = try makeScenario()
        let output = work.appendingPathComponent("out", isDirectory: true)
        let first = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [events.path]),
            in: work)
        XCTAssertEqual(first.status, 0, first.transcript)
        let previous = try folderDigests(output)
        XCTAssertEqual(previous.count, 6)
        let before = folderEntries(work)

        // 2000 events compress to a few KB; cut the .gz in the middle of its deflate stream, so
        // the first lines decode before the error (the file must still count as all-or-nothing).
        let many = (1...2000).map { Fixtures.callEvent("m\($0)") }.joined(separator: "\n") + "\n"
        try writeFile("many.ndjson", many, in: work)
        try shell(
            "gzip -n -c many.ndjson > whole.gz && head -c 3000 whole.gz > truncated.ndjson.gz "
                + "&& rm whole.gz many.ndjson",
            in: work)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [events.path, work.appendingPathComponent("truncated.ndjson.gz").path]),
            in: work)
        XCTAssertEqual(result.status, 3, result.transcript)
        XCTAssertTrue(
            result.standardError.contains("truncated.ndjson.gz"),
            "stderr names the file: \(result.standardError)")
        XCTAssertTrue(result.standardError.contains("nothing was written"))
        XCTAssertEqual(try folderDigests(output), previous, "previous output byte-identical")
        XCTAssertEqual(
            folderEntries(work), before + ["truncated.ndjson.gz"],
            "no temporary folder left beside the output")
    }

    /// Both sides of `--max-input-bytes`, on decompressed bytes: exactly the limit passes, one
    /// byte over is exit 3 with advice to raise the limit (the file is not corrupt).
    func testDecompressedSizeLimitBothSides() throws {
        let (work, catalog, customers, events) = try makeScenario()
        try shell("gzip -n -c events.ndjson > events.ndjson.gz", in: work)
        let sizeBytes = try readBytes(events).count
        for name in ["events.ndjson", "events.ndjson.gz"] {
            for (limit, status) in [(sizeBytes, Int32(0)), (sizeBytes - 1, 3)] {
                let output = work.appendingPathComponent("out-\(name)-\(limit)")
                let result = try runRate(
                    rateArguments(
                        catalog: catalog, customers: customers, period: "2026-10",
                        output: output, inputs: [work.appendingPathComponent(name).path],
                        extra: ["--max-input-bytes", String(limit)]),
                    in: work)
                XCTAssertEqual(result.status, status, "\(name) \(limit): \(result.transcript)")
                if status == 3 {
                    XCTAssertTrue(
                        result.standardError.contains(
                            "\(name): decompressed data exceeds the limit of \(limit) bytes"),
                        result.standardError)
                    XCTAssertTrue(
                        result.standardError.contains("raise the limit (rate --max-input-bytes)"),
                        result.standardError)
                    XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
                }
            }
        }
    }

    // MARK: 4, too many rejects: outputs written, exit 4

    func testMaxRejectRateZeroWithARejectExitsFourWithOutputsWritten() throws {
        let (work, catalog, customers, events) = try makeScenario()
        let broken = try writeFile("broken.ndjson", "{\"id\":\"x\"}\n", in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [events.path, broken.path], extra: ["--max-reject-rate", "0"]),
            in: work)
        XCTAssertEqual(result.status, 4, result.transcript)
        XCTAssertTrue(
            result.standardError.contains("1 of 3 lines rejected, over --max-reject-rate 0"),
            result.standardError)
        // The samples' outputs but gauges.ndjson: this catalog has no time_weighted meter.
        XCTAssertEqual(
            folderEntries(output), GoldenSampleTests.outputNames.filter { $0 != "gauges.ndjson" })
        let rejects = try readObjects(output.appendingPathComponent("rejects.ndjson"))
        XCTAssertEqual(rejects.count, 1)
        XCTAssertEqual(rejects.first?["file"] as? String, "broken.ndjson")
        XCTAssertEqual(rejects.first?["reason"] as? String, "missing_field")
        // The two good events are still billed: 2 × 0.50.
        let rated = try readObjects(output.appendingPathComponent("rated.ndjson"))
        XCTAssertEqual(rated.first?["amount"] as? String, "1.00")
    }

    /// The other side of the limit: a reject rate equal to the limit is not over it.
    func testRejectRateAtTheLimitExitsZero() throws {
        let (work, catalog, customers, events) = try makeScenario()
        let broken = try writeFile("broken.ndjson", "{\"id\":\"x\"}\n", in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        // 1 rejected of 3 lines = 1/3: a limit just above passes, one just below fails.
        for (limit, status) in [("0.34", Int32(0)), ("0.333", 4)] {
            let result = try runRate(
                rateArguments(
                    catalog: catalog, customers: customers, period: "2026-10", output: output,
                    inputs: [events.path, broken.path], extra: ["--max-reject-rate", limit]),
                in: work)
            XCTAssertEqual(result.status, status, "limit \(limit): \(result.transcript)")
        }
        let twoLines = try writeFile("two.ndjson", Fixtures.callEvent("e9") + "\n{}\n", in: work)
        // 1 of 2 = 0.5 exactly: not over 0.5.
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: [twoLines.path], extra: ["--max-reject-rate", "0.5"]),
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
    }

    // MARK: 5, locked

    func testHeldLockExitsFiveAndTheNextRunSucceeds() throws {
        let (work, catalog, customers, events) = try makeScenario()
        let output = work.appendingPathComponent("out", isDirectory: true)
        let arguments = rateArguments(
            catalog: catalog, customers: customers, period: "2026-10", output: output,
            inputs: [events.path])
        let first = try runRate(arguments, in: work)
        XCTAssertEqual(first.status, 0, first.transcript)
        let previous = try folderDigests(output)

        // Another process holds `<parent>/.<name>.lock` with flock(1). Its command prints
        // "held" once it has the lock, then waits on its standard input: closing that pipe
        // releases the lock, so the test neither sleeps nor races.
        let lockPath = work.appendingPathComponent(".out.lock").path
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [lockPath, "/bin/sh", "-c", "echo held; read line || true"]
        let holderInput = Pipe()
        let holderOutput = Pipe()
        holder.standardInput = holderInput
        holder.standardOutput = holderOutput
        try holder.run()
        defer {
            try? holderInput.fileHandleForWriting.close()
            if holder.isRunning { holder.terminate() }
            holder.waitUntilExit()
        }
        let greeting = holderOutput.fileHandleForReading.availableDataOrEnd(upTo: 5)
        XCTAssertEqual(String(decoding: greeting, as: UTF8.self), "held\n")

        let locked = try runRate(arguments, in: work)
        XCTAssertEqual(locked.status, 5, locked.transcript)
        XCTAssertTrue(
            locked.standardError.contains("output folder '\(output.path)' is locked"),
            locked.standardError)
        XCTAssertTrue(locked.standardError.contains("another run"), locked.standardError)
        XCTAssertEqual(try folderDigests(output), previous, "the output is untouched")

        // Release the lock: the same command now succeeds.
        try holderInput.fileHandleForWriting.close()
        holder.waitUntilExit()
        XCTAssertEqual(holder.terminationStatus, 0)
        let after = try runRate(arguments, in: work)
        XCTAssertEqual(after.status, 0, after.transcript)
        XCTAssertEqual(try folderDigests(output), previous)
    }
}

extension FileHandle {
    /// Reads until `count` bytes arrived or the other end closed.
    func availableDataOrEnd(upTo count: Int) -> Data {
        var data = Data()
        while data.count < count {
            let chunk = availableData
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        return data
    }
}
