import Foundation
import XCTest

/// SPEC promise 2: the same inputs give byte-identical outputs whatever the order the input
/// files are named in, the run (Swift seeds its hashing per process), the time zone or the
/// locale of the machine.
final class DeterminismTests: XCTestCase {
    func testShuffledArgumentOrderAndRepeatedRunsGiveIdenticalBytes() throws {
        let work = try makeTemporaryDirectory()
        let samples = Executables.samples
        // A private copy of the events, so the test controls every file in the folder.
        let events = work.appendingPathComponent("events", isDirectory: true)
        try FileManager.default.copyItem(
            at: samples.appendingPathComponent("events"), to: events)
        let names = ["2026-10-a.ndjson.zst", "2026-10-b.ndjson.gz", "late.ndjson"]
        let files = names.map { events.appendingPathComponent($0).path }

        func rate(_ inputs: [String], into name: String, environment: [String: String] = [:])
            throws -> URL
        {
            let output = work.appendingPathComponent(name, isDirectory: true)
            let result = try runRate(
                rateArguments(
                    catalog: samples.appendingPathComponent("catalog.yaml"),
                    customers: samples.appendingPathComponent("customers.yaml"),
                    period: "2026-10", output: output, inputs: inputs),
                in: work, environment: environment)
            XCTAssertEqual(result.status, 0, "\(name): \(result.transcript)")
            return output
        }

        // Files named one by one: three orders, the first one twice, and one run under another
        // time zone and locale (none of which may reach an output).
        let inOrder = try folderDigests(try rate(files, into: "files-abc"))
        let again = try folderDigests(try rate(files, into: "files-abc-again"))
        let reversed = try folderDigests(
            try rate([files[2], files[1], files[0]], into: "files-cba"))
        let rotated = try folderDigests(
            try rate(
                [files[1], files[2], files[0]], into: "files-bca",
                environment: ["TZ": "Pacific/Chatham", "LANG": "de_DE.UTF-8",
                              "LC_ALL": "de_DE.UTF-8"]))
        XCTAssertEqual(inOrder.keys.sorted(), GoldenSampleTests.outputNames)
        XCTAssertEqual(inOrder, again, "the same command twice")
        XCTAssertEqual(inOrder, reversed, "reversed argument order")
        XCTAssertEqual(inOrder, rotated, "another order, time zone and locale")

        // The folder as one argument, twice.
        let folder = try folderDigests(try rate([events.path], into: "folder"))
        let folderAgain = try folderDigests(try rate([events.path], into: "folder-again"))
        XCTAssertEqual(folder, folderAgain, "the folder twice")

        // A folder names its files `events/<name>` where single files are `<name>` (SPEC §11),
        // so rejects.ndjson and manifest.json differ by exactly that; the priced results
        // must not.
        for name in ["usage.ndjson", "rated.ndjson", "included-credits.ndjson"] {
            XCTAssertEqual(folder[name], inOrder[name], name)
        }
        XCTAssertNotEqual(folder["rejects.ndjson"], inOrder["rejects.ndjson"])
        let folderRejects = try readText(
            work.appendingPathComponent("folder/rejects.ndjson"))
        let filesRejects = try readText(
            work.appendingPathComponent("files-abc/rejects.ndjson"))
        XCTAssertEqual(
            folderRejects.replacingOccurrences(of: "events/", with: ""), filesRejects)
    }
}
