import Foundation
import TestSupport
import XCTest

/// Issue 8 (input integrity), through the built `rate`: a corrupt container is exit 3 naming the
/// file and offset with nothing written; a name that cannot be shown, or a member named like
/// another input, is a usage error (exit 1); link members are listed, never silently dropped.
final class InputIntegrityEndToEndTests: XCTestCase {
    /// A work folder with the catalog and customers of `InputFormatTests` and its events in
    /// `events.ndjson`.
    private func makeWork() throws -> (work: URL, catalog: URL, customers: URL) {
        let work = try makeTemporaryDirectory()
        let catalog = try writeFile("catalog.yaml", InputFormatTests.catalog, in: work)
        let customers = try writeFile("customers.yaml", Fixtures.customerOnBasic, in: work)
        try writeFile("events.ndjson", InputFormatTests.events, in: work)
        return (work, catalog, customers)
    }

    /// Runs `rate` on `inputs` (paths relative to `work`) into `work/out`.
    private func rate(
        _ inputs: [String], in work: URL, catalog: URL, customers: URL
    ) throws
        -> (result: RunResult, output: URL)
    {
        let output = work.appendingPathComponent("out", isDirectory: true)
        let result = try runRate(
            rateArguments(
                catalog: catalog, customers: customers, period: "2026-10", output: output,
                inputs: inputs),
            in: work)
        return (result, output)
    }

