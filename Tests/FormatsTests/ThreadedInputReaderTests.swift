import Foundation
import TestSupport
import XCTest

@testable import Formats

/// Issue 9: the reader decodes on threads of its own and hands whole lines to the caller's
/// thread in blocks. Everything the callbacks see must be what reading on the caller's thread
/// (`decodingThreads: 0`, the code path of before) gives: sources, lines, line numbers,
/// too-long lines, summaries, and errors at the same point in the line sequence. Tiny blocks
/// (a few lines each) and tiny read blocks (7 bytes) put every boundary in play.
final class ThreadedInputReaderTests: XCTestCase {
    /// Blocks of 16 bytes or 3 entries, 2 per thread, stored bytes read 7 at a time: most
    /// lines fill a block alone and span several read blocks.
    private let tinyTuning = InputReadTuning(
        blockBytes: 16, blockEntriesMax: 3, blocksPerThread: 2, storedBlockBytes: 7)

    /// A reader with `decodingThreads` threads and `tuning`.
    private func makeReader(
        threads: Int, tuning: InputReadTuning = InputReadTuning(),
        limits: InputLimits = InputLimits()
    ) -> InputReader {
        let reader = InputReader(limits: limits, decodingThreads: threads)
        reader.tuning = tuning
        return reader
    }

    /// The file `name` in `directory`, under its name.
    private func input(_ name: String, in directory: URL) -> InputFile {
        InputFile(displayName: name, path: directory.appendingPathComponent(name).path)
    }

    /// Everything a multi-input read reported, as comparable text: `file <name>`,
    /// `source <name>`, `<number>: <hex bytes>` or `<number>: TOO LONG <hex kept bytes>`, one
    /// `summary ...` per input, and `error ...` when it threw.
    private func transcript(
        _ inputs: [InputFile], with reader: InputReader,
        stopAtLine: (file: String, line: Int)? = nil
    ) -> [String] {
        struct Stop: Error {}
        var events: [String] = []
        var currentFile = ""
        do {
            let summaries = try reader.read(
                inputs,
                onFile: { file in
                    currentFile = file.displayName
                    events.append("file \(file.displayName)")
                },
                onSource: { events.append("source \($0)") },
                onLine: { line in
                    let hex = line.bytes.map { String($0, radix: 16) }.joined(separator: " ")
                    events.append("\(line.number): \(line.isTooLong ? "TOO LONG " : "")\(hex)")
                    if let stop = stopAtLine, stop.file == currentFile, stop.line == line.number {
                        throw Stop()
                    }
                })
            events += summaries.map { summary in
                "summary \(summary.displayName) \(summary.sizeBytes) \(summary.sha256) "
                    + "members \(summary.members) skipped \(summary.skippedMembers)"
            }
        } catch let error as InputError {
            events.append("error \(error.description)")
        } catch is Stop {
            events.append("stopped")
        } catch {
            events.append("unexpected \(error)")
        }
        return events
    }

    /// Inputs covering every line rule and container: long lines, CRLF, a BOM, too-long lines
    /// (limit 24 bytes below), no final LF, empty lines, gzip, zstd, a tar with a gzip member
    /// and an empty member.
    private func writeVariedInputs(in directory: URL) throws -> [InputFile] {
        let long = String(repeating: "0123456789", count: 5)  // 50 bytes: too long at 24
        try writeFile("a-plain.ndjson", "{\"id\":\"1\"}\n\n\(long)\r\nshort\r\n", in: directory)
        try writeFile(
            "b-bom.ndjson", [0xEF, 0xBB, 0xBF] + Array("bom line\n\(long)".utf8), in: directory)
        try writeFile("c.txt", "twenty-four bytes long!!\n\(long)x\r\nlast", in: directory)
        try writeFile("in/m1.ndjson", "member one\n\(long)\n", in: directory)
        try writeFile("in/m2.ndjson", "member two, second\r\n", in: directory)
        try writeFile("in/empty.ndjson", "", in: directory)
        try shell(
            "gzip -n -c c.txt > c.txt.gz && zstd -q -c a-plain.ndjson > d.ndjson.zst"
                + " && cd in && gzip -n m2.ndjson"
                + " && tar -cf ../e.tar m1.ndjson empty.ndjson m2.ndjson.gz",
            in: directory)
        return ["a-plain.ndjson", "b-bom.ndjson", "c.txt", "c.txt.gz", "d.ndjson.zst", "e.tar"]
            .map { input($0, in: directory) }
    }

