import Formats
import Foundation
import TestSupport
import XCTest

/// `invoice --ubl` on the shipped samples (issue 13): which customers get
/// `invoices/<customer>.xml`, what the manifest and the one warning say about the others,
/// `always` and `never`, every XML through both validators, and each XML's totals equal to
/// its JSON invoice's (USD, EUR with tax and a discount, JPY).
final class EInvoiceEndToEndTests: XCTestCase {
    /// Runs `rate` then `invoice` on the samples with `extra` options; returns the work folder,
    /// the invoice output folder and the invoice run.
    func runSamples(_ extra: [String] = []) throws -> (URL, URL, RunResult) {
        let work = try makeTemporaryDirectory()
        let samples = Executables.samples
        let rated = work.appendingPathComponent("rate", isDirectory: true)
        let rate = try runRate(
            rateArguments(
                catalog: samples.appendingPathComponent("catalog.yaml"),
                customers: samples.appendingPathComponent("customers.yaml"), period: "2026-10",
                output: rated, inputs: [samples.appendingPathComponent("events").path]),
            in: work)
        XCTAssertEqual(rate.status, 0, rate.transcript)
        let output = work.appendingPathComponent("invoice", isDirectory: true)
        let invoice = try runInvoice(
            [
                "--catalog", samples.appendingPathComponent("catalog.yaml").path,
                "--customers", samples.appendingPathComponent("customers.yaml").path,
                "--period", "2026-10", "--rated", rated.path, "--output", output.path,
                "--wallets", samples.appendingPathComponent("wallets-2026-09.ndjson").path,
                "--grants", samples.appendingPathComponent("grants.ndjson").path,
            ] + extra, in: work)
        return (work, output, invoice)
    }

    /// Default `auto`: cus_1 (USD), cus_2 (EUR, VAT, discount), cus_3 (JPY, JCT), cus_4 (a
    /// plan change in an anniversary period), cus_5 (a prorated first month) and cus_8 (USD,
    /// §13 charges) have addresses and get XML; cus_6 has none: listed in the manifest with the
    /// field, named in one warning. Every XML validates; its totals are its JSON's.
    func testAutoWritesWhatTheDataAllowsAndListsTheRest() throws {
        let (_, output, run) = try runSamples()
        XCTAssertEqual(run.status, 0, run.transcript)
        let xml = folderEntries(output.appendingPathComponent("invoices"))
            .filter { $0.hasSuffix(".xml") }
        XCTAssertEqual(
            xml, ["cus_1.xml", "cus_2.xml", "cus_3.xml", "cus_4.xml", "cus_5.xml", "cus_8.xml"])
        let manifest = try Manifest.decode(
            try readBytes(output.appendingPathComponent("manifest.json")))
        XCTAssertEqual(
            manifest.eInvoicesMissing,
            [
                EInvoiceGap(
                    customer: "cus_6", document: "2026-10-000006",
                    fields: ["customers.cus_6.address: missing"])
            ])
        // The XMLs are outputs like the others: named with their SHA-256.
        for name in xml {
            XCTAssertEqual(
                manifest.outputs.first { $0.0 == "invoices/" + name }?.1,
                try sha256sum("invoices/" + name, in: output))
        }
        XCTAssertNil(manifest.options.first { $0.0 == "ubl" }, "the default is not recorded")
        let warnings = run.standardError.split(separator: "\n").filter {
            $0.contains("warning invoice:")
        }
        XCTAssertEqual(warnings.count, 1, run.transcript)
        XCTAssertTrue(
            warnings[0].hasSuffix(
                "no e-invoice (UBL XML) for 1 of 7 documents, their seller or buyer data do "
                    + "not suffice: cus_6 (2026-10-000006): customers.cus_6.address: missing; "
                    + "manifest.json lists every one under e_invoices_missing"),
            String(warnings[0]))

        let files = xml.map { output.appendingPathComponent("invoices/" + $0) }
        let problems = try UBLValidation.problems(files)
        XCTAssertEqual(problems, "", problems)
        for customer in ["cus_1", "cus_2", "cus_3", "cus_4", "cus_5", "cus_8"] {
            let totals = try UBLTotals(
                try readText(output.appendingPathComponent("invoices/\(customer).xml")))
            let json = output.appendingPathComponent("invoices/\(customer).json")
            let fromJSON = try UBLTotals(jsonBytes: try readBytes(json))
            XCTAssertEqual(totals, fromJSON, customer)
        }
        // By hand (InvoiceSampleTests.testHandCheckedInvoices): cus_2 103.08 − 10.31 = 92.77,
        // VAT 17.63, 110.40 due; cus_1 1141.37 with 130.00 prepaid, 1011.37 due; cus_3 ¥49100
        // with ¥8000 prepaid, ¥41100 due.
        let acme = try UBLTotals(try readText(output.appendingPathComponent("invoices/cus_2.xml")))
        XCTAssertEqual(acme.lineExtension, Decimal(string: "103.08"))
        XCTAssertEqual(acme.allowanceTotal, Decimal(string: "10.31"))
        XCTAssertEqual(acme.taxExclusive, Decimal(string: "92.77"))
        XCTAssertEqual(acme.taxAmount, Decimal(string: "17.63"))
        XCTAssertEqual(acme.payable, Decimal(string: "110.40"))
        let northwind = try UBLTotals(
            try readText(output.appendingPathComponent("invoices/cus_1.xml")))
        XCTAssertEqual(northwind.taxInclusive, Decimal(string: "1141.37"))
        XCTAssertEqual(northwind.prepaid, Decimal(string: "130.00"))
        XCTAssertEqual(northwind.payable, Decimal(string: "1011.37"))
        let sakura = try readText(output.appendingPathComponent("invoices/cus_3.xml"))
        XCTAssertTrue(
            sakura.contains("<cbc:PrepaidAmount currencyID=\"JPY\">8000</cbc:PrepaidAmount>"))
        XCTAssertTrue(
            sakura.contains("<cbc:PayableAmount currencyID=\"JPY\">41100</cbc:PayableAmount>"))
    }

