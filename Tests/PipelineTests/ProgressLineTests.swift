import Foundation
import TestSupport
import XCTest

@testable import Formats
@testable import Pipeline

/// The progress line of `rate` (issue 10): its text as a pure function of the figures, when a
/// run draws it, and what the reporter writes.
final class ProgressLineTests: XCTestCase {
    /// 1.3 GB: 1,300,000,000 / 2^30 = 1.2107 → "1.2 GiB".
    let total: Int64 = 1_300_000_000

    private func state(
        _ storedBytes: Int64, of totalBytes: Int64?, lines: Int64, seconds: Double,
        done: Bool = false
    ) -> ProgressLine.State {
        ProgressLine.State(
            storedBytes: storedBytes, totalBytes: totalBytes, lines: lines,
            elapsedNanoseconds: UInt64(seconds * 1_000_000_000), isDone: done)
    }

    private func text(_ state: ProgressLine.State) -> String {
        ProgressLine.text(stage: "rate", state)
    }

    func testReadingWithAKnownTotal() {
        // 338,000,000 B = 26% of 1.3 GB; / 2^20 = 322.34 → "322.3 MiB". 20.5M lines in 5 s:
        // 4,100,000/s → "4.1M". Left 962,000,000 B at 338,000,000 B per 5 s: 14.23 s, rounded
        // up → 0:15.
        XCTAssertEqual(
            text(state(338_000_000, of: total, lines: 20_500_000, seconds: 5)),
            "rate: reading 322.3 MiB of 1.2 GiB (26%), 4.1M events/s, ETA 0:15")
    }

    func testReadingWithoutATotalShowsBytesAndRateOnly() {
        XCTAssertEqual(
            text(state(338_000_000, of: nil, lines: 20_500_000, seconds: 5)),
            "rate: reading 322.3 MiB, 4.1M events/s")
    }

    func testZeroElapsedShowsNoRateAndNoETA() {
        XCTAssertEqual(
            text(state(0, of: total, lines: 0, seconds: 0)), "rate: reading 0 B of 1.2 GiB (0%)")
        XCTAssertEqual(
            text(state(5_000, of: total, lines: 7, seconds: 0)),
            "rate: reading 4.8 KiB of 1.2 GiB (0%)")
    }

    func testNothingReadYetHasARateButNoETA() {
        XCTAssertEqual(
            text(state(0, of: total, lines: 0, seconds: 2)),
            "rate: reading 0 B of 1.2 GiB (0%), 0 events/s")
    }

    func testEverythingReadBeforeTheEndIsETAZero() {
        XCTAssertEqual(
            text(state(total, of: total, lines: 3_000, seconds: 2)),
            "rate: reading 1.2 GiB of 1.2 GiB (100%), 1.5K events/s, ETA 0:00")
    }

    func testETAOverAnHour() {
        // 1 MiB of 1.3 GB in 10 s: 1,298,951,424 B left at 104,857.6 B/s = 12,387.7 s, up to
        // 12,388 s = 3:26:28.
        XCTAssertEqual(
            text(state(1 << 20, of: total, lines: 100, seconds: 10)),
            "rate: reading 1.0 MiB of 1.2 GiB (0%), 10 events/s, ETA 3:26:28")
    }

    func testDone() {
        // 86.1M lines in 21.5 s: 4,004,651/s → "4.0M"; 21.5 s truncated → 0:21.
        XCTAssertEqual(
            text(state(total, of: total, lines: 86_100_000, seconds: 21.5, done: true)),
            "rate: read 1.2 GiB of 1.2 GiB (100%), 86.1M events in 0:21, 4.0M events/s")
        XCTAssertEqual(
            text(state(77_302, of: nil, lines: 3_014, seconds: 0.25, done: true)),
            "rate: read 75.4 KiB, 3.0K events in 0:00, 12.0K events/s")
    }

    func testDoneAtOnceOverNothing() {
        XCTAssertEqual(
            text(state(0, of: 0, lines: 0, seconds: 0, done: true)),
            "rate: read 0 B of 0 B (100%), 0 events in 0:00")
    }

    func testPercentIsTruncatedAndAtMostAHundred() {
        XCTAssertEqual(ProgressLine.percent(999, of: 1_000), 99)
        XCTAssertEqual(ProgressLine.percent(1_000, of: 1_000), 100)
        // A file that grew while it was read.
        XCTAssertEqual(ProgressLine.percent(1_500, of: 1_000), 100)
        XCTAssertEqual(ProgressLine.percent(0, of: 0), 100)
    }

    func testBytes() {
        XCTAssertEqual(ProgressLine.bytesText(0), "0 B")
        XCTAssertEqual(ProgressLine.bytesText(1_023), "1023 B")
        XCTAssertEqual(ProgressLine.bytesText(1_024), "1.0 KiB")
        // 1,535 / 1,024 = 1.499: truncated, not rounded.
        XCTAssertEqual(ProgressLine.bytesText(1_535), "1.4 KiB")
        // 2^20 − 1 = 1023.999 KiB: never "1024.0 KiB", never "1.0 MiB" early.
        XCTAssertEqual(ProgressLine.bytesText((1 << 20) - 1), "1023.9 KiB")
        XCTAssertEqual(ProgressLine.bytesText(1 << 20), "1.0 MiB")
        XCTAssertEqual(ProgressLine.bytesText(5 << 40), "5.0 TiB")
        XCTAssertEqual(ProgressLine.bytesText(Int64.max), "7.9 EiB")
    }

