import Formats
import Foundation
import TestSupport
import XCTest

/// `invoice` refuses what it must not bill from: a rated folder changed after `rate` wrote it
/// or rated with another catalog (exit 3), wallets and grants that cannot be right (exit 2, each
/// message naming file, line and field), and invoice numbers past six digits (exit 1). In every
/// refused case nothing is written.
final class InvoiceIntegrityTests: XCTestCase {
    /// A fresh copy of the samples rated for 2026-10, in its own work folder.
    struct Work {
        let root: URL
        let rated: URL
        var output: URL { root.appendingPathComponent("out") }
    }

    /// The samples rated once for the whole class; tests copy it before changing anything.
    nonisolated(unsafe) static var sharedRated: URL?

    func ratedSamples() throws -> Work {
        let root = try makeTemporaryDirectory()
        if InvoiceIntegrityTests.sharedRated == nil {
            let shared = FileManager.default.temporaryDirectory
                .appendingPathComponent("ratebook-integrity-\(UUID().uuidString)")
            let samples = Executables.samples
            let result = try runRate(
                rateArguments(
                    catalog: samples.appendingPathComponent("catalog.yaml"),
                    customers: samples.appendingPathComponent("customers.yaml"),
                    period: "2026-10", output: shared,
                    inputs: [samples.appendingPathComponent("events").path],
                    extra: Executables.sampleRateOptions),
                in: root)
            XCTAssertEqual(result.status, 0, result.transcript)
            InvoiceIntegrityTests.sharedRated = shared
        }
        let rated = root.appendingPathComponent("rate-2026-10")
        try FileManager.default.copyItem(at: InvoiceIntegrityTests.sharedRated!, to: rated)
        return Work(root: root, rated: rated)
    }

    override class func tearDown() {
        if let shared = sharedRated { try? FileManager.default.removeItem(at: shared) }
        sharedRated = nil
        super.tearDown()
    }

    /// Runs `invoice` on `work` with the sample catalog and customers unless replaced.
    func invoice(
        _ work: Work, catalog: URL? = nil, customers: URL? = nil, wallets: URL? = nil,
        grants: [URL] = [], extra: [String] = []
    ) throws -> RunResult {
        let samples = Executables.samples
        var arguments = [
            "--catalog", (catalog ?? samples.appendingPathComponent("catalog.yaml")).path,
            "--customers", (customers ?? samples.appendingPathComponent("customers.yaml")).path,
            "--period", "2026-10", "--rated", work.rated.path, "--output", work.output.path,
        ]
        if let wallets { arguments += ["--wallets", wallets.path] }
        for grant in grants { arguments += ["--grants", grant.path] }
        return try runProcess(try Executables.invoice(), arguments + extra, in: work.root)
    }

