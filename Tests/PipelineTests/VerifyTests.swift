import Formats
import Foundation
import Pricing
import TestSupport
import XCTest

@testable import Pipeline

/// `verify` on folders written through `OutputFolder` and `writeManifest`, as the runs write
/// them: intact is one line; every one-byte edit, missing or added file, resealed edit and
/// broken link is named.
final class VerifyTests: XCTestCase {
    private var scratch = ""

    override func setUpWithError() throws {
        scratch = try makeTemporaryDirectory().path
    }

    /// A rate folder: 5 lines (1 blank, 2 accepted of which 1 out of period, 2 rejected), its
    /// rejects file with 2 lines. Returns its path.
    private func writeRateFolder(_ name: String = "rate") throws -> String {
        let target = scratch + "/" + name
        let folder = try OutputFolder(target: target)
        var counts = LineCounts()
        counts.lines = 5
        counts.blank = 1
        counts.accepted = 2
        counts.outOfPeriod = 1
        counts.rejected[.malformedJSON] = 2
        let outputs = [
            ("usage.ndjson", try folder.write("usage.ndjson", bytes: Array("{\"u\":1}\n".utf8))),
            (
                "rejects.ndjson",
                try folder.write("rejects.ndjson", bytes: Array("{\"r\":1}\n{\"r\":2}\n".utf8))
            ),
        ]
        try folder.writeManifest(
            Manifest(
                stage: "rate", options: [("period", "2026-10")], configuration: [], inputs: [],
                skipped: [], counts: counts, outputs: outputs))
        try folder.commit()
        return target
    }

    /// One invoice: a line of 10.00, a 1.00 discount, 2.00 of tax, 1.00 of credits.
    let document = """
        {"invoice_id":"i","number":"2026-10-000001","customer":"c","issue_date":"2026-10-31",
        "currency":"USD","lines":[{"plan":"p","charge":"a","kind":"usage","group":{},
        "quantity":"1","amount_exact":"10","amount":"10.00"}],"subtotal":"10.00",
        "discounts":[{"key":"d","amount":"-1.00"}],"tax":{"name":"VAT","rate":"0.2",
        "base":"9.00","amount":"2.00"},"total":"11.00","credits_applied":"1.00",
        "amount_due":"10.00"}

        """

    /// An invoice folder building on `rate`, with one invoice document.
    private func writeInvoiceFolder(buildsOn rate: String) throws -> String {
        let target = scratch + "/invoice"
        let folder = try OutputFolder(target: target)
        let rateManifest = try Data(contentsOf: URL(fileURLWithPath: rate + "/manifest.json"))
        let outputs = [
            ("invoices/c.json", try folder.write("invoices/c.json", bytes: Array(document.utf8)))
        ]
        try folder.writeManifest(
            Manifest(
                stage: "invoice", options: [],
                buildsOn: ManifestLink(
                    stage: "rate", manifestSHA256: SHA256.hash([UInt8](rateManifest))),
                configuration: [], inputs: [], skipped: [], counts: nil, outputs: outputs,
                totals: [
                    ("invoices", "1"), ("total_USD", "11.00"), ("credits_applied_USD", "1.00"),
                    ("amount_due_USD", "10.00"),
                ]))
        try folder.commit()
        return target
    }