    func testCounts() {
        XCTAssertEqual(ProgressLine.countText(0), "0")
        XCTAssertEqual(ProgressLine.countText(999), "999")
        XCTAssertEqual(ProgressLine.countText(1_000), "1.0K")
        XCTAssertEqual(ProgressLine.countText(999_999), "999.9K")
        XCTAssertEqual(ProgressLine.countText(4_199_999), "4.1M")
        XCTAssertEqual(ProgressLine.countText(2_300_000_000), "2.3G")
    }

    func testDurations() {
        XCTAssertEqual(ProgressLine.durationText(seconds: 0), "0:00")
        XCTAssertEqual(ProgressLine.durationText(seconds: 9), "0:09")
        XCTAssertEqual(ProgressLine.durationText(seconds: 60), "1:00")
        XCTAssertEqual(ProgressLine.durationText(seconds: 3_599), "59:59")
        XCTAssertEqual(ProgressLine.durationText(seconds: 3_600), "1:00:00")
        XCTAssertEqual(ProgressLine.durationText(seconds: 36_061), "10:01:01")
    }

    /// Only a terminal, and neither `--quiet` nor `--log-format json`.
    func testWantedOnlyOnATerminalWithTextLogs() {
        XCTAssertTrue(
            ProgressLine.isWanted(standardErrorIsTerminal: true, quiet: false, format: .text))
        XCTAssertFalse(
            ProgressLine.isWanted(standardErrorIsTerminal: false, quiet: false, format: .text))
        XCTAssertFalse(
            ProgressLine.isWanted(standardErrorIsTerminal: true, quiet: true, format: .text))
        XCTAssertFalse(
            ProgressLine.isWanted(standardErrorIsTerminal: true, quiet: false, format: .json))
    }

    /// What one reporter wrote, safe to append to from its drawing thread.
    final class Written: @unchecked Sendable {
        private let lock = NSLock()
        private var texts: [String] = []
        func append(_ text: String) { lock.withLock { texts.append(text) } }
        var all: [String] { lock.withLock { texts } }
    }

    /// A run shorter than one interval draws only the final state, ended by a newline.
    func testFinishDrawsTheFinalStateOnce() {
        let counters = InputProgress()
        let written = Written()
        var clock: UInt64 = 1_000
        let line = ProgressLine(
            stage: "rate", totalBytes: 2_048, counters: counters,
            intervalNanoseconds: 3_600_000_000_000, now: { clock }, write: written.append)
        line.start()
        counters.addStoredBytes(2_048)
        counters.addLines(3)
        clock += 2_000_000_000
        line.finish()
        line.finish()
        XCTAssertEqual(
            written.all,
            ["\rrate: read 2.0 KiB of 2.0 KiB (100%), 3 events in 0:02, 1 events/s\u{1B}[K\n"])
    }

    /// Every interval, the line is redrawn in place: `\r`, the text, clear to the end of the
    /// line, and no newline until the final state.
    func testRedrawsInPlaceUntilFinished() {
        let counters = InputProgress()
        let written = Written()
        let line = ProgressLine(
            stage: "rate", totalBytes: nil, counters: counters, intervalNanoseconds: 1_000_000,
            write: written.append)
        line.start()
        let deadline = Date().addingTimeInterval(10)
        while written.all.count < 2, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        line.finish()
        let all = written.all
        XCTAssertGreaterThanOrEqual(all.count, 3, "two redraws and the final line")
        for text in all.dropLast() {
            XCTAssertTrue(text.hasPrefix("\rrate: reading 0 B"), text)
            XCTAssertTrue(text.hasSuffix("\u{1B}[K"), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertTrue(all.last?.hasPrefix("\rrate: read 0 B, 0 events in 0:0") == true, "\(all)")
        XCTAssertTrue(all.last?.hasSuffix("\u{1B}[K\n") == true, "\(all)")
    }

    /// The total is the inputs' stored sizes; standard input, or a FIFO, leaves it unknown.
    func testTotalStoredBytes() throws {
        let directory = try makeTemporaryDirectory()
        let a = try writeFile("a.ndjson", "12345\n", in: directory)
        let b = try writeFile("b.ndjson", String(repeating: "x", count: 1_000), in: directory)
        try shell("mkfifo pipe", in: directory)
        let pipe = directory.appendingPathComponent("pipe")
        func file(_ url: URL?) -> InputFile {
            InputFile(displayName: url?.lastPathComponent ?? "-", path: url?.path)
        }
        XCTAssertEqual(RateJob.totalStoredBytes([file(a), file(b)]), 1_006)
        XCTAssertEqual(RateJob.totalStoredBytes([]), 0)
        XCTAssertNil(RateJob.totalStoredBytes([file(a), file(nil)]))
        XCTAssertNil(RateJob.totalStoredBytes([file(pipe), file(a)]))
        XCTAssertNil(
            RateJob.totalStoredBytes([file(directory.appendingPathComponent("missing"))]))
    }
}