    /// Limits that make the 50-byte lines too long and keep 5 bytes of them.
    private var smallLimits: InputLimits {
        var limits = InputLimits()
        limits.lineBytesMax = 24
        limits.keptBytesMax = 5
        return limits
    }

    func testTinyBlocksDeliverExactlyWhatTheCallerThreadReads() throws {
        let directory = try makeTemporaryDirectory()
        let inputs = try writeVariedInputs(in: directory)
        let expected = transcript(inputs, with: makeReader(threads: 0, limits: smallLimits))
        // Hand-checked excerpts, so the oracle itself is pinned: the BOM is skipped, CRLF is
        // stripped, "twenty-four bytes long!!" (24 bytes) passes, 51 bytes keep "01234"
        // (30 31 32 33 34), a last line without LF is read, the empty member is a source.
        XCTAssertEqual(Array(expected.prefix(6)), [
            "file a-plain.ndjson", "source a-plain.ndjson",
            "1: 7b 22 69 64 22 3a 22 31 22 7d", "2: ", "3: TOO LONG 30 31 32 33 34",
            "4: 73 68 6f 72 74",
        ])
        XCTAssertTrue(expected.contains("1: 62 6f 6d 20 6c 69 6e 65"))
        XCTAssertTrue(expected.contains("source e.tar!empty.ndjson"))
        XCTAssertEqual(expected.filter { $0.hasPrefix("summary ") }.count, 6)
        for threads in [1, 2, 3, 8] {
            for tuning in [tinyTuning, InputReadTuning()] {
                let reader = makeReader(threads: threads, tuning: tuning, limits: smallLimits)
                XCTAssertEqual(
                    transcript(inputs, with: reader), expected, "\(threads) threads, \(tuning)")
                if tuning == tinyTuning {
                    // 16-byte blocks of 3 entries at most: 27 entries take more than 10.
                    XCTAssertGreaterThan(reader.lastBlocksDelivered, 10)
                }
            }
        }
    }

    func testLinesLongerThanABlockAndTooLongLinesAcrossReadBlocks() throws {
        let directory = try makeTemporaryDirectory()
        // Lines of 1 to 300 bytes, each a different pattern; lines over 200 bytes are too long
        // (keep 150). Blocks of 64 bytes: long lines grow a block, short ones share one.
        var bytes: [UInt8] = []
        for length in stride(from: 1, through: 300, by: 7) {
            bytes += (0..<length).map { UInt8(ascii: "a") + UInt8(($0 + length) % 26) }
            bytes += length % 3 == 0 ? [0x0D, 0x0A] : [0x0A]
        }
        try writeFile("lines.ndjson", bytes, in: directory)
        try shell("zstd -q -c lines.ndjson > lines.ndjson.zst", in: directory)
        var limits = InputLimits()
        limits.lineBytesMax = 200
        limits.keptBytesMax = 150
        let tuning = InputReadTuning(
            blockBytes: 64, blockEntriesMax: 4, blocksPerThread: 2, storedBlockBytes: 13)
        let inputs = ["lines.ndjson", "lines.ndjson.zst"].map { input($0, in: directory) }
        let expected = transcript(inputs, with: makeReader(threads: 0, limits: limits))
        // 43 lines per input (lengths 1, 8, ..., 295), 14 of them over 200 bytes (204 to 295).
        XCTAssertEqual(expected.filter { $0.hasPrefix("43: TOO LONG ") }.count, 2)
        XCTAssertEqual(expected.filter { $0.contains("TOO LONG") }.count, 2 * 14)
        let threaded = makeReader(threads: 2, tuning: tuning, limits: limits)
        XCTAssertEqual(transcript(inputs, with: threaded), expected)
        XCTAssertGreaterThan(threaded.lastBlocksDelivered, 40)
    }

