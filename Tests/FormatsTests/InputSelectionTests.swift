import Foundation
import TestSupport
import XCTest

@testable import Formats

final class InputSelectionTests: XCTestCase {
    /// Runs `selectInputs` from inside `directory`, so arguments are relative as users type them.
    private func select(_ arguments: [String], in directory: URL) throws -> InputSelection {
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(directory.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        return try selectInputs(arguments)
    }

    func testDirectoryIsWalkedRecursivelySkippingDotEntries() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("events/2026-10-02.ndjson", "", in: directory)
        try writeFile("events/2026-10-01.ndjson.zst", "", in: directory)
        try writeFile("events/late/2026-10-03.ndjson", "", in: directory)
        try writeFile("events/.upload.ndjson.part", "", in: directory)
        try writeFile("events/.cache/hidden.ndjson", "", in: directory)
        try writeFile("events/late/.swp", "", in: directory)
        try writeFile("single.ndjson", "", in: directory)
        let selection = try select(["single.ndjson", "events/", "-"], in: directory)
        XCTAssertEqual(selection.files.map(\.displayName), [
            "-",  // 0x2D sorts before letters
            "events/2026-10-01.ndjson.zst",
            "events/2026-10-02.ndjson",
            "events/late/2026-10-03.ndjson",
            "single.ndjson",
        ])
        XCTAssertEqual(selection.files.map(\.path), [
            nil, "events/2026-10-01.ndjson.zst", "events/2026-10-02.ndjson",
            "events/late/2026-10-03.ndjson", "single.ndjson",
        ])
        // A skipped folder is listed once, not its contents.
        XCTAssertEqual(
            selection.skipped,
            ["events/.cache", "events/.upload.ndjson.part", "events/late/.swp"])
    }

    func testDisplayNameIsTheLastComponentOfTheArgument() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("data/2026/events/a.ndjson", "", in: directory)
        try writeFile("data/2026/b.ndjson", "", in: directory)
        let selection = try select(["data/2026/events", "./data/2026/b.ndjson"], in: directory)
        XCTAssertEqual(selection.files.map(\.displayName), ["b.ndjson", "events/a.ndjson"])
        XCTAssertEqual(
            selection.files.map(\.path), ["./data/2026/b.ndjson", "data/2026/events/a.ndjson"])
        // `.` names the folder it resolves to.
        let insideEvents = try select(["."], in: directory.appendingPathComponent("data/2026"))
        XCTAssertEqual(
            insideEvents.files.map(\.displayName), ["2026/b.ndjson", "2026/events/a.ndjson"])
    }

    func testExplicitDotFileIsRead() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile(".hidden.ndjson", "", in: directory)
        let selection = try select([".hidden.ndjson"], in: directory)
        XCTAssertEqual(selection.files.map(\.displayName), [".hidden.ndjson"])
        XCTAssertEqual(selection.skipped, [])
    }

    func testSortIsBytewiseNotUnicodeAware() throws {
        let directory = try makeTemporaryDirectory()
        // "e" + U+0301 (bytes 65 CC 81) sorts before "f" (66) bytewise, but String `<` compares
        // it as "é" (U+00E9), after "f". "Z" (5A) sorts before "a" (61) bytewise.
        let decomposed = "e\u{301}.ndjson"
        for name in ["f.ndjson", decomposed, "a.ndjson", "Z.ndjson"] {
            try writeFile("in/\(name)", "", in: directory)
        }
        let names = try select(["in"], in: directory).files.map(\.displayName)
        XCTAssertEqual(names.count, 4)
        XCTAssertTrue(
            names.map { Array($0.utf8) }.elementsEqual(
                ["in/Z.ndjson", "in/a.ndjson", "in/\(decomposed)", "in/f.ndjson"]
                    .map { Array($0.utf8) }),
            "\(names)")
        // The same names under String `<` put "f" first, so this test tells the two apart.
        XCTAssertTrue("in/f.ndjson" < "in/\(decomposed)")
    }

    func testDuplicateDisplayNamesAreAnError() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("a/x.ndjson", "", in: directory)
        try writeFile("b/x.ndjson", "", in: directory)
        XCTAssertThrowsError(try select(["a/x.ndjson", "b/x.ndjson"], in: directory)) { error in
            XCTAssertEqual(
                error as? InputSelectionError,
                .duplicateDisplayName(
                    displayName: "x.ndjson", firstArgument: "a/x.ndjson",
                    secondArgument: "b/x.ndjson"))
            XCTAssertEqual(
                String(describing: error),
                "inputs \"a/x.ndjson\" and \"b/x.ndjson\" both have the display name "
                    + "\"x.ndjson\"; rename one or pass their parent directories instead")
        }
        // Two folders with the same last component clash on their files' display names.
        try writeFile("one/events/e.ndjson", "", in: directory)
        try writeFile("two/events/e.ndjson", "", in: directory)
        XCTAssertThrowsError(try select(["one/events", "two/events"], in: directory)) { error in
            XCTAssertEqual(
                error as? InputSelectionError,
                .duplicateDisplayName(
                    displayName: "events/e.ndjson", firstArgument: "one/events",
                    secondArgument: "two/events"))
        }
        XCTAssertThrowsError(try select(["-", "-"], in: directory)) { error in
            XCTAssertEqual(
                String(describing: error),
                "input \"-\" is given twice (display name \"-\"); give each input once")
        }
    }

    func testMissingAndNonRegularArguments() throws {
        let directory = try makeTemporaryDirectory()
        XCTAssertThrowsError(try select(["nope.ndjson"], in: directory)) { error in
            XCTAssertEqual(error as? InputSelectionError, .missing(argument: "nope.ndjson"))
            XCTAssertEqual(
                String(describing: error), "input \"nope.ndjson\": no such file or directory")
        }
        XCTAssertEqual(mkfifo(directory.appendingPathComponent("pipe").path, 0o600), 0)
        XCTAssertThrowsError(try select(["pipe"], in: directory)) { error in
            XCTAssertEqual(error as? InputSelectionError, .notRegularFile(argument: "pipe"))
        }
    }

    func testSymbolicLinksAndSpecialFilesInsideDirectories() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("elsewhere/linked.ndjson", "", in: directory)
        try writeFile("elsewhere/folder/deep.ndjson", "", in: directory)
        try writeFile("events/real.ndjson", "", in: directory)
        try shell(
            "ln -s ../elsewhere/linked.ndjson events/link.ndjson"
                + " && ln -s ../elsewhere/folder events/folder-link"
                + " && ln -s ../missing events/dangling && mkfifo events/fifo"
                + " && ln -s events events-link",
            in: directory)
        let selection = try select(["events"], in: directory)
        // A link to a file is read under its own name; links to folders, dangling links and
        // FIFOs are listed as skipped.
        XCTAssertEqual(
            selection.files.map(\.displayName), ["events/link.ndjson", "events/real.ndjson"])
        XCTAssertEqual(
            selection.skipped, ["events/dangling", "events/fifo", "events/folder-link"])
        // A link given as the argument is followed, and named as given.
        XCTAssertEqual(
            try select(["events-link"], in: directory).files.map(\.displayName),
            ["events-link/link.ndjson", "events-link/real.ndjson"])
    }

    func testNoArgumentsSelectNothing() throws {
        let selection = try selectInputs([])
        XCTAssertEqual(selection.files, [])
        XCTAssertEqual(selection.skipped, [])
    }
}
