import Foundation
import Pricing
import TestSupport
import XCTest

@testable import Formats

/// The issued store: finalizing keeps every issued byte, adds, chains; reading refuses edits.
final class IssuedStoreTests: XCTestCase {
    private var store = ""
    let october = YearMonth("2026-10")!

    override func setUpWithError() throws {
        // Not made: the first finalize creates the store.
        store = try makeTemporaryDirectory().path + "/store"
    }

    /// The golden sample invoices, as a run's additions.
    func sampleInvoices() throws -> [(String, [UInt8])] {
        let folder = ManifestCodecTests.samples.appendingPathComponent("invoice/invoices")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
            ("invoices/" + $0, [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))))
        }
    }

    func correction(number: String) -> (String, [UInt8]) {
        let draft = CorrectionDraft(
            kind: .supplementaryInvoice, lines: [], subtotal: .zero, discounts: .zero,
            tax: .zero, total: .zero)
        let document = CorrectionDocument(
            number: number, customer: "cus_1", corrects: "2026-10-000001",
            periodStart: "2026-10-01T00:00:00Z", periodEnd: "2026-11-01T00:00:00Z",
            issueDate: "2026-11-05", currency: "USD", amountScale: 2, draft: draft)
        return ("corrections/\(number).json", document.bytes())
    }

    func testFinalizeReadAddAndChain() throws {
        XCTAssertNil(try IssuedStore.read(store: store, period: october))
        let run = String(repeating: "a", count: 64)
        let first = try IssuedStore.finalize(
            store: store, period: october, existing: nil, additions: try sampleInvoices(),
            runManifestSHA256: run)
        let issued = try XCTUnwrap(try IssuedStore.read(store: store, period: october))
        XCTAssertEqual(issued.manifestSHA256, first)
        XCTAssertEqual(issued.invoices.count, 7)
        XCTAssertEqual(issued.lastInvoiceSequence, 7)
        XCTAssertEqual(issued.lastSequence(.creditNote), 0)
        XCTAssertEqual(issued.invoices["cus_3"]?.document.number, "2026-10-000003")
        XCTAssertEqual(
            issued.invoices["cus_3"]?.json,
            try sampleInvoices().first { $0.0 == "invoices/cus_3.json" }?.1)
        let firstManifest = try Manifest.decode(
            [UInt8](
                try Data(contentsOf: URL(fileURLWithPath: store + "/2026-10/manifest.json"))))
        XCTAssertNil(firstManifest.buildsOn, "the first period of an empty store")
        XCTAssertEqual(firstManifest.totals.map { $0.1 }, ["7", "0"])

        // A second finalize adds a correction; every issued byte stays.
        let second = try IssuedStore.finalize(
            store: store, period: october, existing: issued,
            additions: [correction(number: "2026-10-S000001")],
            runManifestSHA256: String(repeating: "b", count: 64))
        let again = try XCTUnwrap(try IssuedStore.read(store: store, period: october))
        XCTAssertEqual(again.manifestSHA256, second)
        for (name, bytes) in issued.files { XCTAssertEqual(again.files[name], bytes, name) }
        XCTAssertEqual(again.corrections.map { $0.document.number }, ["2026-10-S000001"])
        XCTAssertEqual(again.lastSequence(.supplementaryInvoice), 1)
        let secondManifest = try Manifest.decode(
            [UInt8](
                try Data(contentsOf: URL(fileURLWithPath: store + "/2026-10/manifest.json"))))
        XCTAssertEqual(
            secondManifest.buildsOn, ManifestLink(stage: "issued", manifestSHA256: first))

        // An issued document is never replaced.
        XCTAssertThrowsError(
            try IssuedStore.finalize(
                store: store, period: october, existing: again,
                additions: [("invoices/cus_1.json", [0x7B, 0x7D])], runManifestSHA256: run)
        ) { error in
            XCTAssertTrue("\(error)".hasSuffix("an issued document is never replaced"), "\(error)")
        }
        // November's first finalize links to October's newest manifest.
        try IssuedStore.finalize(
            store: store, period: YearMonth("2026-11")!, existing: nil, additions: [],
            runManifestSHA256: run)
        let november = try Manifest.decode(
            [UInt8](
                try Data(contentsOf: URL(fileURLWithPath: store + "/2026-11/manifest.json"))))
        XCTAssertEqual(november.buildsOn, ManifestLink(stage: "issued", manifestSHA256: second))
    }

    func testAnEditedStoreIsRefused() throws {
        try IssuedStore.finalize(
            store: store, period: october, existing: nil, additions: try sampleInvoices(),
            runManifestSHA256: String(repeating: "a", count: 64))
        let document = URL(fileURLWithPath: store + "/2026-10/invoices/cus_2.json")
        let original = try Data(contentsOf: document)
        var edited = [UInt8](original)
        edited[edited.count / 2] ^= 0x01
        try Data(edited).write(to: document)
        XCTAssertThrowsError(try IssuedStore.read(store: store, period: october)) { error in
            XCTAssertEqual(
                "\(error)",
                "\(store)/2026-10/invoices/cus_2.json: SHA-256 differs from the one the issued "
                    + "manifest records: an issued document was edited")
        }
        try original.write(to: document)
        try Data("x".utf8).write(to: URL(fileURLWithPath: store + "/2026-10/invoices/extra.json"))
        XCTAssertThrowsError(try IssuedStore.read(store: store, period: october)) { error in
            XCTAssertEqual(
                "\(error)",
                "\(store)/2026-10/invoices/extra.json: not listed in the issued manifest: the "
                    + "issued store was edited")
        }
        try FileManager.default.removeItem(atPath: store + "/2026-10/invoices/extra.json")
        XCTAssertNotNil(try IssuedStore.read(store: store, period: october))
        let manifest = URL(fileURLWithPath: store + "/2026-10/manifest.json")
        try Data((try String(contentsOf: manifest, encoding: .utf8) + " ").utf8).write(to: manifest)
        XCTAssertThrowsError(try IssuedStore.read(store: store, period: october)) { error in
            XCTAssertTrue("\(error)".hasSuffix("the issued store was edited"), "\(error)")
        }
    }
}