    func testAnErrorMidFileComesAfterTheLinesReadBeforeIt() throws {
        let directory = try makeTemporaryDirectory()
        let lines = (0..<20_000).map {
            "{\"id\":\"\($0)\",\"q\":\"\($0 &* 2_654_435_761 % 99_991)\"}\n"
        }
        try writeFile("events.ndjson", lines.joined(), in: directory)
        try writeFile("in/good.ndjson", "good\n", in: directory)
        try writeFile("in/inner.tar", [UInt8](repeating: 0, count: 10), in: directory)
        try shell(
            "gzip -n -c events.ndjson > full.gz && head -c $(( $(wc -c < full.gz) / 2 )) full.gz"
                + " > cut.ndjson.gz && tar -cf in/inner.tar -C in good.ndjson"
                + " && tar -cf nested.tar -C in good.ndjson inner.tar",
            in: directory)
        for name in ["cut.ndjson.gz", "nested.tar"] {
            let inputs = [input(name, in: directory)]
            let expected = transcript(inputs, with: makeReader(threads: 0, tuning: tinyTuning))
            XCTAssertTrue(expected.last?.hasPrefix("error \(name): ") == true, name)
            let linesBefore = expected.filter { $0.first?.isNumber == true }.count
            XCTAssertGreaterThan(linesBefore, 0, name)
            // Same lines, then the same error text, offset included (the offset depends only on
            // the read block size, 7 bytes in both).
            for tuning in [tinyTuning, InputReadTuning(storedBlockBytes: 7)] {
                let threaded = transcript(inputs, with: makeReader(threads: 2, tuning: tuning))
                XCTAssertEqual(threaded, expected, name)
            }
        }
        // The gzip cut in half delivers thousands of whole lines first; the tar its good member.
        let gzip = transcript([input("cut.ndjson.gz", in: directory)], with: makeReader(threads: 2))
        XCTAssertGreaterThan(gzip.count, 5_000)
        XCTAssertTrue(gzip.last!.contains("truncated gzip input"), gzip.last!)
        XCTAssertEqual(
            transcript([input("nested.tar", in: directory)], with: makeReader(threads: 2))
                .prefix(4),
            [
                "file nested.tar", "source nested.tar!good.ndjson", "1: 67 6f 6f 64",
                "source nested.tar!inner.tar",
            ])
    }

    /// 20 small inputs of every kind, named so that their order is not their kind's.
    private func writeTwentyInputs(in directory: URL) throws -> [InputFile] {
        var names: [String] = []
        for index in 0..<20 {
            let text = (0..<(index * 3)).map { "{\"file\":\(index),\"line\":\($0)}\n" }.joined()
            let base = String(format: "%02d", 19 - index)
            try writeFile("\(base).ndjson", text, in: directory)
            switch index % 4 {
            case 0:
                names.append("\(base).ndjson")
            case 1:
                try shell("gzip -n \(base).ndjson", in: directory)
                names.append("\(base).ndjson.gz")
            case 2:
                try shell("zstd -q --rm \(base).ndjson", in: directory)
                names.append("\(base).ndjson.zst")
            default:
                try shell("tar --remove-files -cf \(base).tar \(base).ndjson", in: directory)
                names.append("\(base).tar")
            }
        }
        return names.map { input($0, in: directory) }
    }

