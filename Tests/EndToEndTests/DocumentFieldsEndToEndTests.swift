import Foundation
import TestSupport
import XCTest

/// The catalog's and customers' document fields (issue 11) change no output of `rate` or
/// `invoice`: the samples with every new key added give the reviewed golden files byte for byte
/// (only the manifests differ, as they record the configuration files' digests), and a broken
/// logo stops both stages with exit 2 and the YAML path.
final class DocumentFieldsEndToEndTests: XCTestCase {
    /// The 8-byte PNG signature and the length of an IHDR chunk.
    static let pngBytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]

    /// The sample catalog with payment terms, every seller field (the logo at `logo`) and
    /// display text on a plan and on every `platform_fee` charge.
    func catalogText(logo: String) throws -> String {
        var text = try readText(Executables.samples.appendingPathComponent("catalog.yaml"))
        func insert(after anchor: String, _ addition: String) {
            XCTAssertTrue(text.contains(anchor), anchor)
            text = text.replacingOccurrences(of: anchor, with: anchor + addition)
        }
        insert(after: "version: 1\n", "payment_terms_days: 30\n")
        insert(
            after: "  tax_id: \"IE1234567T\"\n",
            "  email: billing@ratebook.example\n  website: https://ratebook.example\n"
                + "  bank: { iban: \"IE29 AIBK 9311 5212 3456 78\", bic: AIBKIE2D }\n"
                + "  logo: \(logo)\n")
        insert(after: "  starter:\n", "    name: Starter\n    description: \"For small teams\"\n")
        insert(
            after: "      - key: platform_fee\n",
            "        name: Platform fee\n        unit: month\n")
        return text
    }

    /// Writes the changed catalog and customers under `work/conf` (the logo beside the
    /// catalog, in `brand/`) and runs both stages from `work` with relative paths.
    func run(in work: URL, logo: String) throws -> (RunResult, RunResult?) {
        try writeFile("conf/brand/logo.png", Self.pngBytes, in: work)
        try writeFile("conf/catalog.yaml", try catalogText(logo: logo), in: work)
        var customers = try readText(Executables.samples.appendingPathComponent("customers.yaml"))
        XCTAssertTrue(customers.contains("  cus_1:\n"))
        customers = customers.replacingOccurrences(
            of: "  cus_1:\n", with: "  cus_1:\n    payment_terms_days: 14\n")
        try writeFile("conf/customers.yaml", customers, in: work)
        let samples = Executables.samples
        let rated = try runRate(
            [
                "--catalog", "conf/catalog.yaml", "--customers", "conf/customers.yaml",
                "--period", "2026-10", "--output", "rate",
                samples.appendingPathComponent("events").path,
            ], in: work)
        guard rated.status == 0 else { return (rated, nil) }
        let invoiced = try runInvoice(
            [
                "--catalog", "conf/catalog.yaml", "--customers", "conf/customers.yaml",
                "--period", "2026-10", "--rated", "rate", "--output", "invoice",
                "--wallets", samples.appendingPathComponent("wallets-2026-09.ndjson").path,
                "--grants", samples.appendingPathComponent("grants.ndjson").path,
            ], in: work)
        return (rated, invoiced)
    }

    func testOutputsAreTheGoldenFilesWithEveryNewKey() throws {
        let work = try makeTemporaryDirectory()
        let (rated, invoiced) = try run(in: work, logo: "brand/logo.png")
        XCTAssertEqual(rated.status, 0, rated.transcript)
        XCTAssertEqual(invoiced?.status, 0, invoiced?.transcript ?? "")
        let manifests: Set = ["manifest.json", "manifest.sha256"]
        for stage in ["rate", "invoice"] {
            let actual = try folderDigests(work.appendingPathComponent(stage))
            let expected = try folderDigests(
                Executables.samples.appendingPathComponent("expected/\(stage)"))
            XCTAssertEqual(actual.keys.sorted(), expected.keys.sorted(), stage)
            for name in expected.keys.sorted() where !manifests.contains(name) {
                XCTAssertEqual(actual[name], expected[name], "\(stage)/\(name)")
            }
            // The manifests record the changed files: the new catalog's digest is there.
            let manifest = try readText(work.appendingPathComponent("\(stage)/manifest.json"))
            XCTAssertTrue(
                manifest.contains(try sha256sum("conf/catalog.yaml", in: work)), stage)
        }
    }

    func testAMissingLogoStopsTheRunWithTheYAMLPath() throws {
        let work = try makeTemporaryDirectory()
        let (rated, invoiced) = try run(in: work, logo: "brand/gone.png")
        XCTAssertNil(invoiced)
        XCTAssertEqual(rated.status, 2, rated.transcript)
        // The logo's line in the changed catalog; its value starts at column 9 ("  logo: ").
        let lines = try catalogText(logo: "brand/gone.png").split(
            separator: "\n", omittingEmptySubsequences: false)
        let line = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("  logo: ") }) + 1
        XCTAssertTrue(
            rated.standardError.split(separator: "\n").contains(
                "catalog.yaml:\(line):9: seller.logo: logo conf/brand/gone.png: cannot open the "
                    + "file; check the path"),
            rated.transcript)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: work.appendingPathComponent("rate").path))
    }
}
