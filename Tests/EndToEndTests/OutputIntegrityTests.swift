import Foundation
import TestSupport
import XCTest

/// Issue 8, items 7 and 16 and the self-checked invariants, through the built executables:
/// an output folder overlapping an input is refused before anything is touched, a file-size
/// limit is a reported write error, and normal runs pass the self-checks.
final class OutputIntegrityTests: XCTestCase {
    /// A work folder holding copies of the samples (never the shipped ones: a regression here
    /// would delete them): catalog.yaml, customers.yaml, wallets.ndjson, grants.ndjson, events/.
    func makeSampleCopy() throws -> URL {
        let work = try makeTemporaryDirectory()
        let samples = Executables.samples
        for name in ["catalog.yaml", "customers.yaml", "grants.ndjson", "events"] {
            try FileManager.default.copyItem(
                at: samples.appendingPathComponent(name), to: work.appendingPathComponent(name))
        }
        try FileManager.default.copyItem(
            at: samples.appendingPathComponent("wallets-2026-09.ndjson"),
            to: work.appendingPathComponent("wallets.ndjson"))
        return work
    }

    func rate(in work: URL, output: URL, inputs: [String]) throws -> RunResult {
        try runRate(
            rateArguments(
                catalog: work.appendingPathComponent("catalog.yaml"),
                customers: work.appendingPathComponent("customers.yaml"), period: "2026-10",
                output: output, inputs: inputs),
            in: work)
    }

    func invoice(in work: URL, rated: URL, output: URL) throws -> RunResult {
        try runProcess(
            try Executables.invoice(),
            [
                "--catalog", work.appendingPathComponent("catalog.yaml").path,
                "--customers", work.appendingPathComponent("customers.yaml").path,
                "--period", "2026-10", "--rated", rated.path,
                "--wallets", work.appendingPathComponent("wallets.ndjson").path,
                "--grants", work.appendingPathComponent("grants.ndjson").path,
                "--output", output.path,
            ],
            in: work)
    }

    // MARK: Item 7: --output overlapping an input

    func testRateRefusesAnOutputThatIsContainsOrIsInsideAnInput() throws {
        let work = try makeSampleCopy()
        let events = work.appendingPathComponent("events", isDirectory: true)
        let before = try folderDigests(work)
        let entries = folderEntries(work)
        let cases: [(output: String, expected: String)] = [
            // Relative to the working folder, with a trailing slash: the same folder.
            ("events/", "--output 'events/' is input '\(events.path)'"),
            ("events/out", "--output 'events/out' is inside input '\(events.path)'"),
            (work.path + "/events/../events/new/out", "is inside input '\(events.path)'"),
            // The work folder holds the catalog (checked first) and the events.
            (work.path, "--output '\(work.path)' contains --catalog '"),
        ]
        for (output, expected) in cases {
            let result = try runRate(
                [
                    "--catalog", work.appendingPathComponent("catalog.yaml").path,
                    "--customers", work.appendingPathComponent("customers.yaml").path,
                    "--period", "2026-10", "--output", output, events.path,
                ],
                in: work)
            XCTAssertEqual(result.status, 1, "\(output)\n\(result.transcript)")
            XCTAssertTrue(
                result.standardError.contains(expected), "\(output)\n\(result.transcript)")
            XCTAssertTrue(
                result.standardError.contains(
                    "Choose an output folder that neither is nor "
                        + "holds an input"), result.transcript)
            // Nothing touched: no lock file, no temporary folder, inputs byte-identical.
            XCTAssertEqual(folderEntries(work), entries, output)
            XCTAssertEqual(
                folderEntries(events),
                [
                    "2026-10-a.ndjson.zst", "2026-10-b.ndjson.gz", "late.ndjson",
                    "platform.ndjson",
                ])
            XCTAssertEqual(try folderDigests(work), before, output)
        }
    }

    func testRateRefusesAnOutputReachedThroughASymlinkToTheInput() throws {
        let work = try makeSampleCopy()
        try FileManager.default.createSymbolicLink(
            at: work.appendingPathComponent("alias"),
            withDestinationURL: work.appendingPathComponent("events"))
        let before = try folderDigests(work.appendingPathComponent("events"))
        let result = try rate(
            in: work, output: work.appendingPathComponent("alias"), inputs: ["events"])
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertTrue(
            result.standardError.contains("/alias' is input 'events'"), result.transcript)
        XCTAssertEqual(try folderDigests(work.appendingPathComponent("events")), before)
    }

