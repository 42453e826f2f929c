import Foundation
import Pricing
import TestSupport
import XCTest

@testable import Formats

/// The reader of `rate`'s folder on its own (issue 10: it had no unit tests): what it returns,
/// and each refusal naming the file.
final class RatedFolderTests: XCTestCase {
    private var scratch = ""

    override func setUpWithError() throws {
        scratch = try makeTemporaryDirectory().path
    }

    let rated = Array("{\"customer\":\"c\"}\n".utf8)
    let credits = Array("".utf8)
    let catalog = ConfigFile(name: "catalog.yaml", bytes: Array("version: 1\n".utf8))
    let customers = ConfigFile(name: "customers.yaml", bytes: Array("[]\n".utf8))

    /// A rate folder as `rate` writes it (the files' content does not matter to the reader).
    func writeFolder(stage: String = "rate") throws -> String {
        let target = scratch + "/rate"
        let folder = try OutputFolder(target: target)
        let outputs = [
            ("rated.ndjson", try folder.write("rated.ndjson", bytes: rated)),
            (
                "included-credits.ndjson",
                try folder.write("included-credits.ndjson", bytes: credits)
            ),
        ]
        try folder.writeManifest(
            Manifest(
                stage: stage, options: [("period", "2026-10")],
                configuration: [("catalog", catalog), ("customers", customers)], inputs: [],
                skipped: [], counts: LineCounts(), outputs: outputs))
        try folder.commit()
        return target
    }

    func refusal(_ path: String) -> String {
        do {
            _ = try RatedFolder.read(path: path, manifestBytesMax: 1 << 20)
            return "read"
        } catch {
            return error.description
        }
    }

    func testReadsWhatRateWrote() throws {
        let path = try writeFolder()
        let folder = try RatedFolder.read(path: path, manifestBytesMax: 1 << 20)
        XCTAssertEqual(folder.period, YearMonth("2026-10"))
        XCTAssertEqual(folder.ratedBytes, rated)
        XCTAssertEqual(folder.rated.sha256, SHA256.hash(rated))
        XCTAssertEqual(
            folder.manifestSHA256,
            SHA256.hash(
                [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/manifest.json")))))
        XCTAssertNoThrow(
            try folder.verify(
                catalog: catalog, catalogPath: "c.yaml", customers: customers,
                customersPath: "u.yaml"))
        let other = ConfigFile(name: "catalog.yaml", bytes: Array("version: 2\n".utf8))
        XCTAssertThrowsError(
            try folder.verify(
                catalog: other, catalogPath: "c.yaml", customers: customers,
                customersPath: "u.yaml")
        ) { error in
            XCTAssertTrue(
                "\(error)".hasPrefix("--catalog c.yaml (SHA-256 \(other.sha256)) is not the "),
                "\(error)")
        }
    }

    func testRefusals() throws {
        let path = try writeFolder()
        try Data("{\"customer\":\"d\"}\n".utf8).write(
            to: URL(fileURLWithPath: path + "/rated.ndjson"))
        XCTAssertTrue(
            refusal(path).hasPrefix("\(path)/rated.ndjson: SHA-256 "), refusal(path))
        try FileManager.default.removeItem(atPath: path + "/included-credits.ndjson")
        XCTAssertTrue(
            refusal(path).hasSuffix(
                "--rated must name a complete rate output folder (re-run rate)"),
            refusal(path))
        try FileManager.default.removeItem(atPath: path)
        let invoice = try writeFolder(stage: "invoice")
        XCTAssertEqual(
            refusal(invoice),
            "\(invoice)/manifest.json: stage: expected \"rate\": --rated must name rate's output "
                + "folder; re-run rate to rebuild the folder")
        try Data("[".utf8).write(to: URL(fileURLWithPath: invoice + "/manifest.json"))
        XCTAssertTrue(
            refusal(invoice).hasPrefix("\(invoice)/manifest.json: not JSON ("),
            refusal(invoice))
    }
}
