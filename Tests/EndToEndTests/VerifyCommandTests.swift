import Foundation
import TestSupport
import XCTest

/// `rate verify` and `invoice verify` as an operator runs them, on the samples: one line and
/// exit 0 when intact; a one-byte edit to an issued document or to a manifest is exit 1, named.
extension InvoiceSampleTests {
    func testSamplesVerifyAndOneByteEditsAreNamed() throws {
        let work = try makeTemporaryDirectory()
        let invoice = try runSamples(in: work)
        let rate = work.appendingPathComponent("rate-2026-10", isDirectory: true)

        let rateReport = try runRate(["verify", rate.path], in: work)
        XCTAssertEqual(rateReport.status, 0, rateReport.transcript)
        XCTAssertEqual(
            rateReport.standardOutput,
            "\(rate.path): intact: rate manifest ea0d2aebe944, 5 outputs hashed, "
                + "3031 lines add up\n")
        XCTAssertEqual(rateReport.standardError, "")
        let invoiceReport = try runProcess(
            try Executables.invoice(), ["verify", "--builds-on", rate.path, invoice.path],
            in: work)
        XCTAssertEqual(invoiceReport.status, 0, invoiceReport.transcript)
        XCTAssertTrue(
            invoiceReport.standardOutput.hasSuffix(
                ", 27 outputs hashed; builds on \(rate.path)/manifest.json, linked\n"),
            invoiceReport.standardOutput)

        // One byte of an issued invoice document.
        let document = invoice.appendingPathComponent("invoices/cus_3.json")
        let original = try readBytes(document)
        var edited = original
        let index = edited.firstIndex(of: UInt8(ascii: "7"))!
        edited[index] = UInt8(ascii: "8")
        try Data(edited).write(to: document)
        let caught = try runProcess(try Executables.invoice(), ["verify", invoice.path], in: work)
        XCTAssertEqual(caught.status, 1, caught.transcript)
        let lines = caught.standardOutput.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, caught.standardOutput)
        XCTAssertTrue(lines[0].hasPrefix("\(document.path): SHA-256 "), lines[0])
        XCTAssertEqual(lines[1], "\(invoice.path): NOT intact: 1 problem")
        try Data(original).write(to: document)

        // One byte of the rate manifest: its seal and the invoice's link both see it.
        let manifest = rate.appendingPathComponent("manifest.json")
        let text = try readText(manifest)
        try Data(text.replacingOccurrences(of: "\"blank\": 1", with: "\"blank\": 2").utf8)
            .write(to: manifest)
        let rateCaught = try runRate(["verify", rate.path], in: work)
        XCTAssertEqual(rateCaught.status, 1, rateCaught.transcript)
        XCTAssertTrue(
            rateCaught.standardOutput.hasPrefix("\(manifest.path): SHA-256 "),
            rateCaught.standardOutput)
        XCTAssertTrue(rateCaught.standardOutput.contains("counts do not add up"))
        let linkCaught = try runProcess(
            try Executables.invoice(), ["verify", "--builds-on", rate.path, invoice.path],
            in: work)
        XCTAssertEqual(linkCaught.status, 1, linkCaught.transcript)
        XCTAssertTrue(
            linkCaught.standardOutput.contains("is not the rate manifest ea0d2aebe944"),
            linkCaught.standardOutput)

        // A usage error is exit 1 with the parser's message, as for every command.
        let usage = try runRate(["verify"], in: work)
        XCTAssertEqual(usage.status, 1, usage.transcript)
        XCTAssertTrue(usage.standardError.contains("Missing expected argument '<folder>'"))
    }
}
