import Foundation
import TestSupport
import XCTest

/// The catalog's and customers' document fields (issue 11) change no output of `rate` or
/// `invoice` but the HTML invoices: the samples with the document fields changed give the reviewed
/// golden files byte for byte (the manifests differ, as they record the configuration files'
/// digests, and the HTML pages, which show the new fields), and a broken logo stops both stages
/// with exit 2 and the YAML path.
final class DocumentFieldsEndToEndTests: XCTestCase {
    /// The 8-byte PNG signature and the length of an IHDR chunk.
    static let pngBytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]

    /// The sample catalog (which has names, units, payment terms and the seller's contact and
    /// bank) with the document fields changed: 30 days of terms, a logo at `logo`, a plan
    /// description and a unit on every `platform_fee` charge.
    func catalogText(logo: String) throws -> String {
        var text = try readText(Executables.samples.appendingPathComponent("catalog.yaml"))
        func replace(_ anchor: String, _ replacement: String) {
            XCTAssertTrue(text.contains(anchor), anchor)
            text = text.replacingOccurrences(of: anchor, with: replacement)
        }
        replace("payment_terms_days: 14\n", "payment_terms_days: 30\n")
        let bank = "  bank: { iban: \"IE29 AIBK 9311 5212 3456 78\", bic: AIBKIE2D }\n"
        replace(bank, bank + "  logo: \(logo)\n")
        let starter = "  starter:\n    name: \"Starter\"\n"
        replace(starter, starter + "    description: \"For small teams\"\n")
        let fee = "      - key: platform_fee\n        name: \"Platform fee\"\n"
        replace(fee, fee + "        unit: month\n")
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
            ] + Executables.sampleRateOptions, in: work)
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
            for name in expected.keys.sorted()
            where !manifests.contains(name) && !name.hasSuffix(".html")
                // The e-invoices state the payment terms and due date, 30 days here.
                && !name.hasSuffix(".xml")
            {
                XCTAssertEqual(actual[name], expected[name], "\(stage)/\(name)")
            }
            // The manifests record the changed files: the new catalog's digest is there.
            let manifest = try readText(work.appendingPathComponent("\(stage)/manifest.json"))
            XCTAssertTrue(
                manifest.contains(try sha256sum("conf/catalog.yaml", in: work)), stage)
        }
        // Issued 2026-10-31, 30 days' terms: due 2026-11-30.
        let eInvoice = try readText(work.appendingPathComponent("invoice/invoices/cus_2.xml"))
        XCTAssertTrue(eInvoice.contains("<cbc:DueDate>2026-11-30</cbc:DueDate>"), eInvoice)
    }

    /// The HTML invoice shows what the new keys say: names and units, the customer's payment
    /// terms over the catalog's, the seller's contact and bank, and the logo.
    func testTheInvoicePageShowsTheNewKeys() throws {
        let work = try makeTemporaryDirectory()
        let (_, invoiced) = try run(in: work, logo: "brand/logo.png")
        XCTAssertEqual(invoiced?.status, 0, invoiced?.transcript ?? "")
        func page(_ customer: String) throws -> HTMLReading {
            try readHTML(
                try readBytes(work.appendingPathComponent("invoice/invoices/\(customer).html")))
        }
        let northwind = try page("cus_1")
        // The customer's 14 days, from the issue date 31 Oct.
        XCTAssertEqual(
            northwind.rows("facts").filter {
                $0.hasPrefix("Payment terms") || $0.hasPrefix("Due")
            },
            ["Payment terms | Net 14 days", "Due date | 14 Nov 2026"])
        XCTAssertTrue(
            northwind.rows("lines").contains(
                "Platform fee | Starter | 1 | month | $49.00 | $49.00"),
            "\(northwind.rows("lines"))")
        XCTAssertEqual(
            northwind.first("payment"),
            "Payment details IBAN IE29 AIBK 9311 5212 3456 78 · BIC AIBKIE2D")
        XCTAssertEqual(
            northwind.images,
            [
                [
                    "class": "logo", "alt": "Ratebook Demo Ltd",
                    "src": "data:image/png;base64,iVBORw0K",
                ]
            ])
        XCTAssertTrue(
            northwind.first("seller")?.hasSuffix(
                "billing@ratebook.example https://ratebook.example") ?? false)
        // The pages embed the logo, so the invoice manifest records its bytes' digest.
        let manifest = try readText(work.appendingPathComponent("invoice/manifest.json"))
        XCTAssertTrue(
            manifest.contains(
                "\"logo\": {\n    \"file\": \"logo.png\",\n    \"size\": 12,\n"
                    + "    \"sha256\": \"\(try sha256sum("conf/brand/logo.png", in: work))\""),
            manifest)
        // The catalog's 30 days for a customer without terms.
        XCTAssertTrue(try page("cus_2").rows("facts").contains("Due date | 30 Nov 2026"))
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
