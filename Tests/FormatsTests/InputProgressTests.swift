import Foundation
import TestSupport
import XCTest

@testable import Formats

/// The counters a progress line reads (issue 10): stored bytes end at the inputs' total size
/// exactly (a zip's central directory, read twice, counted once) and lines at the number of
/// lines delivered, on decoding threads and on the caller's thread, with tiny blocks and with
/// the default ones.
final class InputProgressTests: XCTestCase {
    /// Three inputs: a plain file of 3 lines (one blank), a gzip of 4 lines, a zip of two
    /// members with 2 and 1 lines: 10 lines in all.
    private func writeInputs(in directory: URL) throws -> [InputFile] {
        try writeFile("a.ndjson", "{\"id\":\"1\"}\n\n{\"id\":\"2\"}\n", in: directory)
        try writeFile("b.ndjson", "one\ntwo\nthree\nfour\n", in: directory)
        try writeFile("m/c.ndjson", "c1\nc2\n", in: directory)
        try writeFile("m/d.ndjson", "d1\n", in: directory)
        try shell("gzip -n b.ndjson && cd m && zip -q -X ../e.zip c.ndjson d.ndjson", in: directory)
        return ["a.ndjson", "b.ndjson.gz", "e.zip"].map {
            InputFile(displayName: $0, path: directory.appendingPathComponent($0).path)
        }
    }

    func testCountersEndAtTheTotalSizeAndTheLinesDelivered() throws {
        let directory = try makeTemporaryDirectory()
        let inputs = try writeInputs(in: directory)
        let totalBytes =
            try fileSize("a.ndjson", in: directory) + fileSize("b.ndjson.gz", in: directory)
            + fileSize("e.zip", in: directory)
        let tiny = InputReadTuning(
            blockBytes: 16, blockEntriesMax: 3, blocksPerThread: 2, storedBlockBytes: 7)
        for threads in [0, 1, 2] {
            for tuning in [InputReadTuning(), tiny] {
                let reader = InputReader(limits: InputLimits(), decodingThreads: threads)
                reader.tuning = tuning
                let progress = InputProgress()
                reader.progress = progress
                var delivered: Int64 = 0
                _ = try reader.read(
                    inputs, onFile: { _ in }, onSource: { _ in },
                    onLine: { _ in delivered += 1 })
                let label = "threads \(threads), tiny \(tuning == tiny)"
                XCTAssertEqual(delivered, 10, label)
                XCTAssertEqual(progress.lines, 10, label)
                XCTAssertEqual(progress.storedBytes, totalBytes, label)
                if tuning == tiny {
                    // 7-byte reads: the zip's central directory was read twice, counted once.
                    XCTAssertGreaterThan(
                        reader.lastStoredBytesRead, try fileSize("e.zip", in: directory), label)
                }
            }
        }
    }

    /// A second read adds to the same counters; a reader without counters counts nothing.
    func testCountersAddUpOverReads() throws {
        let directory = try makeTemporaryDirectory()
        let inputs = try writeInputs(in: directory)
        let reader = InputReader(limits: InputLimits())
        let progress = InputProgress()
        reader.progress = progress
        _ = try reader.read(inputs, onFile: { _ in }, onSource: { _ in }, onLine: { _ in })
        let once = progress.storedBytes
        _ = try reader.read(inputs, onFile: { _ in }, onSource: { _ in }, onLine: { _ in })
        XCTAssertEqual(progress.storedBytes, 2 * once)
        XCTAssertEqual(progress.lines, 20)
        reader.progress = nil
        _ = try reader.read(inputs, onFile: { _ in }, onSource: { _ in }, onLine: { _ in })
        XCTAssertEqual(progress.lines, 20)
        XCTAssertEqual(progress.storedBytes, 2 * once)
    }
}
