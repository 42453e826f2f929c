import Foundation
import TestSupport
import XCTest

/// `rate`'s progress line (issue 10) through the executable: on a terminal (a pseudo terminal
/// here) it ends with the final state, on a line of its own before the run's summary; nothing
/// of it when standard error is a file, with `--quiet` or with `--log-format json`.
final class ProgressLineEndToEndTests: XCTestCase {
    /// Runs `command` with standard error on a pseudo terminal (Python's `pty`) and returns its
    /// exit status and what the terminal received (which turns each LF into CR LF).
    func onATerminal(_ command: [String]) throws -> (status: Int32, screen: String) {
        let script = """
            import os, subprocess, sys
            primary, secondary = os.openpty()
            child = subprocess.Popen(
                sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=secondary)
            os.close(secondary)
            screen = b""
            while True:
                try:
                    chunk = os.read(primary, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                screen += chunk
            sys.stdout.write(screen.decode("utf-8", "replace"))
            sys.exit(child.wait())
            """
        let result = try runPython(script, command)
        return (result.status, result.standardOutput)
    }

    /// `rate` on the sample events (4 files, 47,941 + 27,888 + 1,473 + 2,071 = 79,373 stored
    /// bytes; 3,031 lines), writing into `work`.
    func sampleArguments(_ work: URL, _ extra: [String] = []) throws -> [String] {
        let samples = Executables.samples
        return [try Executables.rate().path]
            + rateArguments(
                catalog: samples.appendingPathComponent("catalog.yaml"),
                customers: samples.appendingPathComponent("customers.yaml"), period: "2026-10",
                output: work.appendingPathComponent("out"),
                inputs: [samples.appendingPathComponent("events").path],
                extra: Executables.sampleRateOptions + extra)
    }

    func testATerminalSeesTheFinalStateBeforeTheSummary() throws {
        let work = try makeTemporaryDirectory()
        let (status, screen) = try onATerminal(try sampleArguments(work))
        XCTAssertEqual(status, 0, screen)
        // 79,373 / 1,024 = 77.51 → 77.5 KiB; 3,031 lines → 3.0K. The time and the rate vary.
        let final = "\rrate: read 77.5 KiB of 77.5 KiB (100%), 3.0K events in "
        let start = try XCTUnwrap(screen.range(of: final), screen)
        let end = try XCTUnwrap(
            screen.range(of: "\u{1B}[K\r\n", range: start.upperBound..<screen.endIndex), screen)
        let rest = String(screen[start.upperBound..<end.lowerBound])
        XCTAssertNotNil(
            rest.range(
                of: #"^[0-9]+:[0-5][0-9](, [0-9.]+[KMGTPE]? events/s)?$"#,
                options: .regularExpression),
            rest)
        // Any earlier redraw starts with "\r" and leaves the line open; the summary follows
        // the final state on a line of its own.
        let before = screen[..<start.lowerBound]
        XCTAssertFalse(before.contains("\n"), String(before))
        XCTAssertTrue(screen[end.upperBound...].contains("3031 lines"), screen)
    }

    /// A read that fails still ends the line: the error starts on a line of its own.
    func testAFailedReadEndsTheLineBeforeTheError() throws {
        let work = try makeTemporaryDirectory()
        let sample = Executables.samples.appendingPathComponent("events/2026-10-b.ndjson.gz")
        // The first 10,000 of the sample's 27,888 bytes: a gzip stream cut short.
        try shell("head -c 10000 '\(sample.path)' > bad.ndjson.gz", in: work)
        let samples = Executables.samples
        let (status, screen) = try onATerminal(
            [try Executables.rate().path]
                + rateArguments(
                    catalog: samples.appendingPathComponent("catalog.yaml"),
                    customers: samples.appendingPathComponent("customers.yaml"),
                    period: "2026-10", output: work.appendingPathComponent("out"),
                    inputs: [work.appendingPathComponent("bad.ndjson.gz").path]))
        XCTAssertEqual(status, 3, screen)
        // 10,000 B = 9.7 KiB, all of it consumed before the decoder finds the stream cut; the
        // lines before the cut were delivered (how many depends on zlib's output blocks).
        let final = try XCTUnwrap(
            screen.range(of: "\rrate: read 9.7 KiB of 9.7 KiB (100%), "), screen)
        XCTAssertFalse(screen[..<final.lowerBound].contains("\n"), screen)
        let end = try XCTUnwrap(screen.range(of: "\u{1B}[K\r\n"), screen)
        XCTAssertLessThan(final.upperBound, end.lowerBound)
        XCTAssertTrue(screen[end.upperBound...].hasPrefix("rate: bad.ndjson.gz: "), screen)
    }

    func testNothingExtraWithQuietOrJSONLogs() throws {
        for extra in [["--quiet"], ["--log-format", "json"]] {
            let work = try makeTemporaryDirectory()
            let (status, screen) = try onATerminal(try sampleArguments(work, extra))
            XCTAssertEqual(status, 0, screen)
            XCTAssertFalse(screen.contains("rate: read"), "\(extra): \(screen)")
            XCTAssertFalse(screen.contains("\u{1B}[K"), "\(extra): \(screen)")
        }
    }

    func testNothingExtraWhenStandardErrorIsAFile() throws {
        let work = try makeTemporaryDirectory()
        let result = try runRate(Array(try sampleArguments(work).dropFirst()), in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertFalse(result.standardError.contains("\r"), result.standardError)
        XCTAssertFalse(result.standardError.contains("rate: read"), result.standardError)
        XCTAssertFalse(result.standardError.contains("\u{1B}"), result.standardError)
    }
}