    /// `always`: exit 2, every customer and field listed, nothing written.
    func testAlwaysRefusesListingEveryField() throws {
        let (_, output, run) = try runSamples(["--ubl", "always"])
        XCTAssertEqual(run.status, 2, run.transcript)
        XCTAssertTrue(
            run.standardError.contains(
                "--ubl always: 1 document cannot have an e-invoice; add or fix these fields in "
                    + "the catalog or customers file (or use --ubl auto):\n"
                    + "  cus_6 (2026-10-000006): customers.cus_6.address: missing; "
                    + "nothing was written"), run.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    /// `never`: no XML, no list, the option recorded; the other outputs are auto's.
    func testNeverWritesNone() throws {
        let (_, output, run) = try runSamples(["--ubl", "never"])
        XCTAssertEqual(run.status, 0, run.transcript)
        XCTAssertEqual(
            folderEntries(output.appendingPathComponent("invoices")).filter {
                $0.hasSuffix(".xml")
            }, [])
        let manifest = try Manifest.decode(
            try readBytes(output.appendingPathComponent("manifest.json")))
        XCTAssertEqual(manifest.eInvoicesMissing, [])
        XCTAssertEqual(manifest.options.first { $0.0 == "ubl" }?.1, "never")
        XCTAssertFalse(run.standardError.contains("e-invoice"), run.transcript)
    }

    /// A bad value is a usage error.
    func testUnknownModeIsAUsageError() throws {
        let (_, _, run) = try runSamples(["--ubl", "sometimes"])
        XCTAssertEqual(run.status, 1, run.transcript)
        XCTAssertTrue(
            run.standardError.contains("--ubl must be auto, always or never; got sometimes"),
            run.transcript)
    }
}