    func testInvoiceRefusesAnOutputOverlappingRatedOrItsConfiguration() throws {
        let work = try makeSampleCopy()
        let rated = work.appendingPathComponent("rated", isDirectory: true)
        let rateRun = try rate(in: work, output: rated, inputs: ["events"])
        XCTAssertEqual(rateRun.status, 0, rateRun.transcript)
        let before = try folderDigests(work)
        let entries = folderEntries(work)
        let cases: [(output: URL, expected: String)] = [
            (rated, "--output '\(rated.path)' is --rated '\(rated.path)'"),
            (rated.appendingPathComponent("invoices"), "is inside --rated '\(rated.path)'"),
            (work, "--output '\(work.path)' contains --catalog '"),
        ]
        for (output, expected) in cases {
            let result = try invoice(in: work, rated: rated, output: output)
            XCTAssertEqual(result.status, 1, "\(output.path)\n\(result.transcript)")
            XCTAssertTrue(
                result.standardError.contains(expected), "\(output.path)\n\(result.transcript)")
            XCTAssertEqual(folderEntries(work), entries, output.path)
            XCTAssertEqual(try folderDigests(work), before, output.path)
        }
        // The wallets file alone inside the output folder is refused too.
        let walletsFolder = work.appendingPathComponent("w", isDirectory: true)
        try FileManager.default.createDirectory(
            at: walletsFolder, withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            at: work.appendingPathComponent("wallets.ndjson"),
            to: walletsFolder.appendingPathComponent("wallets.ndjson"))
        let result = try runProcess(
            try Executables.invoice(),
            [
                "--catalog", "catalog.yaml", "--customers", "customers.yaml", "--period",
                "2026-10", "--rated", "rated", "--wallets", "w/wallets.ndjson", "--output", "w",
            ],
            in: work)
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertTrue(
            result.standardError.contains("--output 'w' contains --wallets 'w/wallets.ndjson'"),
            result.transcript)
        XCTAssertEqual(folderEntries(walletsFolder), ["wallets.ndjson"])
    }

    // MARK: Item 16: a file-size limit is a write error, not a silent death

