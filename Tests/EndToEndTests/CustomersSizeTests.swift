import Foundation
import TestSupport
import XCTest

/// An oversized configuration file through `rate` (issue 8, item 15): exit 1 naming the file and
/// the limit, and for a customers file in YAML, the advice to write large books as NDJSON.
final class CustomersSizeTests: XCTestCase {
    /// A sparse file of `bytes` NUL bytes: the size check comes before any byte is decoded.
    func writeSparse(_ name: String, bytes: UInt64, in directory: URL) throws {
        let url = directory.appendingPathComponent(name)
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: bytes)
        try handle.close()
    }

    func run(catalog: String, customers: String, in work: URL) throws -> RunResult {
        try writeFile("events.ndjson", "", in: work)
        return try runRate(
            ["--catalog", catalog, "--customers", customers, "--period", "2026-10", "--output",
             "out", "events.ndjson"],
            in: work)
    }

    func testOversizedCustomersYAMLPointsToNDJSON() throws {
        let work = try makeTemporaryDirectory()
        try writeFile("catalog.yaml", ConfigIntegrityTests.catalog(), in: work)
        // 64 MiB is 67,108,864 bytes; one more is refused.
        try writeSparse("customers.yaml", bytes: 64 << 20 + 1, in: work)
        try writeSparse("customers.ndjson", bytes: 64 << 20 + 1, in: work)
        try writeSparse("big.yaml", bytes: 64 << 20 + 1, in: work)

        let yaml = try run(catalog: "catalog.yaml", customers: "customers.yaml", in: work)
        XCTAssertEqual(yaml.status, 1, yaml.transcript)
        XCTAssertTrue(
            yaml.standardError.contains(
                "customers.yaml: larger than 67108864 bytes; for large books write "
                    + "customers.ndjson (one customer a line, no indentation: smaller), or "
                    + "split the customers into several runs\n"),
            yaml.transcript)

        // NDJSON already is that form, and a catalog is no book: the limit alone.
        let ndjson = try run(catalog: "catalog.yaml", customers: "customers.ndjson", in: work)
        XCTAssertEqual(ndjson.status, 1, ndjson.transcript)
        XCTAssertTrue(
            ndjson.standardError.contains("customers.ndjson: larger than 67108864 bytes\n"),
            ndjson.transcript)
        let catalog = try run(catalog: "big.yaml", customers: "customers.yaml", in: work)
        XCTAssertEqual(catalog.status, 1, catalog.transcript)
        XCTAssertTrue(
            catalog.standardError.contains("big.yaml: larger than 67108864 bytes\n"),
            catalog.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.path + "/out"))
    }
}
