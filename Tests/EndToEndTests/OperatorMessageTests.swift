import Foundation
import XCTest

/// What an operator sees for the mistakes found when the samples were run as a new user would
/// (issue 10): said in the user's terms, exit 1, nothing created.
final class OperatorMessageTests: XCTestCase {
    func arguments(catalog: String, output: String) -> [String] {
        let samples = Executables.samples
        return [
            "--catalog", catalog, "--customers",
            samples.appendingPathComponent("customers.yaml").path, "--period", "2026-10",
            "--output", output, samples.appendingPathComponent("events").path,
        ]
    }

    func testOutputUnderAMissingParentSaysSoAndCreatesNothing() throws {
        let work = try makeTemporaryDirectory()
        let output = work.appendingPathComponent("missing/deeper/out").path
        let result = try runRate(
            arguments(
                catalog: Executables.samples.appendingPathComponent("catalog.yaml").path,
                output: output),
            in: work)
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertEqual(
            result.standardError,
            "rate: cannot create the output folder '\(output)': '\(work.path)/missing/deeper' is "
                + "not an existing folder. Create it first (mkdir -p '\(work.path)/missing/deeper')"
                + " or choose another output folder; nothing was written.\n")
        XCTAssertEqual(folderEntries(work), [])
        // A file where the parent folder should be.
        _ = try writeFile("file", "x", in: work)
        let underFile = try runRate(
            arguments(
                catalog: Executables.samples.appendingPathComponent("catalog.yaml").path,
                output: work.appendingPathComponent("file/out").path),
            in: work)
        XCTAssertEqual(underFile.status, 1, underFile.transcript)
        XCTAssertTrue(
            underFile.standardError.contains("'\(work.path)/file' is not an existing folder"),
            underFile.transcript)
        XCTAssertEqual(folderEntries(work), ["file"])
    }

    func testACatalogThatIsAFolderIsNamed() throws {
        let work = try makeTemporaryDirectory()
        let folder = work.appendingPathComponent("catalog.yaml")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let result = try runRate(
            arguments(catalog: folder.path, output: work.appendingPathComponent("out").path),
            in: work)
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertEqual(
            result.standardError,
            "rate: \(folder.path): a folder, not a file; give the path of the file itself\n")
        XCTAssertEqual(folderEntries(work), ["catalog.yaml"])
    }

    /// `--version` prints the version every manifest records as `tool`.
    func testVersionIsTheManifestsTool() throws {
        let work = try makeTemporaryDirectory()
        let manifest = try readObject(
            Executables.samples.appendingPathComponent("expected/rate/manifest.json"))
        let tool = try XCTUnwrap(manifest["tool"] as? String)
        for executable in [try Executables.rate(), try Executables.invoice()] {
            let result = try runProcess(executable, ["--version"], in: work)
            XCTAssertEqual(result.status, 0, result.transcript)
            XCTAssertEqual(result.standardOutput, tool + "\n")
        }
    }
}
