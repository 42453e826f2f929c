import Foundation
import TestSupport
import XCTest

/// `schemas/`: every output of the samples passes its JSON Schema or column list
/// (`schemas/check.py`, the `jsonschema` package), and a document that breaks one is named.
final class SchemaTests: XCTestCase {
    func check(_ folders: [URL], in work: URL) throws -> RunResult {
        try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", Executables.packageRoot.appendingPathComponent("schemas/check.py").path]
                + folders.map(\.path), in: work)
    }

    func testTheSampleOutputsFollowTheirSchemas() throws {
        let expected = Executables.samples.appendingPathComponent("expected")
        let result = try check(
            [expected.appendingPathComponent("rate"), expected.appendingPathComponent("invoice")],
            in: try makeTemporaryDirectory())
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertEqual(
            result.standardOutput,
            "\(expected.path)/rate: 6 files checked\n\(expected.path)/invoice: 13 files checked\n")
    }

    func testABrokenOutputIsNamed() throws {
        let work = try makeTemporaryDirectory()
        let copy = work.appendingPathComponent("invoice")
        try FileManager.default.copyItem(
            at: Executables.samples.appendingPathComponent("expected/invoice"), to: copy)
        let invoice = copy.appendingPathComponent("invoices/cus_2.json")
        try readText(invoice).replacingOccurrences(
            of: "\"total\": \"110.40\"", with: "\"total\": 110.4"
        ).write(to: invoice, atomically: true, encoding: .utf8)
        let lines = copy.appendingPathComponent("invoice-lines.csv")
        try readText(lines).replacingOccurrences(of: ",0.0035,", with: ",3.5e-3,").write(
            to: lines, atomically: true, encoding: .utf8)
        let result = try check([copy], in: work)
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertEqual(
            result.standardOutput.split(separator: "\n").dropFirst().map(String.init),
            [
                "\(lines.path):12: unit_price '3.5e-3' is not decimal",
                "\(invoice.path):1: total: 110.4 is not of type 'string'",
            ])
    }
}