    func testGzipWithAFlippedQuantityDigitExitsThreeAndWritesNothing() throws {
        let (work, catalog, customers) = try makeWork()
        // Level 0 stores the bytes, so the flipped digit inflates and only the CRC-32 catches it.
        try shell(
            "python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.compress("
                + "open(\"events.ndjson\",\"rb\").read(), 0, mtime=0))' > events.ndjson.gz"
                + " && sed -i 's/\"quantity\":\"1.5\"/\"quantity\":\"9.5\"/' events.ndjson.gz",
            in: work)
        XCTAssertThrowsError(try shell("gzip -t events.ndjson.gz", in: work))
        let size =
            try FileManager.default.attributesOfItem(
                atPath: work.appendingPathComponent("events.ndjson.gz").path)[.size] as! Int
        let (result, output) = try rate(
            ["events.ndjson.gz"], in: work, catalog: catalog, customers: customers)
        XCTAssertEqual(result.status, 3, result.transcript)
        XCTAssertEqual(
            result.standardError,
            "rate: events.ndjson.gz: gzip CRC-32 mismatch in gzip member 1 (from byte 0): the "
                + "data is corrupt; found at byte \(size - 4); the file is unreadable or corrupt: "
                + "fix or remove it and run again; nothing was written\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    func testLeadingNULBlockExitsThreeInsteadOfAnEmptyTar() throws {
        let (work, catalog, customers) = try makeWork()
        try shell(
            "(head -c 512 /dev/zero; cat events.ndjson) > zeroed.ndjson"
                + " && gzip -n -c zeroed.ndjson > zeroed.ndjson.gz",
            in: work)
        for name in ["zeroed.ndjson", "zeroed.ndjson.gz"] {
            let (result, output) = try rate(
                [name], in: work, catalog: catalog, customers: customers)
            XCTAssertEqual(result.status, 3, result.transcript)
            XCTAssertTrue(
                result.standardError.hasPrefix(
                    "rate: \(name): the data starts with NUL blocks (zeroed by a crash?) but holds "
                        + "data from decompressed byte 512: it is not an empty tar archive at byte "
                ),
                result.standardError)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        }
    }

    func testNestedArchivesExitThreeNamingTheMember() throws {
        let (work, catalog, customers) = try makeWork()
        try shell(
            "tar -cf inner.tar events.ndjson && tar -cf outer.tar inner.tar"
                + " && zip -q -X inner.zip events.ndjson && zip -q -X outer.zip inner.zip",
            in: work)
        for (name, member, kind) in [
            ("outer.tar", "inner.tar", "tar"),
            ("outer.zip", "inner.zip", "zip"),
        ] {
            let (result, output) = try rate(
                [name], in: work, catalog: catalog, customers: customers)
            XCTAssertEqual(result.status, 3, result.transcript)
            XCTAssertTrue(
                result.standardError.hasPrefix(
                    "rate: \(name): member \"\(member)\" is itself a \(kind) archive; nested "
                        + "archives are not read at byte "),
                result.standardError)
            XCTAssertTrue(
                result.standardError.hasSuffix(
                    "; extract the inner archive and pass its files (or the extracted folder) "
                        + "instead; nothing was written\n"),
                result.standardError)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        }
    }

    func testFileNameThatIsNotUTF8ExitsOneInsteadOfBeingSkipped() throws {
        let (work, catalog, customers) = try makeWork()
        try shell("mkdir batch && cp events.ndjson \"batch/$(printf 'caf\\351.ndjson')\"", in: work)
        let (result, output) = try rate(["batch"], in: work, catalog: catalog, customers: customers)
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertEqual(
            result.standardError,
            "rate: input \"batch\": the name \"batch/caf\\xE9.ndjson\" is not valid UTF-8 (bytes "
                + "shown as \\xNN), so it cannot be named in the outputs and is not read; rename "
                + "it to UTF-8 (e.g. with convmv) and run again\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    func testFileNamedLikeAnArchiveMemberExitsOne() throws {
        let (work, catalog, customers) = try makeWork()
        try shell("tar -cf x.tar events.ndjson && cp events.ndjson 'x.tar!events.ndjson'", in: work)
        let (result, output) = try rate(
            ["x.tar", "x.tar!events.ndjson"], in: work, catalog: catalog, customers: customers)
        XCTAssertEqual(result.status, 1, result.transcript)
        XCTAssertEqual(
            result.standardError,
            "rate: archive \"x.tar\" holds a member whose display name \"x.tar!events.ndjson\" is "
                + "also another input's; rename that input (a \"!\" in a file name reads as an "
                + "archive member) or pass the inputs in separate runs; nothing was written\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    func testLinkMembersAreListedInTheManifestAndOnStandardError() throws {
        let (work, catalog, customers) = try makeWork()
        try shell(
            "ln -s events.ndjson soft.ndjson && ln events.ndjson hard.ndjson"
                + " && tar -cf links.tar events.ndjson soft.ndjson hard.ndjson",
            in: work)
        let (result, output) = try rate(
            ["links.tar"], in: work, catalog: catalog, customers: customers)
        XCTAssertEqual(result.status, 0, result.transcript)
        let manifest = try readObject(output.appendingPathComponent("manifest.json"))
        let inputs = manifest["inputs"] as? [[String: Any]]
        XCTAssertEqual(inputs?.first?["members"] as? [String], ["links.tar!events.ndjson"])
        XCTAssertEqual(
            inputs?.first?["skipped_members"] as? [String],
            ["links.tar!soft.ndjson", "links.tar!hard.ndjson"])
        XCTAssertTrue(
            result.standardError.contains(
                "2 entries not read (hidden, links or special files; listed in manifest.json): "
                    + "links.tar!soft.ndjson, links.tar!hard.ndjson"),
            result.standardError)
        XCTAssertEqual(
            try readText(output.appendingPathComponent("usage.ndjson")),
            InputFormatTests.expectedUsage)
    }

    // MARK: - zstd decoded by libzstd (issue 8 follow-up)

    /// The size of `name` in `work`.
    private func size(_ name: String, in work: URL) throws -> Int {
        try FileManager.default.attributesOfItem(
            atPath: work.appendingPathComponent(name).path)[.size] as! Int
    }

    /// Runs `rate` on `name` and checks exit 3, the exact standard error (`message`, then the
    /// stored byte offset and the corrupt-file remedy) and that nothing was written.
    private func assertCorrupt(
        _ name: String, message: String, at offset: Int, in work: URL, catalog: URL,
        customers: URL, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let (result, output) = try rate([name], in: work, catalog: catalog, customers: customers)
        XCTAssertEqual(result.status, 3, result.transcript, file: file, line: line)
        XCTAssertEqual(
            result.standardError,
            "rate: \(name): \(message) at byte \(offset); the file is unreadable or corrupt: fix "
                + "or remove it and run again; nothing was written\n", file: file, line: line)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: output.path), file: file, line: line)
    }

    func testZstdWithALeadingNULBlockExitsThreeInsteadOfAnEmptyTar() throws {
        let (work, catalog, customers) = try makeWork()
        // libarchive's zstd filter read this as an empty tar: exit 0, every event gone.
        try shell(
            "(head -c 512 /dev/zero; cat events.ndjson) | zstd -q > zeroed.ndjson.zst", in: work)
        try assertCorrupt(
            "zeroed.ndjson.zst",
            message: "the data starts with NUL blocks (zeroed by a crash?) but holds data from "
                + "decompressed byte 512: it is not an empty tar archive",
            at: try size("zeroed.ndjson.zst", in: work), in: work, catalog: catalog,
            customers: customers)
    }

    func testTarZstWithDataAfterTheEndMarkerExitsThree() throws {
        let (work, catalog, customers) = try makeWork()
        try shell(
            "tar -cf a.tar events.ndjson && cp events.ndjson more.ndjson"
                + " && tar -cf b.tar more.ndjson && cat a.tar b.tar | zstd -q > both.tar.zst",
            in: work)
        try assertCorrupt(
            "both.tar.zst",
            message: "the tar end-of-archive marker (an all-NUL block) is followed by data at "
                + "decompressed byte 10240: members after it would be lost (a block zeroed by a "
                + "crash, or data appended to the archive)",
            at: try size("both.tar.zst", in: work), in: work, catalog: catalog,
            customers: customers)
    }

    func testZstdWithAFlippedByteExitsThree() throws {
        let (work, catalog, customers) = try makeWork()
        // Stored as raw literals, the flipped quantity digit still decodes: only the frame's
        // content checksum catches it (zstd -t agrees).
        try shell(
            "zstd -q --no-compress-literals -c events.ndjson > events.ndjson.zst"
                + " && sed -i 's/\"quantity\":\"1.5\"/\"quantity\":\"9.5\"/' events.ndjson.zst"
                + " && ! zstd -q -t events.ndjson.zst",
            in: work)
        try assertCorrupt(
            "events.ndjson.zst",
            message: "zstd content checksum mismatch in zstd frame 1 (from byte 0): the data is "
                + "corrupt; found",
            at: try size("events.ndjson.zst", in: work), in: work, catalog: catalog,
            customers: customers)
    }

    func testBytesAfterTheLastZstdFrameExitThree() throws {
        let (work, catalog, customers) = try makeWork()
        try shell(
            "zstd -q -c events.ndjson > frame.zst && (cat frame.zst; echo more) > appended.zst",
            in: work)
        try assertCorrupt(
            "appended.zst",
            message: "bytes after zstd frame 1 are not another zstd frame (a damaged frame "
                + "header, or data appended)",
            at: try size("frame.zst", in: work), in: work, catalog: catalog,
            customers: customers)
    }

    func testConcatenatedZstdFramesAreBilledWhole() throws {
        let (work, catalog, customers) = try makeWork()
        try shell(
            "head -n 3 events.ndjson | zstd -q > two.zst && tail -n +4 events.ndjson | zstd -q"
                + " >> two.zst",
            in: work)
        let (result, output) = try rate(
            ["two.zst"], in: work, catalog: catalog, customers: customers)
        XCTAssertEqual(result.status, 0, result.transcript)
        XCTAssertEqual(
            try readText(output.appendingPathComponent("usage.ndjson")),
            InputFormatTests.expectedUsage)
    }

    func testTarXzAndTarBz2WithDataAfterTheEndMarkerExitThree() throws {
        let (work, catalog, customers) = try makeWork()
        try shell(
            "tar -cf a.tar events.ndjson && cp events.ndjson more.ndjson && tar -cf b.tar "
                + "more.ndjson && cat a.tar b.tar | xz > both.tar.xz"
                + " && cat a.tar b.tar | bzip2 > both.tar.bz2",
            in: work)
        for name in ["both.tar.xz", "both.tar.bz2"] {
            try assertCorrupt(
                name,
                message: "the tar end-of-archive marker (an all-NUL block) is followed by data "
                    + "at decompressed byte 10240: members after it would be lost (a block "
                    + "zeroed by a crash, or data appended to the archive)",
                at: try size(name, in: work), in: work, catalog: catalog, customers: customers)
        }
    }
}