    func testTwentyInputsAreDeliveredInTheGivenOrder() throws {
        let directory = try makeTemporaryDirectory()
        let inputs = try writeTwentyInputs(in: directory)
        // The oracle: one `read` per input, on the caller's thread.
        var expected: [String] = []
        let single = makeReader(threads: 0)
        for input in inputs {
            expected += transcript([input], with: single).filter { !$0.hasPrefix("summary ") }
        }
        for input in inputs {
            expected += transcript([input], with: single).filter { $0.hasPrefix("summary ") }
        }
        // Input 0 has no line; input 19 has 57 (3 per index).
        XCTAssertEqual(expected.filter { $0.first?.isNumber == true }.count, 3 * 190)
        XCTAssertEqual(
            expected.filter { $0.hasPrefix("file ") }, inputs.map { "file \($0.displayName)" })
        for threads in [1, 2, 4] {
            for tuning in [tinyTuning, InputReadTuning()] {
                let reader = makeReader(threads: threads, tuning: tuning)
                XCTAssertEqual(transcript(inputs, with: reader), expected, "\(threads) threads")
            }
        }
    }

    func testAFailingInputInTheMiddleIsReportedAfterTheInputsBeforeIt() throws {
        let directory = try makeTemporaryDirectory()
        var inputs = try writeTwentyInputs(in: directory)
        // Input 9 is a gzip cut short, input 14 a missing file: only input 9 is reported.
        try shell("head -c 30 \(inputs[9].displayName) > cut.gz", in: directory)
        inputs[9] = input("cut.gz", in: directory)
        inputs[14] = input("gone", in: directory)
        let expected = transcript(inputs, with: makeReader(threads: 0, tuning: tinyTuning))
        XCTAssertEqual(
            expected.filter { $0.hasPrefix("file ") }.last, "file cut.gz")
        XCTAssertTrue(
            expected.last!.hasPrefix("error cut.gz: truncated gzip input"), expected.last!)
        for threads in [1, 2, 3] {
            let reader = makeReader(threads: threads, tuning: tinyTuning)
            XCTAssertEqual(transcript(inputs, with: reader), expected, "\(threads) threads")
        }
        // The missing file alone fails at its own place.
        inputs[9] = try writeTwentyInputs(in: directory.appendingPathComponent("again"))[9]
        let missing = transcript(inputs, with: makeReader(threads: 2))
        XCTAssertEqual(missing.filter { $0.hasPrefix("file ") }.count, 15)
        XCTAssertEqual(
            missing.last,
            "error gone: cannot open: No such file or directory at byte 0; "
                + InputError.corruptRemedy)
    }

    func testACallbackErrorStopsTheThreadsAndTheReaderCanBeReusedAfter() throws {
        let directory = try makeTemporaryDirectory()
        let inputs = try writeTwentyInputs(in: directory)
        let reader = makeReader(threads: 2, tuning: tinyTuning)
        let expected = transcript(inputs, with: makeReader(threads: 0))
        // Stopped at line 5 of the 8th input (21 lines): the threads are blocked on full
        // queues, ahead of the caller; they must stop and be joined.
        let stopped = transcript(inputs, with: reader, stopAtLine: (inputs[7].displayName, 5))
        XCTAssertEqual(stopped.last, "stopped")
        let stopIndex = expected.firstIndex(of: "5: " + Array("{\"file\":7,\"line\":4}".utf8)
            .map { String($0, radix: 16) }.joined(separator: " "))!
        XCTAssertEqual(Array(stopped.dropLast()), Array(expected[...stopIndex]))
        // The same reader (its threads' blocks reused) reads everything again.
        XCTAssertEqual(transcript(inputs, with: reader), expected)
        XCTAssertEqual(transcript(inputs, with: reader), expected)
    }

    func testNoInputsAndSingleInputReadCallsShareTheLanes() throws {
        let directory = try makeTemporaryDirectory()
        let inputs = try writeTwentyInputs(in: directory)
        let reader = makeReader(threads: 2, tuning: tinyTuning)
        XCTAssertEqual(
            try reader.read([], onFile: { _ in XCTFail() }, onSource: { _ in }, onLine: { _ in })
                .count, 0)
        var lines = 0
        for input in inputs {
            _ = try reader.read(input, onSource: { _ in }, onLine: { _ in lines += 1 })
        }
        XCTAssertEqual(lines, 3 * 190)
    }
}
