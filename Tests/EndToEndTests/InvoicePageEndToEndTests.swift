import Formats
import Foundation
import TestSupport
import XCTest

/// The HTML invoices of a real run, read as a customer reads them (`readHTML`): the reviewed
/// sample pages row by row (USD with a true-up and a minimum, EUR with tax and a discount, JPY,
/// a plan change), the seller-missing notice and `invoice`'s one warning, and `--paper`.
final class InvoicePageEndToEndTests: XCTestCase {
    func golden(_ customer: String) throws -> HTMLReading {
        try readHTML(
            try readBytes(
                Executables.samples.appendingPathComponent(
                    "expected/invoice/invoices/\(customer).html")))
    }

    /// Amounts as in `InvoiceSampleTests.testHandCheckedInvoices`.
    func testSampleEuroPageWithTaxAndDiscount() throws {
        let acme = try golden("cus_2")
        XCTAssertEqual(
            acme.rows("lines"),
            [
                "Description | Plan | Quantity | Unit | Unit price | Amount",
                "Daily backups | Pro (EUR) | 31 |  | €0.40 | €12.40",
                "EU API calls Calls served from eu-west-1 and eu-central-1 | Pro (EUR) | 171 "
                    + "| calls | €0.0035 | €0.60",
                "Output tokens | Pro (EUR) | 720.218 | 1,000 tokens | €0.0015 | €1.08",
                "Platform fee | Pro (EUR) | 1 |  | €89.00 | €89.00",
                "Active regions | Pro (EUR) | 0 | regions |  | €0.00",
            ])
        XCTAssertEqual(
            acme.rows("totals"),
            [
                "Subtotal | €103.08", "Discount: Launch 10% | -€10.31",
                "VAT 19% on €92.77 | €17.63", "Total | €110.40", "Credits applied | €0.00",
                "Amount due | €110.40",
            ])
    }

    /// SPEC §13 as the customer reads it (amounts derived in `GoldenSampleTests`, items
    /// 11–13): a pass-through charge with its markup, a percentage fee with both per-payment
    /// bounds, a gauge's GB-hours (199,483⅓, shown to four decimals) priced in blocks.
    func testSampleSecondWavePage() throws {
        let harbor = try golden("cus_8")
        XCTAssertEqual(
            harbor.rows("lines"),
            [
                "Description | Plan | Quantity | Unit | Unit price | Amount",
                "LLM requests Provider cost passed through at cost plus 20% | Platform | 3 | "
                    + "requests |  | $2.11",
                "pass-through cost × 1.2",
                "Card payments | Platform | 1,460.49 |  |  | $39.91",
                "2.9% of $1,460.49 + $0.30 × 6 payments",
                "Fee raised to the $0.50 minimum on 1 payment: +$0.055",
                "Fee capped at the $25.00 maximum on 1 payment: -$4.30",
                "Platform fee | Platform | 1 |  | $25.00 | $25.00",
                "Object storage | Platform | 199,483.3333 | GB-hours |  | $32.50",
                "first 50,000 for $10.00 flat, next 149,483.3333 in 15 blocks of 10,000 at $1.50",
            ])
        XCTAssertEqual(
            harbor.rows("totals"),
            [
                "Subtotal | $99.52", "Total | $99.52", "Credits applied | $0.00",
                "Amount due | $99.52",
            ])
    }

    /// JPY: no minor units, grouped digits, packages rounded down, two grants.
    func testSampleYenPage() throws {
        let sakura = try golden("cus_3")
        XCTAssertEqual(
            sakura.rows("lines"),
            [
                "Description | Plan | Quantity | Unit | Unit price | Amount",
                "API calls | Tokyo | 79 | calls | ¥0.45 | ¥36",
                "Invoice runs | Tokyo | 2 |  | ¥1,000 | ¥2,000",
                "Office hours Weekdays at 09:00 Tokyo time | Tokyo | 22 |  | ¥300 | ¥6,600",
                "Seats Sold in packs of 10, whole packs only | Tokyo | 248 | seats |  | ¥36,000",
                "24 packages at ¥1,500",
                "248 rounded down to whole packages of 10",
            ])
        XCTAssertEqual(
            sakura.rows("totals"),
            [
                "Subtotal | ¥44,636", "JCT 10% on ¥44,636 | ¥4,464", "Total | ¥49,100",
                "Credits applied | -¥8,000", "from purchase credit jp_topup | -¥5,000",
                "from promotional credit jp_welcome | -¥3,000", "Amount due | ¥41,100",
            ])
    }

    /// USD: the minimum on seats and the true-up to the 100.00 commitment
    /// (0 + 49.00 + 20.00 + 0 = 69.00; 10.00 of included credits apply).
    func testSampleMinimumAndTrueUp() throws {
        let quiet = try golden("cus_6")
        XCTAssertEqual(
            quiet.rows("lines"),
            [
                "Description | Plan | Quantity | Unit | Unit price | Amount",
                "API calls | Starter | 0 | calls |  | $0.00",
                "Minimum commitment true-up | Starter | 1 |  | $31.00 | $31.00",
                "Brings the plan up to its minimum commitment of $100.00",
                "Platform fee | Starter | 1 |  | $49.00 | $49.00",
                "Seats Sold in packs of 5 | Starter | 0 | seats |  | $20.00",
                "Minimum charge of $20.00 applied",
                "Storage | Starter | 0 | GB-hours |  | $0.00",
                "The first 100 units are free",
            ])
        XCTAssertEqual(
            quiet.rows("totals"),
            [
                "Subtotal | $100.00", "Total | $100.00", "Credits applied | -$10.00",
                "from included credit included_2026-10_cus_6_starter | -$10.00",
                "Amount due | $90.00",
            ])
        // cus_1: credits from three grants, in the order they were drawn.
        XCTAssertEqual(
            try golden("cus_1").rows("totals").suffix(5),
            [
                "Credits applied | -$130.00",
                "from included credit included_2026-10_cus_1_starter | -$10.00",
                "from promotional credit grant_78 | -$20.00",
                "from purchase credit grant_77 | -$100.00", "Amount due | $1,011.37",
            ])
    }

