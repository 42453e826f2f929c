import Formats
import Foundation
import Ingest
import Pricing
import TestSupport
import XCTest

@testable import Pipeline

/// `invoice --issued STORE [--finalize]` as library calls (`RateJob`, `InvoiceJob`), no process
/// started: the samples rated, invoiced and finalized, then re-runs that change nothing, drop a
/// customer's lines, or no longer hold what an issued invoice needs.
final class IssuedRunTests: XCTestCase {
    private var scratch = ""
    let october = YearMonth("2026-10")!
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples")

    override func setUpWithError() throws {
        scratch = try makeTemporaryDirectory().path
    }

    func sample(_ name: String) -> String { Self.samples.appendingPathComponent(name).path }
    func path(_ name: String) -> String { scratch + "/" + name }

    /// `customers.yaml` of the samples with `edit` applied, written into the scratch folder.
    func customers(_ name: String, _ edit: (String) -> String) throws -> String {
        let text = try String(contentsOfFile: sample("customers.yaml"), encoding: .utf8)
        let edited = edit(text)
        XCTAssertNotEqual(edited, text, "the edit applies")
        try edited.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    func rate(customers: String, into name: String) -> ExitStatus {
        RateJob(
            catalogPath: sample("catalog.yaml"), customersPath: customers, month: october,
            outputPath: path(name), inputs: [sample("events")], maxRejectRate: nil,
            limits: InputLimits(), ingestLimits: IngestLimits()
        ).run()
    }

    func invoice(
        customers: String, rated: String, into name: String, grants: Bool = true,
        finalize: Bool = false
    ) -> ExitStatus {
        var job = InvoiceJob(
            catalogPath: sample("catalog.yaml"), customersPath: customers, month: october,
            ratedPath: path(rated), walletsPath: sample("wallets-2026-09.ndjson"),
            grantPaths: grants ? [sample("grants.ndjson")] : [], outputPath: path(name),
            firstNumber: 1, issueDate: nil)
        job.issuedStore = path("store")
        job.finalize = finalize
        return job.run()
    }

    func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    func totals(_ folder: String) throws -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: try Manifest.decode(try bytes(folder + "/manifest.json"))
                .totals)
    }

    /// The samples closed into the store: 7 invoices issued (cus_1 to cus_6 and cus_8).
    func close() throws {
        XCTAssertEqual(rate(customers: sample("customers.yaml"), into: "rate"), .success)
        XCTAssertEqual(
            invoice(
                customers: sample("customers.yaml"), rated: "rate", into: "close",
                finalize: true), .success)
        XCTAssertEqual(
            try IssuedStore.read(store: path("store"), period: october)?.invoices.count, 7)
    }

    func testAnUnchangedRerunIssuesNothingAndKeepsEveryByte() throws {
        try close()
        let storeManifest = try bytes("store/2026-10/manifest.json")
        XCTAssertEqual(
            invoice(
                customers: sample("customers.yaml"), rated: "rate", into: "again",
                finalize: true), .success)
        XCTAssertEqual(try bytes("store/2026-10/manifest.json"), storeManifest)
        for name in ["invoices.csv", "journal.ledger", "wallets.ndjson", "invoices/cus_3.json"] {
            XCTAssertEqual(try bytes("again/" + name), try bytes("close/" + name), name)
        }
        let totals = try totals("again")
        XCTAssertEqual(totals["corrections"], "0")
        XCTAssertEqual(totals["corrections_new"], "0")
        XCTAssertNil(totals["corrections_total_USD"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("again/corrections")))
    }

    /// A customer whose subscription is found to have ended before October has no line in the
    /// re-run: a credit note for the whole issued invoice, every line vanished, discount and
    /// tax reversed.
    func testACustomerWithNoLineLeftGetsACreditNoteForEverything() throws {
        try close()
        let fixed = try customers("ended.yaml") {
            $0.replacingOccurrences(
                of: "      - { plan: pro_eur, start: 2026-01-01 }",
                with: "      - { plan: pro_eur, start: 2026-01-01, end: 2026-10-01 }")
        }
        XCTAssertEqual(rate(customers: fixed, into: "rate-fixed"), .success)
        XCTAssertEqual(invoice(customers: fixed, rated: "rate-fixed", into: "fix"), .success)
        let note = try CorrectionDocument.decode(try bytes("fix/corrections/2026-10-C000001.json"))
        XCTAssertEqual(note.customer, "cus_2")
        XCTAssertEqual(note.corrects, "2026-10-000002")
        XCTAssertEqual(note.draft.kind, .creditNote)
        // Acme's invoice: 103.08 EUR, the 10% launch discount -10.31, VAT 19% 17.63: 110.40.
        XCTAssertEqual(note.draft.subtotal, try Rational(significand: -10308, scale: 2))
        XCTAssertEqual(note.draft.discounts, try Rational(significand: 1031, scale: 2))
        XCTAssertEqual(note.draft.tax, try Rational(significand: -1763, scale: 2))
        XCTAssertEqual(note.draft.total, try Rational(significand: -11040, scale: 2))
        XCTAssertEqual(note.draft.lines.count, 5)
        XCTAssertTrue(note.draft.lines.allSatisfy(\.vanished))
        XCTAssertEqual(
            try bytes("fix/invoices/cus_2.json"), try bytes("close/invoices/cus_2.json"))
        XCTAssertEqual(try totals("fix")["corrections_total_EUR"], "-110.40")
        // The credits applied to the issued invoice stay applied: the wallets close as before.
        XCTAssertEqual(try bytes("fix/wallets.ndjson"), try bytes("close/wallets.ndjson"))
    }

    /// A customer new to a finalized period is numbered after every issued invoice, and
    /// invoices.csv stays in number order although the new id sorts first.
    func testANewCustomerIsNumberedAfterTheIssuedInvoices() throws {
        try close()
        let fixed = try customers("new.yaml") {
            $0.replacingOccurrences(
                of: "customers:\n",
                with: "customers:\n  aaa_new:\n    subscriptions:\n"
                    + "      - { plan: starter, start: 2026-10-01 }\n")
        }
        XCTAssertEqual(rate(customers: fixed, into: "rate-fixed"), .success)
        XCTAssertEqual(invoice(customers: fixed, rated: "rate-fixed", into: "fix"), .success)
        let rows = String(decoding: try bytes("fix/invoices.csv"), as: UTF8.self)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1...2] }
        XCTAssertEqual(
            rows.map { $0.joined(separator: " ") },
            (1...6).map { "2026-10-00000\($0) cus_\($0)" }
                + ["2026-10-000007 cus_8", "2026-10-000008 aaa_new"])
        XCTAssertEqual(try totals("fix")["corrections_new"], "0")
    }

    func testAnIssuedCustomerRemovedFromTheCustomersFileIsRefused() throws {
        try close()
        let fixed = try customers("removed.yaml") {
            $0.replacingOccurrences(
                of: "  cus_6:\n    name: \"Quiet Ltd\"\n    subscriptions:\n"
                    + "      - { plan: starter, start: 2026-01-01 }\n", with: "")
        }
        XCTAssertEqual(rate(customers: fixed, into: "rate-fixed"), .success)
        XCTAssertEqual(
            invoice(customers: fixed, rated: "rate-fixed", into: "fix"), .invalidConfiguration)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("fix")), "nothing written")
    }

    func testCreditsTheIssuedInvoicesAppliedMustStillBeHeld() throws {
        try close()
        XCTAssertEqual(
            invoice(customers: sample("customers.yaml"), rated: "rate", into: "fix", grants: false),
            .invalidConfiguration)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("fix")), "nothing written")
    }

    func testAnEditedStoreIsRefused() throws {
        try close()
        let document = path("store/2026-10/invoices/cus_2.html")
        var edited = try bytes("store/2026-10/invoices/cus_2.html")
        edited[10] ^= 0x20
        try Data(edited).write(to: URL(fileURLWithPath: document))
        XCTAssertEqual(
            invoice(customers: sample("customers.yaml"), rated: "rate", into: "fix"), .inputError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("fix")), "nothing written")
    }
}
