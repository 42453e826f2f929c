import Foundation
import TestSupport
import XCTest

@testable import Formats

/// Issue 8, item 7: an output folder that is, contains or is inside an input is refused,
/// comparing real paths (symlinks and `..` resolved, a missing tail appended).
final class OutputOverlapTests: XCTestCase {
    private var scratch = ""

    override func setUpWithError() throws {
        scratch = try makeTemporaryDirectory().path
        try FileManager.default.createDirectory(
            atPath: scratch + "/events/2026", withIntermediateDirectories: true)
        try Data("{}\n".utf8).write(to: URL(fileURLWithPath: scratch + "/events/a.ndjson"))
        try FileManager.default.createSymbolicLink(
            atPath: scratch + "/link", withDestinationPath: scratch + "/events")
        // The scratch folder itself may sit behind a symlink (/tmp on some systems).
        scratch = OutputOverlap.realPath(scratch)
    }

    private func relation(_ output: String, _ input: String) -> OutputOverlap.Relation? {
        OutputOverlap.firstConflict(output: output, inputs: [("input", input)])?.relation
    }

    func testRealPathResolvesSymlinksDotsAndAMissingTail() {
        XCTAssertEqual(OutputOverlap.realPath(scratch + "/link"), scratch + "/events")
        XCTAssertEqual(
            OutputOverlap.realPath(scratch + "/link/new/../out/./x"), scratch + "/events/out/x")
        XCTAssertEqual(OutputOverlap.realPath(scratch + "/events/2026/.."), scratch + "/events")
        XCTAssertEqual(OutputOverlap.realPath("/"), "/")
    }

    func testSameContainsAndInsideAreRefused() {
        XCTAssertEqual(relation(scratch + "/events", scratch + "/events"), .same)
        XCTAssertEqual(relation(scratch + "/link/", scratch + "/events"), .same)
        XCTAssertEqual(relation(scratch + "/events/2026/..", scratch + "/link"), .same)
        // The output contains the input folder, or an input file.
        XCTAssertEqual(relation(scratch, scratch + "/events"), .containsInput)
        XCTAssertEqual(relation(scratch + "/link", scratch + "/events/a.ndjson"), .containsInput)
        // The output (not yet created) inside the input folder.
        XCTAssertEqual(relation(scratch + "/link/out", scratch + "/events"), .insideInput)
        XCTAssertEqual(
            relation(scratch + "/events/2026/new/out", scratch + "/events"), .insideInput)
    }

    func testSiblingsAndStandardInputAreAllowed() {
        XCTAssertNil(relation(scratch + "/out", scratch + "/events"))
        // A shared prefix that is not a folder boundary is no overlap.
        XCTAssertNil(relation(scratch + "/events-out", scratch + "/events"))
        XCTAssertNil(relation(scratch + "/eve", scratch + "/events"))
        XCTAssertNil(relation(scratch + "/out", "-"))
    }

    func testRelativePathsAreResolvedFromTheWorkingFolder() throws {
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(scratch))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        XCTAssertEqual(relation("events/out", scratch + "/link"), .insideInput)
        XCTAssertEqual(relation(".", "events"), .containsInput)
        XCTAssertNil(relation("out", "events"))
    }

    func testMessageNamesBothPathsAndWhatToDo() {
        let conflict = OutputOverlap.firstConflict(
            output: "out", inputs: [("--catalog", "/elsewhere/c.yaml"), ("--rated", "out")])
        XCTAssertEqual(
            conflict?.description,
            "--output 'out' is --rated 'out'; replacing the output folder would delete or "
                + "re-read that input. Choose an output folder that neither is nor holds an "
                + "input and is not inside an input folder.")
    }
}