    /// Asserts a refused run: `status`, every one of `parts` in standard error, no output.
    func assertRefused(
        _ result: RunResult, _ status: Int32, _ parts: [String], _ work: Work,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(result.status, status, result.transcript, file: file, line: line)
        for part in parts {
            XCTAssertTrue(
                result.standardError.contains(part),
                "missing «\(part)» in:\n\(result.transcript)",
                file: file, line: line)
        }
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: work.output.path), "nothing is written",
            file: file, line: line)
    }

    /// Rewrites a file of the rated folder with `change` applied to its text.
    func edit(_ name: String, in work: Work, _ change: (String) -> String) throws {
        let url = work.rated.appendingPathComponent(name)
        try Data(change(try readText(url)).utf8).write(to: url)
    }

    /// Records `name`'s current SHA-256 in the rated manifest, as a careful forger would, so
    /// only the content checks can catch what was done to it.
    func rehash(_ name: String, in work: Work) throws {
        let digest = SHA256.hash(try readBytes(work.rated.appendingPathComponent(name)))
        let manifest = work.rated.appendingPathComponent("manifest.json")
        var lines = try readText(manifest).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        let index = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("    \"\(name)\": \"") })
        lines[index] = "    \"\(name)\": \"\(digest)\"" + (lines[index].hasSuffix(",") ? "," : "")
        try Data(lines.joined(separator: "\n").utf8).write(to: manifest)
    }

    // MARK: - Item 2: the rated folder is what rate wrote

    func testUntouchedFolderInvoices() throws {
        let work = try ratedSamples()
        let result = try invoice(work)
        XCTAssertEqual(result.status, 0, result.transcript)
    }

    /// An edited amount, a deleted line and a duplicated line all change rated.ndjson's hash.
    func testEditedRatedLinesAreRefused() throws {
        let edits: [(String, (String) -> String)] = [
            (
                "edited amount",
                { $0.replacingOccurrences(of: "\"amount\":\"49.00\"", with: "\"amount\":\"4.00\"") }
            ),
            (
                "deleted line",
                { $0.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n" }
            ),
            ("duplicated line", { String($0.split(separator: "\n").first!) + "\n" + $0 }),
        ]
        for (label, change) in edits {
            let work = try ratedSamples()
            let original = try readText(work.rated.appendingPathComponent("rated.ndjson"))
            try edit("rated.ndjson", in: work, change)
            XCTAssertNotEqual(
                try readText(work.rated.appendingPathComponent("rated.ndjson")), original, label)
            assertRefused(
                try invoice(work), 3,
                [
                    "rate-2026-10/rated.ndjson: SHA-256 ",
                    " recorded in \(work.rated.path)/manifest.json: the file or the manifest "
                        + "changed after rate wrote them; re-run rate",
                    "nothing was written",
                ], work)
        }
    }

    func testEditedIncludedCreditsAreRefused() throws {
        let work = try ratedSamples()
        try edit("included-credits.ndjson", in: work) {
            $0.replacingOccurrences(of: "\"amount\":\"10.00\"", with: "\"amount\":\"99.00\"")
        }
        assertRefused(
            try invoice(work), 3,
            ["rate-2026-10/included-credits.ndjson: SHA-256 ", "changed after rate wrote them"],
            work)
    }

    /// A zeroed hash is a mismatch and a missing one a broken manifest: never a skip.
    func testZeroedOrMissingManifestHashIsRefused() throws {
        let zeroed = try ratedSamples()
        try edit("manifest.json", in: zeroed) { text in
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let index = lines.firstIndex { $0.hasPrefix("    \"rated.ndjson\"") }!
            lines[index] = "    \"rated.ndjson\": \"\(String(repeating: "0", count: 64))\","
            return lines.joined(separator: "\n")
        }
        assertRefused(
            try invoice(zeroed), 3,
            ["rated.ndjson: SHA-256 ", " differs from \(String(repeating: "0", count: 64))"],
            zeroed)

        let missing = try ratedSamples()
        try edit("manifest.json", in: missing) { text in
            // The first output listed: without it the object is still JSON.
            text.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("    \"included-credits.ndjson\"") }
                .joined(separator: "\n")
        }
        assertRefused(
            try invoice(missing), 3,
            [
                "rate-2026-10/manifest.json: outputs.included-credits.ndjson: missing or not a "
                    + "SHA-256 (64 lowercase hex digits); re-run rate"
            ], missing)
    }

    /// A rated folder missing a file it needs (deleted by hand, or never a rate folder): exit 3
    /// naming the file and what --rated must be.
    func testRatedFolderMissingAFileIsRefused() throws {
        let work = try ratedSamples()
        try FileManager.default.removeItem(
            at: work.rated.appendingPathComponent("included-credits.ndjson"))
        assertRefused(
            try invoice(work), 3,
            [
                "rate-2026-10/included-credits.ndjson: cannot open the file",
                "--rated must name a complete rate output folder (re-run rate)",
            ], work)
    }

    /// A catalog or customers file other than the one rate used: refused, saying what to do.
    func testDifferentCatalogOrCustomersIsRefused() throws {
        let work = try ratedSamples()
        let samples = Executables.samples
        let catalog = try writeFile(
            "other/catalog.yaml",
            try readText(samples.appendingPathComponent("catalog.yaml")) + "# edited\n",
            in: work.root)
        assertRefused(
            try invoice(work, catalog: catalog), 3,
            [
                "--catalog \(catalog.path) (SHA-256 \(SHA256.hash(try readBytes(catalog))))",
                "is not the catalog file \(work.rated.path) was rated with",
                "re-run rate with this catalog file, or invoice with the one it was rated with",
            ], work)
        let customers = try writeFile(
            "other/customers.yaml",
            try readText(samples.appendingPathComponent("customers.yaml")) + "# edited\n",
            in: work.root)
        assertRefused(
            try invoice(work, customers: customers), 3,
            ["--customers \(customers.path) (SHA-256 ", "is not the customers file"], work)
    }

    // MARK: - Item 11: a rated file that matches its hash but cannot be read is still exit 3

    func testTruncatedRatedFileNamesFileAndLine() throws {
        let work = try ratedSamples()
        let lineCount = try readLines(work.rated.appendingPathComponent("rated.ndjson")).count
        try edit("rated.ndjson", in: work) { String($0.dropLast(40)) }
        try rehash("rated.ndjson", in: work)
        assertRefused(
            try invoice(work), 3,
            [
                "\(work.rated.path) is corrupt; nothing was written",
                "rate-2026-10/rated.ndjson:\(lineCount): the last line has no line ending: the "
                    + "file was cut short",
                "re-run rate to rebuild the folder",
            ], work)
        XCTAssertFalse(try invoice(work).standardError.contains("wallets or grants"))
    }

    func testCRLFRatedFileNamesFileAndLine() throws {
        let work = try ratedSamples()
        let lineCount = try readLines(work.rated.appendingPathComponent("rated.ndjson")).count
        try edit("rated.ndjson", in: work) { $0.replacingOccurrences(of: "\n", with: "\r\n") }
        try rehash("rated.ndjson", in: work)
        XCTAssertGreaterThan(lineCount, 21)
        // Every line holds a CR: the first 20 are listed, the rest counted.
        let result = try invoice(work)
        assertRefused(
            result, 3,
            [
                "rate-2026-10/rated.ndjson:1: holds a CR (\\r); rate writes LF line endings only",
                "rate-2026-10/rated.ndjson:20: holds a CR",
                "rate-2026-10/rated.ndjson: \(lineCount - 20) more problems not listed, the next "
                    + "at line 21",
            ],
            work)
        XCTAssertFalse(result.standardError.contains("rated.ndjson:21:"), result.standardError)
    }

    // MARK: - Item 11: grants and wallets messages name file, line, field and expectation

    func testNonUTF8GrantsLineIsNamed() throws {
        let work = try ratedSamples()
        let grants = work.root.appendingPathComponent("grants.ndjson")
        var bytes = Array(
            """
            {"id":"g1","customer":"cus_1","ts":"2026-10-04T10:00:00Z","amount":"5.00","currency":"USD"}
            {"id":"g2","customer":"cus_1","ts":"2026-10-04T10:00:00Z","amount":"5.00","currency":"US
            """.utf8)
        bytes += [0xFF] + Array("D\"}\n".utf8)
        try Data(bytes).write(to: grants)
        // Line 2's bad byte follows 88 valid bytes.
        assertRefused(
            try invoice(work, grants: [grants]), 2,
            ["grants.ndjson:2: not UTF-8 text (byte 89 of the line); save the file as UTF-8"],
            work)
    }

    func testWalletRemainingMissingOrNegativeIsNamed() throws {
        let work = try ratedSamples()
        let wallets = try writeFile(
            "wallets.ndjson",
            """
            {"customer":"cus_1","currency":"USD","grant":"a","source":"purchase","priority":0,"ts":"2026-04-01T00:00:00Z","expires":null,"amount":"25.00"}
            {"customer":"cus_1","currency":"USD","grant":"b","source":"purchase","priority":0,"ts":"2026-04-01T00:00:00Z","expires":null,"amount":"25.00","remaining":"-1.00"}
            {"customer":"cus_1","currency":"USD","grant":"c","source":"purchase","priority":0,"ts":"2026-04-01T00:00:00Z","expires":null,"remaining":"-1.00"}
            {"customer":"cus_1","currency":"USD","source":"purchase","priority":0,"ts":"2026-04-01T00:00:00Z","expires":null,"amount":"5.00","remaining":"1.00"}

            """, in: work.root)
        assertRefused(
            try invoice(work, wallets: wallets), 2,
            [
                "invalid wallets or grants; nothing was written",
                "wallets.ndjson:1: remaining: missing; expected what is left of grant a, such as "
                    + "\"0\" or \"25.00\"",
                "wallets.ndjson:2: remaining: must be 0 or more, got -1.00 (grant b)",
                "wallets.ndjson:3: remaining: must be 0 or more, got -1.00",
                "wallets.ndjson:4: grant: missing; expected the id of the grant",
            ], work)
        XCTAssertFalse(try invoice(work, wallets: wallets).standardError.contains("not a wallet"))
    }

    /// Amounts: 15 digits before the point pass, 16 are too large, 40 too many digits.
    func testGrantAmountDigitsAreLimitedWithAClearMessage() throws {
        func grant(_ id: String, _ amount: String) -> String {
            "{\"id\":\"\(id)\",\"customer\":\"cus_1\",\"ts\":\"2026-10-04T10:00:00Z\","
                + "\"amount\":\"\(amount)\",\"currency\":\"USD\"}\n"
        }
        let work = try ratedSamples()
        let largest = try writeFile(
            "largest.ndjson", grant("g15", String(repeating: "9", count: 15) + ".99"),
            in: work.root)
        let accepted = try invoice(work, grants: [largest])
        XCTAssertEqual(accepted.status, 0, accepted.transcript)
        try FileManager.default.removeItem(at: work.output)

        let forty = String(repeating: "1", count: 40)
        let grants = try writeFile(
            "grants.ndjson",
            grant("g16", "1" + String(repeating: "0", count: 15)) + grant("g40", forty)
                + grant("g3", "1.001"), in: work.root)
        assertRefused(
            try invoice(work, grants: [grants]), 2,
            [
                "grants.ndjson:1: amount: 1000000000000000 is too large; expected at most 15 "
                    + "digits before the point (grant g16)",
                "grants.ndjson:2: amount: \(forty) has too many digits; expected at most 15 "
                    + "digits before the point and 2 after it (grant g40)",
                "grants.ndjson:3: amount: 1.001 has more decimals than USD has; expected at most 2 "
                    + "(grant g3)",
            ], work)
    }

    /// Priority: ±1000000 pass, 1000001 and 10^30 are out of range, 1.5 is not whole.
    func testGrantPriorityRange() throws {
        func grant(_ id: String, _ priority: String) -> String {
            "{\"id\":\"\(id)\",\"customer\":\"cus_1\",\"ts\":\"2026-10-04T10:00:00Z\","
                + "\"amount\":\"1.00\",\"currency\":\"USD\",\"priority\":\(priority)}\n"
        }
        let work = try ratedSamples()
        let edges = try writeFile(
            "edges.ndjson", grant("high", "1000000") + grant("low", "-1000000"), in: work.root)
        let accepted = try invoice(work, grants: [edges])
        XCTAssertEqual(accepted.status, 0, accepted.transcript)
        try FileManager.default.removeItem(at: work.output)

        let power = "1" + String(repeating: "0", count: 30)
        let grants = try writeFile(
            "grants.ndjson",
            grant("over", "1000001") + grant("huge", power) + grant("half", "1.5"),
            in: work.root)
        assertRefused(
            try invoice(work, grants: [grants]), 2,
            [
                "grants.ndjson:1: priority: 1000001 is out of range; expected a whole number "
                    + "from -1000000 to 1000000 (grant over)",
                "grants.ndjson:2: priority: \(power) is out of range",
                "grants.ndjson:3: priority: must be a whole number such as 0 or -5, got 1.5 "
                    + "(grant half)",
            ], work)
    }

    /// The smallest Int (-2^63) as a priority, written as a number or as a string, is out of
    /// range (exit 2), not a trap in `abs`; one past either end of Int is out of range too.
    func testGrantPriorityAtTheEndsOfIntIsOutOfRange() throws {
        func grant(_ id: String, _ priority: String) -> String {
            "{\"id\":\"\(id)\",\"customer\":\"cus_1\",\"ts\":\"2026-10-04T10:00:00Z\","
                + "\"amount\":\"1.00\",\"currency\":\"USD\",\"priority\":\(priority)}\n"
        }
        let work = try ratedSamples()
        let grants = try writeFile(
            "grants.ndjson",
            grant("min", "-9223372036854775808") + grant("text", "\"-9223372036854775808\"")
                + grant("max", "9223372036854775807") + grant("below", "-9223372036854775809"),
            in: work.root)
        let range = "is out of range; expected a whole number from -1000000 to 1000000"
        assertRefused(
            try invoice(work, grants: [grants]), 2,
            [
                "grants.ndjson:1: priority: -9223372036854775808 \(range) (grant min)",
                "grants.ndjson:2: priority: -9223372036854775808 \(range) (grant text)",
                "grants.ndjson:3: priority: 9223372036854775807 \(range) (grant max)",
                "grants.ndjson:4: priority: -9223372036854775809 \(range) (grant below)",
            ], work)
    }

    /// A byte-order mark at the start and CRLF line endings read as the plain file does.
    func testGrantsWithByteOrderMarkAndCRLFAreRead() throws {
        let work = try ratedSamples()
        let samples = Executables.samples
        let plain = try invoice(work, grants: [samples.appendingPathComponent("grants.ndjson")])
        XCTAssertEqual(plain.status, 0, plain.transcript)
        let expected = try readBytes(work.output.appendingPathComponent("wallets.ndjson"))
        let transactions = try readBytes(
            work.output.appendingPathComponent("wallet-transactions.ndjson"))
        try FileManager.default.removeItem(at: work.output)

        let text = try readText(samples.appendingPathComponent("grants.ndjson"))
        let marked = work.root.appendingPathComponent("grants.ndjson")
        try Data(
            [0xEF, 0xBB, 0xBF] + Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        )
        .write(to: marked)
        let result = try invoice(work, grants: [marked])
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertEqual(
            try readBytes(work.output.appendingPathComponent("wallets.ndjson")), expected)
        XCTAssertEqual(
            try readBytes(work.output.appendingPathComponent("wallet-transactions.ndjson")),
            transactions)
    }

    // MARK: - Item 12: wallets and grants that cannot be right

    func testWalletRemainingAboveAmountIsRefused() throws {
        let work = try ratedSamples()
        let wallets = try writeFile(
            "wallets.ndjson",
            """
            {"customer":"cus_1","currency":"USD","grant":"promo","source":"promotional","priority":0,"ts":"2026-04-01T00:00:00Z","expires":null,"amount":"25.00","remaining":"25.00"}
            {"customer":"cus_1","currency":"USD","grant":"over","source":"promotional","priority":0,"ts":"2026-04-01T00:00:00Z","expires":null,"amount":"25.00","remaining":"25.01"}

            """, in: work.root)
        assertRefused(
            try invoice(work, wallets: wallets), 2,
            [
                "wallets.ndjson:2: remaining: 25.01 is more than the grant's amount 25.00 "
                    + "(grant over); a wallet row holds what is left of its grant"
            ], work)
        XCTAssertFalse(try invoice(work, wallets: wallets).standardError.contains(":1:"))
    }

    func testGrantExpiringBeforeItsTimestampIsRefused() throws {
        let work = try ratedSamples()
        let grants = try writeFile(
            "grants.ndjson",
            """
            {"id":"same","customer":"cus_1","ts":"2026-10-04T10:00:00Z","amount":"5.00","currency":"USD","expires":"2026-10-04T12:00:00+02:00"}
            {"id":"early","customer":"cus_1","ts":"2026-10-04T10:00:00Z","amount":"5.00","currency":"USD","expires":"2026-01-04T10:00:00Z"}

            """, in: work.root)
        // `same` expires at the very instant it is granted (12:00+02:00 is 10:00Z): allowed.
        assertRefused(
            try invoice(work, grants: [grants]), 2,
            [
                "grants.ndjson:2: expires: 2026-01-04T10:00:00Z is before ts 2026-10-04T10:00:00Z "
                    + "(grant early); a grant cannot expire before it is granted"
            ], work)
        XCTAssertFalse(try invoice(work, grants: [grants]).standardError.contains(":1:"))
    }

    // MARK: - Item 13: invoice numbers have six digits

    func testFirstNumberMustLeaveRoomForEveryInvoice() throws {
        let work = try ratedSamples()
        // The samples bill 7 customers: 999993 … 999999 fit, 999994 … 1000000 do not.
        assertRefused(
            try invoice(work, extra: ["--first-number", "999994"]), 1,
            [
                "--first-number 999994 with 7 invoices would number the last one 1000000, past "
                    + "the 6-digit numbers of 2026-10-NNNNNN; use --first-number 999993 or lower"
            ], work)
        assertRefused(
            try invoice(work, extra: ["--first-number", "1000000"]), 1,
            ["--first-number must be from 1 to 999999"], work)
        let result = try invoice(work, extra: ["--first-number", "999993"])
        XCTAssertEqual(result.status, 0, result.transcript)
        let last = try readObject(work.output.appendingPathComponent("invoices/cus_8.json"))
        XCTAssertEqual(last["number"] as? String, "2026-10-999999")
    }
}