    /// cus_4 moves from starter to pro on 1 Nov within its 15 Oct – 14 Nov period: each line
    /// carries its plan's dates, and starter's fee is prorated over 17 of 31 days.
    func testSamplePlanChange() throws {
        let rows = try golden("cus_4").rows("lines")
        XCTAssertEqual(
            Array(rows.prefix(6)),
            [
                "Description | Plan | Quantity | Unit | Unit price | Amount",
                "API calls | Pro 1–14 Nov | 0 | calls |  | $0.00",
                "Platform fee | Pro 1–14 Nov | 1 |  | $199.00 | $199.00",
                "Support hours Every Monday and Thursday | Pro 1–14 Nov | 4 |  | $2.50 | $10.00",
                "API calls | Starter 15–31 Oct | 93 | calls | $0.00 | $0.00",
                "Platform fee | Starter 15–31 Oct | 1 |  |  | $26.87",
            ])
        XCTAssertEqual(rows[6], "Prorated: 17 of 31 days of $49.00")
    }

    /// The samples without `seller`: every page says so, `invoice` warns once (not once per
    /// invoice), and the run succeeds.
    func testMissingSellerIsSaidOnThePageAndWarnedOnce() throws {
        let work = try makeTemporaryDirectory()
        let samples = Executables.samples
        var catalog = try readText(samples.appendingPathComponent("catalog.yaml"))
        let seller = try XCTUnwrap(catalog.range(of: "seller:\n"))
        let currency = try XCTUnwrap(catalog.range(of: "currency: USD\n"))
        catalog.removeSubrange(seller.lowerBound..<currency.lowerBound)
        XCTAssertFalse(catalog.contains("seller"))
        try writeFile("catalog.yaml", catalog, in: work)
        let rated = try runRate(
            rateArguments(
                catalog: work.appendingPathComponent("catalog.yaml"),
                customers: samples.appendingPathComponent("customers.yaml"), period: "2026-10",
                output: work.appendingPathComponent("rate"),
                inputs: [samples.appendingPathComponent("events").path],
                extra: Executables.sampleRateOptions), in: work)
        XCTAssertEqual(rated.status, 0, rated.transcript)
        let invoiced = try runInvoice(
            [
                "--catalog", "catalog.yaml", "--customers",
                samples.appendingPathComponent("customers.yaml").path, "--period", "2026-10",
                "--rated", "rate", "--output", "invoice",
            ], in: work)
        XCTAssertEqual(invoiced.status, 0, invoiced.transcript)
        let warnings = invoiced.standardError.split(separator: "\n").filter {
            $0.hasSuffix("warning invoice: [invoice] " + InvoiceHTML.sellerMissing)
        }
        XCTAssertEqual(warnings.count, 1, invoiced.transcript)
        // Without a seller, `--ubl auto` writes no e-invoice and lists none: one warning in all.
        XCTAssertEqual(invoiced.standardError.components(separatedBy: "warning").count, 2)
        XCTAssertFalse(
            folderEntries(work.appendingPathComponent("invoice/invoices")).contains {
                $0.hasSuffix(".xml")
            })
        XCTAssertNil(
            try readObject(work.appendingPathComponent("invoice/manifest.json"))[
                "e_invoices_missing"])
        for customer in 1...6 {
            let page = try readHTML(
                try readBytes(
                    work.appendingPathComponent("invoice/invoices/cus_\(customer).html")))
            XCTAssertEqual(
                page.first("missing"), "Seller details missing: add seller to the catalog")
        }
    }

    /// `--paper letter` overrides the seller's country (IE: A4) and is recorded in the
    /// manifest; another value is a usage error.
    func testPaperOption() throws {
        let work = try makeTemporaryDirectory()
        let samples = Executables.samples
        let rated = try runRate(
            rateArguments(
                catalog: samples.appendingPathComponent("catalog.yaml"),
                customers: samples.appendingPathComponent("customers.yaml"), period: "2026-10",
                output: work.appendingPathComponent("rate"),
                inputs: [samples.appendingPathComponent("events").path],
                extra: Executables.sampleRateOptions), in: work)
        XCTAssertEqual(rated.status, 0, rated.transcript)
        func invoice(_ paper: String) throws -> RunResult {
            try runInvoice(
                [
                    "--catalog", samples.appendingPathComponent("catalog.yaml").path,
                    "--customers", samples.appendingPathComponent("customers.yaml").path,
                    "--period", "2026-10", "--rated", "rate", "--output", "invoice-\(paper)",
                    "--paper", paper,
                ], in: work)
        }
        XCTAssertEqual(try invoice("letter").status, 0)
        let page = try readText(work.appendingPathComponent("invoice-letter/invoices/cus_1.html"))
        XCTAssertTrue(page.contains("@page { size: letter; margin:"))
        XCTAssertFalse(page.contains("size: A4"))
        let manifest = try readText(work.appendingPathComponent("invoice-letter/manifest.json"))
        XCTAssertTrue(manifest.contains("\"paper\": \"letter\""))
        let wrong = try invoice("legal")
        XCTAssertEqual(wrong.status, 1, wrong.transcript)
        XCTAssertTrue(
            wrong.standardError.contains("--paper must be a4 or letter; got legal"),
            wrong.transcript)
    }
}