    private func files(_ folder: String) -> [String] {
        FileManager.default.subpaths(atPath: folder)!.filter {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder + "/" + $0, isDirectory: &isFolder)
            return !isFolder.boolValue
        }.sorted()
    }

    func testIntactFoldersGiveOneLine() throws {
        let rate = try writeRateFolder()
        let report = Verify.check(folder: rate, stage: "rate")
        XCTAssertEqual(report.problems, [])
        let digest = SHA256.hash(
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: rate + "/manifest.json"))))
        XCTAssertEqual(
            report.summary,
            "\(rate): intact: rate manifest \(digest.prefix(12)), 2 outputs hashed, 5 lines add up")
        let invoice = try writeInvoiceFolder(buildsOn: rate)
        let invoiceDigest = SHA256.hash(
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: invoice + "/manifest.json"))))
        XCTAssertEqual(
            Verify.check(folder: invoice, stage: "invoice", buildsOn: rate).summary,
            "\(invoice): intact: invoice manifest \(invoiceDigest.prefix(12)), 1 output hashed; "
                + "builds on \(rate)/manifest.json, linked")
        XCTAssertTrue(Verify.check(folder: invoice, stage: "invoice").isIntact)
    }

    /// Every byte of every output and seal, and every 5th byte of the manifests (a debug build
    /// verifies ~200 folders a second), flipped one at a time, is caught; restored, the folder
    /// is intact again.
    func testEveryOneByteEditIsCaught() throws {
        let rate = try writeRateFolder()
        let invoice = try writeInvoiceFolder(buildsOn: rate)
        var edits = 0
        for (folder, stage) in [(rate, "rate"), (invoice, "invoice")] {
            for name in files(folder) {
                let url = URL(fileURLWithPath: folder + "/" + name)
                let original = [UInt8](try Data(contentsOf: url))
                let stride = name == "manifest.json" ? 5 : 1
                for index in Swift.stride(from: 0, to: original.count, by: stride) {
                    var edited = original
                    edited[index] ^= 0x01
                    try Data(edited).write(to: url)
                    let report = Verify.check(folder: folder, stage: stage, buildsOn: nil)
                    XCTAssertFalse(report.isIntact, "\(name) byte \(index) edited, not caught")
                    edits += 1
                }
                try Data(original).write(to: url)
            }
            XCTAssertTrue(Verify.check(folder: folder, stage: stage).isIntact)
        }
        XCTAssertGreaterThan(edits, 400)
    }

    func testMissingAddedAndEditedFilesAreNamed() throws {
        let rate = try writeRateFolder()
        try FileManager.default.removeItem(atPath: rate + "/usage.ndjson")
        try Data("x".utf8).write(to: URL(fileURLWithPath: rate + "/extra.txt"))
        try Data("{\"r\":1}\n".utf8).write(to: URL(fileURLWithPath: rate + "/rejects.ndjson"))
        let problems = Verify.check(folder: rate, stage: "rate").problems
        XCTAssertEqual(problems.count, 4, "\(problems)")
        XCTAssertTrue(problems[0].hasPrefix("\(rate)/rejects.ndjson: SHA-256 "), problems[0])
        XCTAssertTrue(problems[0].hasSuffix(" recorded in the manifest"), problems[0])
        XCTAssertEqual(problems[1], "\(rate)/usage.ndjson: missing (the manifest lists it)")
        XCTAssertEqual(problems[2], "\(rate)/extra.txt: not listed in the manifest")
        XCTAssertEqual(
            problems[3], "\(rate)/rejects.ndjson: 1 lines, but the manifest counts 2 rejected")
    }

    /// A manifest edited and sealed again is still caught: by its counts, or by its bytes.
    func testResealedEditsAreCaught() throws {
        let rate = try writeRateFolder()
        let manifest = URL(fileURLWithPath: rate + "/manifest.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        func reseal(_ edited: String) throws -> [String] {
            try Data(edited.utf8).write(to: manifest)
            try Data(ManifestSeal.bytes(digest: SHA256.hash(Array(edited.utf8)))).write(
                to: URL(fileURLWithPath: rate + "/manifest.sha256"))
            return Verify.check(folder: rate, stage: "rate").problems
        }
        XCTAssertEqual(
            try reseal(text.replacingOccurrences(of: "\"lines\": 5", with: "\"lines\": 6")),
            [
                "\(rate)/manifest.json: counts do not add up: lines 6 ≠ blank 1 + accepted 2 + "
                    + "duplicates 0 + superseded 0 + rejected 2"
            ])
        // Superseded lines that no applied resolution names (SPEC §13.4): the equation holds,
        // the list does not.
        XCTAssertEqual(
            try reseal(
                text.replacingOccurrences(of: "\"lines\": 5", with: "\"lines\": 6")
                    .replacingOccurrences(of: "\"superseded\": 0", with: "\"superseded\": 1")),
            [
                "\(rate)/manifest.json: counts.superseded is 1, but the applied resolutions list "
                    + "0 superseded lines"
            ])
        XCTAssertEqual(
            try reseal(text.replacingOccurrences(of: "\"lines\": 5", with: "\"lines\":  5")),
            [
                "\(rate)/manifest.json: its bytes are not the ones Ratebook writes for its "
                    + "content: it was edited after the run"
            ])
        XCTAssertEqual(
            try reseal(text.replacingOccurrences(of: "\"billed\": 1", with: "\"billed\": 2")),
            [
                "\(rate)/manifest.json: counts.billed: 2 is not accepted − out_of_period (1): "
                    + "the counts do not add up"
            ])
        _ = try reseal(text)
        XCTAssertTrue(Verify.check(folder: rate, stage: "rate").isIntact)
        // The seal alone edited.
        try Data(ManifestSeal.bytes(digest: String(repeating: "0", count: 64))).write(
            to: URL(fileURLWithPath: rate + "/manifest.sha256"))
        XCTAssertEqual(
            Verify.check(folder: rate, stage: "rate").problems,
            [
                "\(rate)/manifest.json: SHA-256 \(SHA256.hash(Array(text.utf8))) differs from "
                    + "\(String(repeating: "0", count: 64)) sealed in \(rate)/manifest.sha256"
            ])
    }

    func testChainLinkAndStage() throws {
        let rate = try writeRateFolder()
        let invoice = try writeInvoiceFolder(buildsOn: rate)
        let other = try writeRateFolder("other")
        // A different run in the same shape: another period.
        let otherManifest = URL(fileURLWithPath: other + "/manifest.json")
        let edited = try String(contentsOf: otherManifest, encoding: .utf8)
            .replacingOccurrences(of: "2026-10", with: "2026-11")
        try Data(edited.utf8).write(to: otherManifest)
        let linked = SHA256.hash(
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: rate + "/manifest.json"))))
        XCTAssertEqual(
            Verify.check(folder: invoice, stage: "invoice", buildsOn: other).problems,
            [
                "\(other)/manifest.json: SHA-256 \(SHA256.hash(Array(edited.utf8))) is not the "
                    + "rate manifest \(linked) this run builds on"
            ])
        XCTAssertEqual(
            Verify.check(folder: rate, stage: "rate", buildsOn: other).problems,
            ["the manifest builds on no other run, so it cannot link to \(other)"])
        XCTAssertEqual(
            Verify.check(folder: invoice, stage: "rate").problems,
            ["\(invoice)/manifest.json: written by invoice, not by rate: use `invoice verify`"])
    }

    func testInvoiceDocumentsAndTotalsAddUp() throws {
        let rate = try writeRateFolder()
        let invoice = try writeInvoiceFolder(buildsOn: rate)
        XCTAssertTrue(Verify.check(folder: invoice, stage: "invoice").isIntact)
        // A document edited and its hash and seal made to match: its sums no longer add up,
        // and the manifest's totals no longer match it.
        let path = invoice + "/invoices/c.json"
        let edited = document.replacingOccurrences(
            of: "\"amount_due\":\"10.00\"", with: "\"amount_due\":\"9.00\"")
        try Data(edited.utf8).write(to: URL(fileURLWithPath: path))
        let manifestURL = URL(fileURLWithPath: invoice + "/manifest.json")
        let manifest = try String(contentsOf: manifestURL, encoding: .utf8)
            .replacingOccurrences(
                of: SHA256.hash(Array(document.utf8)), with: SHA256.hash(Array(edited.utf8)))
        try Data(manifest.utf8).write(to: manifestURL)
        try Data(ManifestSeal.bytes(digest: SHA256.hash(Array(manifest.utf8)))).write(
            to: URL(fileURLWithPath: invoice + "/manifest.sha256"))
        XCTAssertEqual(
            Verify.check(folder: invoice, stage: "invoice").problems,
            [
                "\(path): its figures do not add up (lines 10, subtotal 10, total 11, amount "
                    + "due 9)",
                "\(invoice)/manifest.json: totals.amount_due_USD is 10.00, but the invoice "
                    + "documents sum to 9",
            ])
    }

    func testAFolderWithoutManifest() throws {
        let report = Verify.check(folder: scratch + "/none", stage: "rate")
        XCTAssertEqual(
            report.problems,
            ["\(scratch)/none/manifest.json: cannot open the file; check the path"])
    }
}
