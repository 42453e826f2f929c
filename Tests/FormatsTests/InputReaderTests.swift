import Foundation
import XCTest

@testable import Formats

final class InputReaderTests: XCTestCase {
    /// Three NDJSON-ish lines used by most fixtures.
    private let threeLines = "{\"id\":\"1\"}\n{\"id\":\"2\"}\n{\"id\":\"3\"}\n"

    func testPlainFile() throws {
        let directory = try makeTemporaryDirectory(self)
        try writeFile("events.ndjson", threeLines, in: directory)
        let transcript = try readTranscript("events.ndjson", in: directory)
        XCTAssertEqual(transcript.events, [
            "source events.ndjson",
            "1: {\"id\":\"1\"}", "2: {\"id\":\"2\"}", "3: {\"id\":\"3\"}",
        ])
        XCTAssertEqual(transcript.summary?.members, [])
        XCTAssertEqual(transcript.summary?.displayName, "events.ndjson")
        XCTAssertEqual(transcript.summary?.sizeBytes, 33)  // 3 lines of 10 bytes + 3 LF
        XCTAssertEqual(transcript.summary?.sha256, try sha256sum("events.ndjson", in: directory))
    }
}
