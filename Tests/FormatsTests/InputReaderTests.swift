import Foundation
import TestSupport
import XCTest

@testable import Formats

final class InputReaderTests: XCTestCase {
    /// Three NDJSON-ish lines of 10 bytes each used by most fixtures.
    private let threeLines = "{\"id\":\"1\"}\n{\"id\":\"2\"}\n{\"id\":\"3\"}\n"
    /// What `threeLines` reads as, after the source event.
    private let threeLineEvents = ["1: {\"id\":\"1\"}", "2: {\"id\":\"2\"}", "3: {\"id\":\"3\"}"]

    // MARK: - Plain and compressed single files

    func testPlainFile() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("events.ndjson", threeLines, in: directory)
        let transcript = try readTranscript("events.ndjson", in: directory)
        XCTAssertEqual(transcript.events, ["source events.ndjson"] + threeLineEvents)
        XCTAssertEqual(transcript.summary?.members, [])
        XCTAssertEqual(transcript.summary?.displayName, "events.ndjson")
        XCTAssertEqual(transcript.summary?.sizeBytes, 33)  // 3 lines of 10 bytes + 3 LF
        XCTAssertEqual(transcript.summary?.sha256, try sha256sum("events.ndjson", in: directory))
    }

    func testEachCompressionIsDecoded() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("events.ndjson", threeLines, in: directory)
        let commands = [
            "events.ndjson.gz": "gzip -c events.ndjson > events.ndjson.gz",
            "events.ndjson.zst": "zstd -q -c events.ndjson > events.ndjson.zst",
            "events.ndjson.xz": "xz -c events.ndjson > events.ndjson.xz",
            "events.ndjson.bz2": "bzip2 -c events.ndjson > events.ndjson.bz2",
        ]
        for (name, command) in commands.sorted(by: { $0.key < $1.key }) {
            try shell(command, in: directory)
            let transcript = try readTranscript(name, in: directory)
            XCTAssertEqual(transcript.events, ["source \(name)"] + threeLineEvents, name)
            XCTAssertEqual(transcript.summary?.members, [], name)
            // The digest and size are of the stored (compressed) bytes, not of the 33 lines.
            XCTAssertEqual(transcript.summary?.sha256, try sha256sum(name, in: directory), name)
            XCTAssertEqual(transcript.summary?.sizeBytes, try fileSize(name, in: directory), name)
            XCTAssertNotEqual(transcript.summary?.sizeBytes, 33, name)
        }
    }

    func testCompressionIsDetectedFromContentNotName() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("plain", threeLines, in: directory)
        try shell("gzip -c plain > events.ndjson && zstd -q -c plain > events.tar", in: directory)
        XCTAssertEqual(
            try readTranscript("events.ndjson", in: directory).events,
            ["source events.ndjson"] + threeLineEvents)
        XCTAssertEqual(
            try readTranscript("events.tar", in: directory).events,
            ["source events.tar"] + threeLineEvents)
    }

    // MARK: - Archives

    /// Writes part-2 (2 lines), part-1 (1 line) and sub/part-3 (1 line, no final LF).
    private func writeParts(in directory: URL) throws {
        try writeFile("parts/part-2.ndjson", "two-a\ntwo-b\n", in: directory)
        try writeFile("parts/part-1.ndjson", "one\n", in: directory)
        try writeFile("parts/sub/part-3.ndjson", "three", in: directory)
    }

    /// Expected events of an archive built from `writeParts` in the order 2, 1, sub/3; the
    /// directory entry `sub/` is skipped and line numbers restart in each member.
    private func partEvents(_ archive: String) -> [String] {
        [
            "source \(archive)!part-2.ndjson", "1: two-a", "2: two-b",
            "source \(archive)!part-1.ndjson", "1: one",
            "source \(archive)!sub/part-3.ndjson", "1: three",
        ]
    }

    private func partMembers(_ archive: String) -> [String] {
        ["\(archive)!part-2.ndjson", "\(archive)!part-1.ndjson", "\(archive)!sub/part-3.ndjson"]
    }

    func testTarFamilyMembersInStoredOrder() throws {
        let directory = try makeTemporaryDirectory()
        try writeParts(in: directory)
        let members = "part-2.ndjson part-1.ndjson sub sub/part-3.ndjson"
        let commands = [
            "batch.tar": "tar --no-recursion -C parts -cf batch.tar \(members)",
            "batch.tar.gz": "tar --no-recursion -C parts -czf batch.tar.gz \(members)",
            "batch.tar.zst": "tar --no-recursion --zstd -C parts -cf batch.tar.zst \(members)",
        ]
        for (name, command) in commands.sorted(by: { $0.key < $1.key }) {
            try shell(command, in: directory)
            let transcript = try readTranscript(name, in: directory)
            XCTAssertEqual(transcript.events, partEvents(name), name)
            XCTAssertEqual(transcript.summary?.members, partMembers(name), name)
            XCTAssertEqual(transcript.summary?.sha256, try sha256sum(name, in: directory), name)
            XCTAssertEqual(transcript.summary?.sizeBytes, try fileSize(name, in: directory), name)
        }
    }

    func testZipMembersInStoredOrder() throws {
        let directory = try makeTemporaryDirectory()
        try writeParts(in: directory)
        // -X: no extra attributes; `sub/` is stored as a directory entry and skipped.
        try shell(
            "cd parts && zip -q -X ../batch.zip part-2.ndjson part-1.ndjson sub sub/part-3.ndjson",
            in: directory)
        let transcript = try readTranscript("batch.zip", in: directory)
        XCTAssertEqual(transcript.events, partEvents("batch.zip"))
        XCTAssertEqual(transcript.summary?.members, partMembers("batch.zip"))
        // The zip reader seeks; the digest must still cover every byte once, in order.
        XCTAssertEqual(transcript.summary?.sha256, try sha256sum("batch.zip", in: directory))
        XCTAssertEqual(transcript.summary?.sizeBytes, try fileSize("batch.zip", in: directory))
    }

    func testZipThroughAPipeIsReadWithoutSeeking() throws {
        let directory = try makeTemporaryDirectory()
        try writeParts(in: directory)
        try shell(
            "cd parts && zip -q -X ../batch.zip part-2.ndjson part-1.ndjson sub/part-3.ndjson"
                + " && mkfifo ../pipe",
            in: directory)
        // A writer in the background; the reader sees a FIFO, which cannot seek.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat batch.zip > pipe"]
        writer.currentDirectoryURL = directory
        try writer.run()
        defer { writer.waitUntilExit() }
        let input = InputFile(
            displayName: "batch.zip", path: directory.appendingPathComponent("pipe").path)
        let transcript = try readTranscript(input)
        XCTAssertEqual(transcript.events, partEvents("batch.zip"))
        XCTAssertEqual(transcript.summary?.sha256, try sha256sum("batch.zip", in: directory))
        XCTAssertEqual(transcript.summary?.sizeBytes, try fileSize("batch.zip", in: directory))
    }

    func testCompressedMembersInsideATarAreDecompressedByContent() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("in/a.ndjson", "alpha\n", in: directory)
        try writeFile("in/b.ndjson", "beta-1\nbeta-2\n", in: directory)
        try writeFile("in/c.ndjson", "gamma\n", in: directory)
        try shell(
            "cd in && gzip a.ndjson && zstd -q --rm b.ndjson && xz c.ndjson && mv c.ndjson.xz c"
                + " && tar -cf ../nested.tar a.ndjson.gz b.ndjson.zst c",
            in: directory)
        let transcript = try readTranscript("nested.tar", in: directory)
        XCTAssertEqual(transcript.events, [
            "source nested.tar!a.ndjson.gz", "1: alpha",
            "source nested.tar!b.ndjson.zst", "1: beta-1", "2: beta-2",
            "source nested.tar!c", "1: gamma",
        ])
    }

    func testEmptyMemberAndEmptyArchive() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("in/empty.ndjson", "", in: directory)
        try writeFile("in/after.ndjson", "x\n", in: directory)
        try shell(
            "tar -C in -cf one.tar empty.ndjson after.ndjson && tar -cf none.tar -T /dev/null",
            in: directory)
        XCTAssertEqual(
            try readTranscript("one.tar", in: directory).events,
            ["source one.tar!empty.ndjson", "source one.tar!after.ndjson", "1: x"])
        let none = try readTranscript("none.tar", in: directory)
        XCTAssertEqual(none.events, [])
        XCTAssertEqual(none.summary?.members, [])
        XCTAssertEqual(none.summary?.sizeBytes, 10240)  // one default tar record of zeros
    }

    func testDuplicateMemberNamesFailTheInput() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("a.ndjson", "x\n", in: directory)
        try shell("tar -cf twice.tar a.ndjson && tar -rf twice.tar a.ndjson", in: directory)
        XCTAssertThrowsError(try readTranscript("twice.tar", in: directory)) { error in
            guard let error = error as? InputError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(error.file, "twice.tar")
            XCTAssertEqual(error.message, "two archive members are both named \"a.ndjson\"")
        }
    }

    // MARK: - Line rules

    func testLineEndingsBomAndLastLine() throws {
        let directory = try makeTemporaryDirectory()
        let cases: [(name: String, bytes: [UInt8], events: [String])] = [
            ("crlf", Array("a\r\nb\r\n".utf8), ["1: a", "2: b"]),
            ("mixed", Array("a\r\nb\nc\r".utf8), ["1: a", "2: b", "3: c"]),
            ("no-final-lf", Array("a\nb".utf8), ["1: a", "2: b"]),
            ("one-line", Array("a\n".utf8), ["1: a"]),
            ("one-lf", Array("\n".utf8), ["1: "]),
            ("blank-lines", Array("\n\nz\n".utf8), ["1: ", "2: ", "3: z"]),
            ("empty", [], []),
            ("bom", [0xEF, 0xBB, 0xBF] + Array("a\nb\n".utf8), ["1: a", "2: b"]),
            ("bom-only", [0xEF, 0xBB, 0xBF], []),
            // A BOM elsewhere is content: it stays in the second line.
            ("bom-later", Array("a\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("b\n".utf8),
             ["1: a", "2: \u{FEFF}b"]),
            // Two bytes of a BOM are content (U+FFFD below is how String shows them).
            ("bom-partial", [0xEF, 0xBB] + Array("\n".utf8), ["1: \u{FFFD}"]),
            ("cr-inside", Array("a\rb\n".utf8), ["1: a\rb"]),
        ]
        for testCase in cases {
            try writeFile(testCase.name, testCase.bytes, in: directory)
            let transcript = try readTranscript(testCase.name, in: directory)
            XCTAssertEqual(
                transcript.events, ["source \(testCase.name)"] + testCase.events, testCase.name)
        }
    }

    func testBomIsSkippedAtTheStartOfEachMember() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("in/a", [0xEF, 0xBB, 0xBF] + Array("a\n".utf8), in: directory)
        try writeFile("in/b", [0xEF, 0xBB, 0xBF] + Array("b\r\n".utf8), in: directory)
        try shell("cd in && gzip b && tar -cf ../bom.tar a b.gz", in: directory)
        let transcript = try readTranscript("bom.tar", in: directory)
        XCTAssertEqual(
            transcript.events, ["source bom.tar!a", "1: a", "source bom.tar!b.gz", "1: b"])
        XCTAssertEqual(transcript.lineByteCounts, [1, 1])
    }

    /// A line whose content is `count` bytes of a repeating, position-dependent pattern, so a
    /// wrong prefix cannot pass for the right one.
    private func patternLine(_ count: Int, salt: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(ascii: "a") + UInt8(truncatingIfNeeded: ($0 / 7 + Int(salt)) % 26) }
    }

    func testLineLengthLimitAtOneMebibyte() throws {
        let directory = try makeTemporaryDirectory()
        let mebibyte = 1 << 20
        let exact = patternLine(mebibyte, salt: 1)
        let over = patternLine(mebibyte + 1, salt: 2)
        let exactCRLF = patternLine(mebibyte, salt: 3)
        // Line 1 passes (exactly 1 MiB), line 2 is too long, line 3 is read with number 3,
        // line 4 is exactly 1 MiB before a CRLF (the ending is not counted), and line 5 is too
        // long with no final LF.
        let bytes = exact + [0x0A] + over + [0x0A] + Array("next".utf8) + [0x0A]
            + exactCRLF + [0x0D, 0x0A] + over
        try writeFile("long.ndjson", bytes, in: directory)
        try shell("gzip -c long.ndjson > long.ndjson.gz", in: directory)
        for name in ["long.ndjson", "long.ndjson.gz"] {
            let transcript = try readTranscript(name, in: directory)
            XCTAssertEqual(transcript.events.count, 6, name)
            XCTAssertEqual(transcript.events.dropFirst(2).first, "2: TOO LONG (4096 kept)", name)
            XCTAssertEqual(transcript.events.dropFirst(3).first, "3: next", name)
            XCTAssertEqual(transcript.events.last, "5: TOO LONG (4096 kept)", name)
            XCTAssertEqual(transcript.lineByteCounts, [mebibyte, 4, mebibyte], name)
            XCTAssertEqual(
                transcript.tooLongPrefixes, [Array(over.prefix(4096)), Array(over.prefix(4096))],
                name)
            XCTAssertTrue(transcript.events[1].utf8.elementsEqual(Array("1: ".utf8) + exact), name)
            XCTAssertTrue(
                transcript.events[4].utf8.elementsEqual(Array("4: ".utf8) + exactCRLF), name)
        }
    }

    func testLineLengthLimitWithSmallLimits() throws {
        let directory = try makeTemporaryDirectory()
        var limits = InputLimits()
        limits.lineBytesMax = 10
        limits.keptBytesMax = 4
        // 10 bytes pass; 10 + CR passes (CR is the ending); 11 is too long and keeps "abcd";
        // 10 + CR + "x" is 12 bytes of content, too long; the empty line after still counts.
        let text = "0123456789\n0123456789\r\nabcdefghijk\n0123456789\rx\n\nend"
        try writeFile("small", text, in: directory)
        let expected = [
            "source small", "1: 0123456789", "2: 0123456789", "3: TOO LONG (4 kept)",
            "4: TOO LONG (4 kept)", "5: ", "6: end",
        ]
        XCTAssertEqual(try readTranscript("small", in: directory, limits: limits).events, expected)
        XCTAssertEqual(
            try readTranscript("small", in: directory, limits: limits).tooLongPrefixes,
            [Array("abcd".utf8), Array("0123".utf8)])
        // keptBytesMax above lineBytesMax keeps at most lineBytesMax bytes.
        limits.keptBytesMax = 50
        XCTAssertEqual(
            try readTranscript("small", in: directory, limits: limits).tooLongPrefixes,
            [Array("abcdefghij".utf8), Array("0123456789".utf8)])
    }

    // MARK: - Failures and limits

    /// Expects `InputError` for `file` with a byte offset inside the stored bytes.
    private func assertInputError(
        _ name: String, in directory: URL, limits: InputLimits = InputLimits(),
        messageContains: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        var delivered = 0
        let input = InputFile(displayName: name, path: directory.appendingPathComponent(name).path)
        let size = try fileSize(name, in: directory)
        XCTAssertThrowsError(
            try InputReader(limits: limits).read(
                input, onSource: { _ in }, onLine: { _ in delivered += 1 }),
            file: file, line: line
        ) { error in
            guard let error = error as? InputError else {
                return XCTFail("unexpected error \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.file, name, file: file, line: line)
            XCTAssertTrue(
                error.message.contains(messageContains), error.message, file: file, line: line)
            XCTAssertGreaterThan(error.byteOffset, 0, file: file, line: line)
            XCTAssertLessThanOrEqual(error.byteOffset, size, file: file, line: line)
            XCTAssertTrue(
                error.description.hasPrefix("\(name): \(error.message) at byte "),
                error.description, file: file, line: line)
        }
    }

    /// 20,000 distinct lines (about 600 KB) that do not compress to almost nothing.
    private func manyLines() -> String {
        (0..<20_000).map { "{\"id\":\"\($0)\",\"q\":\"\($0 &* 2_654_435_761 % 1_000_003)\"}\n" }
            .joined()
    }

    func testTruncatedGzipFailsNamingTheFile() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("events.ndjson", manyLines(), in: directory)
        try shell(
            "gzip -c events.ndjson > full.gz && size=$(wc -c < full.gz)"
                + " && head -c $((size / 2)) full.gz > events.ndjson.gz",
            in: directory)
        try assertInputError(
            "events.ndjson.gz", in: directory, messageContains: "truncated gzip input")
        // The whole file reads fine, so the failure is the truncation.
        XCTAssertEqual(try readTranscript("full.gz", in: directory).lineByteCounts.count, 20_000)
    }

    func testCorruptZstdFailsNamingTheFile() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("events.ndjson", manyLines(), in: directory)
        // Overwrite 16 bytes in the middle of the frame; zstd's checksum or decoder catches it.
        try shell(
            "zstd -q -c events.ndjson > events.ndjson.zst && size=$(wc -c < events.ndjson.zst)"
                + " && printf 'XXXXXXXXXXXXXXXX' | dd of=events.ndjson.zst bs=1"
                + " seek=$((size / 2)) conv=notrunc status=none",
            in: directory)
        try assertInputError(
            "events.ndjson.zst", in: directory, messageContains: "in zstd frame 1 (from byte 0)")
    }

    func testTruncatedTarGzMemberFailsNamingTheMember() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("in/part.ndjson", manyLines(), in: directory)
        try shell(
            "tar -C in -czf full.tar.gz part.ndjson && size=$(wc -c < full.tar.gz)"
                + " && head -c $((size / 2)) full.tar.gz > batch.tar.gz",
            in: directory)
        try assertInputError("batch.tar.gz", in: directory, messageContains: "part.ndjson")
    }

    func testDecompressedBytesLimitBothSides() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("events.ndjson", threeLines, in: directory)
        try writeFile("in/a", "aaaa\n", in: directory)
        try writeFile("in/b", "bbbb\n", in: directory)
        try shell(
            "zstd -q -c events.ndjson > events.ndjson.zst && tar -C in -cf both.tar a b",
            in: directory)
        var limits = InputLimits()
        // threeLines decompresses to exactly 33 bytes.
        limits.decompressedBytesMax = 33
        XCTAssertEqual(
            try readTranscript("events.ndjson.zst", in: directory, limits: limits).events.count, 4)
        limits.decompressedBytesMax = 32
        try assertInputError(
            "events.ndjson.zst", in: directory, limits: limits,
            messageContains: "decompressed data exceeds the limit of 32 bytes")
        // Members count together: 5 + 5 bytes.
        limits.decompressedBytesMax = 10
        XCTAssertEqual(
            try readTranscript("both.tar", in: directory, limits: limits).events.count, 4)
        limits.decompressedBytesMax = 9
        try assertInputError(
            "both.tar", in: directory, limits: limits,
            messageContains: "decompressed data exceeds the limit of 9 bytes")
    }

    func testMissingFileIsAnInputError() throws {
        let directory = try makeTemporaryDirectory()
        let input = InputFile(
            displayName: "gone.ndjson", path: directory.appendingPathComponent("gone").path)
        XCTAssertThrowsError(
            try InputReader(limits: InputLimits()).read(input, onSource: { _ in }, onLine: { _ in })
        ) { error in
            XCTAssertEqual((error as? InputError)?.file, "gone.ndjson")
            XCTAssertEqual(
                (error as? InputError)?.message, "cannot open: No such file or directory")
        }
    }

    func testCallbackErrorsPropagateUnchanged() throws {
        struct Stop: Error, Equatable {}
        let directory = try makeTemporaryDirectory()
        try writeFile("events.ndjson", threeLines, in: directory)
        let input = InputFile(
            displayName: "events.ndjson",
            path: directory.appendingPathComponent("events.ndjson").path)
        var seen: [Int] = []
        XCTAssertThrowsError(
            try InputReader(limits: InputLimits()).read(
                input, onSource: { _ in },
                onLine: { line in
                    seen.append(line.number)
                    if line.number == 2 { throw Stop() }
                })
        ) { error in
            XCTAssertEqual(error as? Stop, Stop())
        }
        XCTAssertEqual(seen, [1, 2])
    }

    func testLargeFileDigestSpansManyReadBlocks() throws {
        let directory = try makeTemporaryDirectory()
        // About 5.5 MB: more than five 1 MiB read blocks, and a .zip of it for the seek path.
        let text = String(repeating: manyLines(), count: 8)
        try writeFile("big.ndjson", text, in: directory)
        try shell("zip -q -X -0 big.zip big.ndjson", in: directory)
        for name in ["big.ndjson", "big.zip"] {
            let transcript = try readTranscript(name, in: directory)
            XCTAssertEqual(transcript.lineByteCounts.count, 160_000, name)
            XCTAssertEqual(transcript.summary?.sha256, try sha256sum(name, in: directory), name)
            XCTAssertEqual(transcript.summary?.sizeBytes, try fileSize(name, in: directory), name)
        }
    }

    func testEachStoredByteIsReadOnce() throws {
        let directory = try makeTemporaryDirectory()
        // About 5.5 MB, so several 1 MiB blocks; a zip bidder seeking to the end of a plain
        // file, or a second pass for the digest, would show up as extra bytes read.
        try writeFile("big.ndjson", String(repeating: manyLines(), count: 8), in: directory)
        try shell(
            "gzip -c big.ndjson > big.ndjson.gz && tar -czf big.tar.gz big.ndjson"
                + " && zip -q -X -0 big.zip big.ndjson",
            in: directory)
        for name in ["big.ndjson", "big.ndjson.gz", "big.tar.gz"] {
            let reader = InputReader(limits: InputLimits())
            let input = InputFile(
                displayName: name, path: directory.appendingPathComponent(name).path)
            let summary = try reader.read(input, onSource: { _ in }, onLine: { _ in })
            XCTAssertEqual(reader.lastStoredBytesRead, summary.sizeBytes, name)
            XCTAssertEqual(summary.sizeBytes, try fileSize(name, in: directory), name)
        }
        // A zip is read through its central directory at the end: the directory and the block
        // around it are read again, but never the whole file.
        let reader = InputReader(limits: InputLimits())
        let input = InputFile(
            displayName: "big.zip", path: directory.appendingPathComponent("big.zip").path)
        let summary = try reader.read(input, onSource: { _ in }, onLine: { _ in })
        XCTAssertGreaterThan(reader.lastStoredBytesRead, summary.sizeBytes)
        XCTAssertLessThan(reader.lastStoredBytesRead, summary.sizeBytes + (2 << 20))
        print("zip stored bytes read \(reader.lastStoredBytesRead) of \(summary.sizeBytes)")
    }

    func testNonAsciiMemberNames() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("in/événements-日本.ndjson", "x\n", in: directory)
        try shell(
            "tar -C in -cf names.tar . && tar -C in --format=pax -cf names-pax.tar ."
                + " && cd in && zip -q -X ../names.zip événements-日本.ndjson",
            in: directory)
        for name in ["names.tar", "names-pax.tar", "names.zip"] {
            let prefix = name.hasSuffix(".zip") ? "" : "./"
            XCTAssertEqual(
                try readTranscript(name, in: directory).events,
                ["source \(name)!\(prefix)événements-日本.ndjson", "1: x"], name)
        }
    }

    func testStandardInputIsReadAsAStream() throws {
        let directory = try makeTemporaryDirectory()
        try writeFile("events.ndjson", threeLines, in: directory)
        try shell("zstd -q -c events.ndjson > events.ndjson.zst", in: directory)
        // Put the file on descriptor 0 for the duration of the read, then restore it.
        let saved = dup(STDIN_FILENO)
        XCTAssertGreaterThanOrEqual(saved, 0)
        let file = open(directory.appendingPathComponent("events.ndjson.zst").path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(file, 0)
        XCTAssertEqual(dup2(file, STDIN_FILENO), STDIN_FILENO)
        close(file)
        defer {
            dup2(saved, STDIN_FILENO)
            close(saved)
        }
        let transcript = try readTranscript(InputFile(displayName: "-", path: nil))
        XCTAssertEqual(transcript.events, ["source -"] + threeLineEvents)
        XCTAssertEqual(
            transcript.summary?.sha256, try sha256sum("events.ndjson.zst", in: directory))
        XCTAssertEqual(
            transcript.summary?.sizeBytes, try fileSize("events.ndjson.zst", in: directory))
    }
}