    func testFileSizeLimitIsReportedAsAWriteErrorAndNothingIsWritten() throws {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", ExitCodeTests.catalog, in: work)
        let customers = try writeFile("customers.yaml", Fixtures.customerOnBasic, in: work)
        // One good event, and one rejected line of 4000 bytes: rejects.ndjson keeps its raw
        // bytes, so it outgrows a 1 KiB limit (2 blocks of 512 bytes in dash, 2 KiB in bash).
        let padding = String(repeating: "x", count: 4000)
        let rejected =
            #"{"id":"e9","customer":"c1","meter":"nope","ts":"2026-10-05T10:00:00Z","#
            + #""pad":""# + padding + #""}"#
        let events = try writeFile(
            "events.ndjson", Fixtures.callEvent("e1") + "\n" + rejected + "\n", in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let arguments = rateArguments(
            catalog: catalog, customers: customers, period: "2026-10", output: output,
            inputs: [events.path])
        let result = try runProcess(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", #"ulimit -f 2 && exec "$0" "$@""#, try Executables.rate().path] + arguments,
            in: work)
        // Killed by SIGXFSZ this would be 128 + 25 with an empty standard error.
        XCTAssertEqual(result.status, 3, result.transcript)
        XCTAssertTrue(
            result.standardError.contains(
                "/rejects.ndjson': File too large (errno 27). The file outgrew the file-size "
                    + "limit (`ulimit -f`) or the file system's largest file; raise the limit or "
                    + "write elsewhere. The previous output folder, if any, is unchanged.; "
                    + "nothing was written"),
            result.transcript)
        XCTAssertEqual(
            folderEntries(work),
            [
                ".out.lock", "catalog.yaml", "customers.yaml",
                "events.ndjson",
            ])
    }

    /// A run killed between the two fallback renames left no `out`, the previous output in
    /// `.out.old-<pid>` and the new one in `.out.tmp-<pid>`: the next run restores the previous
    /// output (that run never committed), says so, then replaces it as usual.
    func testNextRunRestoresAnOutputLeftAsideAndSaysSo() throws {
        let work = try makeSampleCopy()
        try writeFile(".out.old-4242/manifest.json", "old\n", in: work)
        try writeFile(".out.tmp-4242/manifest.json", "new\n", in: work)
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try rate(in: work, output: output, inputs: ["events"])
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertTrue(
            result.standardError.contains(
                "note: output folder '\(output.path)' was missing after an interrupted run; "
                    + "restored it from '.out.old-4242' before writing the new one"),
            result.transcript)
        XCTAssertEqual(
            folderEntries(work),
            [
                ".out.lock", "catalog.yaml", "customers.yaml", "events", "grants.ndjson", "out",
                "wallets.ndjson",
            ])
        XCTAssertEqual(
            folderEntries(output),
            [
                "gauges.ndjson", "included-credits.ndjson", "manifest.json", "manifest.sha256",
                "rated.ndjson", "rejects.ndjson", "usage.ndjson",
            ])
    }

    /// Review finding 4(b): a run killed while deleting the output it replaced left part of it
    /// (here, as older versions named it, `.out.tmp-<pid>` still holding `manifest.json`); the
    /// user then removed `out`. A run that fails on a corrupt input must leave no `out`: a
    /// stale, partly deleted folder is never restored.
    func testAPartlyDeletedOldOutputIsNotRestoredByAFailingRun() throws {
        let work = try makeSampleCopy()
        try writeFile(".out.tmp-4242/manifest.json", "stale\n", in: work)
        try writeFile(".out.del-4243/manifest.json", "stale\n", in: work)
        // A gzip header followed by bytes that are no deflate stream.
        try Data([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0xFF, 0xFF, 0xFF, 0xFF])
            .write(to: work.appendingPathComponent("bad.ndjson.gz"))
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try rate(in: work, output: output, inputs: ["bad.ndjson.gz"])
        XCTAssertEqual(result.status, 3, result.transcript)
        XCTAssertTrue(
            result.standardError.contains(
                "bad.ndjson.gz: corrupt gzip data (invalid block type) in gzip member 1 (from "
                    + "byte 0) at byte 11; the file is unreadable or corrupt: fix or remove it "
                    + "and run again; nothing was written"),
            result.transcript)
        XCTAssertFalse(result.standardError.contains("restored"), result.transcript)
        XCTAssertEqual(
            folderEntries(work),
            [
                ".out.lock", "bad.ndjson.gz", "catalog.yaml", "customers.yaml", "events",
                "grants.ndjson", "wallets.ndjson",
            ])
    }

    // MARK: Invariants: normal runs pass the self-checks

    func testSampleRunsPassTheSelfChecks() throws {
        let work = try makeSampleCopy()
        let rated = work.appendingPathComponent("rated", isDirectory: true)
        let rateRun = try rate(in: work, output: rated, inputs: ["events"])
        XCTAssertEqual(rateRun.status, 0, rateRun.transcript)
        XCTAssertFalse(rateRun.standardError.contains("self-check"), rateRun.transcript)
        let output = work.appendingPathComponent("invoiced", isDirectory: true)
        let invoiceRun = try invoice(in: work, rated: rated, output: output)
        XCTAssertEqual(invoiceRun.status, 0, invoiceRun.transcript)
        XCTAssertFalse(invoiceRun.standardError.contains("self-check"), invoiceRun.transcript)
        XCTAssertTrue(folderEntries(output).contains("manifest.json"))
    }

    /// Spilling past `--memory-limit` needs its temporary folder: when it cannot be written the
    /// run fails like any I/O failure (exit 3, naming the folder) and the previous output stays.
    func testUnwritableSpillFolderFailsTheRunAndKeepsThePreviousOutput() throws {
        let work = try makeSampleCopy()
        let output = work.appendingPathComponent("out", isDirectory: true)
        let first = try rate(
            in: work, output: output, inputs: [work.appendingPathComponent("events").path])
        XCTAssertEqual(first.status, 0, first.transcript)
        let before = try folderDigests(output)
        let missing = work.appendingPathComponent("no-such-folder").path
        let result = try runRate(
            rateArguments(
                catalog: work.appendingPathComponent("catalog.yaml"),
                customers: work.appendingPathComponent("customers.yaml"), period: "2026-10",
                output: output, inputs: [work.appendingPathComponent("events").path],
                extra: ["--memory-limit", "1K"]),
            in: work, environment: ["TMPDIR": missing])
        XCTAssertEqual(result.status, 3, result.transcript)
        XCTAssertTrue(
            result.transcript.contains("cannot create a spill file in \(missing)"),
            result.transcript)
        XCTAssertTrue(result.transcript.contains("nothing was written"), result.transcript)
        XCTAssertEqual(try folderDigests(output), before)
    }
}
