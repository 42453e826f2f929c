import Formats
import Foundation
import XCTest

// Temporary folders, writing fixtures and reading what a run wrote.

extension XCTestCase {
    /// A fresh, empty temporary directory, removed when the test ends.
    public func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ratebook-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// Writes `bytes` to `name` inside `directory` (creating subfolders) and returns its URL.
@discardableResult
public func writeFile(_ name: String, _ bytes: [UInt8], in directory: URL) throws -> URL {
    let url = directory.appendingPathComponent(name)
    try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
    return url
}

/// Writes UTF-8 `text` to `name` inside `directory` (creating subfolders) and returns its URL.
@discardableResult
public func writeFile(_ name: String, _ text: String, in directory: URL) throws -> URL {
    try writeFile(name, Array(text.utf8), in: directory)
}

/// The bytes of a file.
public func readBytes(_ url: URL) throws -> [UInt8] {
    Array(try Data(contentsOf: url))
}

/// A file's text, which must be UTF-8.
public func readText(_ url: URL) throws -> String {
    let bytes = try readBytes(url)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw HarnessError(description: "\(url.path) is not UTF-8")
    }
    return text
}

/// The lines of an NDJSON file (the final LF ends the last line; it does not start another).
public func readLines(_ url: URL) throws -> [String] {
    let text = try readText(url)
    guard !text.isEmpty else { return [] }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines
}

/// Every line of an NDJSON file as a JSON object.
public func readObjects(_ url: URL) throws -> [[String: Any]] {
    try readLines(url).enumerated().map { index, line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            as? [String: Any]
        else {
            throw HarnessError(description: "\(url.path):\(index + 1) is not a JSON object")
        }
        return object
    }
}

/// A JSON file holding one object (`manifest.json`).
public func readObject(_ url: URL) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(try readBytes(url)))
        as? [String: Any]
    else {
        throw HarnessError(description: "\(url.path) is not a JSON object")
    }
    return object
}

/// The objects of `lines` whose `field` equals `value`.
public func objects(_ lines: [[String: Any]], where field: String, is value: String)
    -> [[String: Any]]
{
    lines.filter { ($0[field] as? String) == value }
}

/// The SHA-256 (lowercase hex) of every regular file under `folder`, keyed by its path relative
/// to `folder`, hidden files included (so a leftover temporary file shows up as a difference).
/// A missing folder has no files.
public func folderDigests(_ folder: URL) throws -> [String: String] {
    var digests: [String: String] = [:]
    let root = folder.resolvingSymlinksInPath().path
    guard let walker = FileManager.default.enumerator(
        at: folder, includingPropertiesForKeys: [.isRegularFileKey])
    else { return [:] }
    for case let file as URL in walker {
        guard try file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else {
            continue
        }
        let path = file.resolvingSymlinksInPath().path
        precondition(path.hasPrefix(root + "/"), "enumerated file outside its folder")
        digests[String(path.dropFirst(root.count + 1))] = SHA256.hash(try readBytes(file))
    }
    return digests
}

/// The names in a folder (hidden ones included), sorted; a missing folder has none.
public func folderEntries(_ folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
}

/// `sha256sum` of the file `name` in `directory`: the independent oracle for stored-byte
/// digests.
public func sha256sum(_ name: String, in directory: URL) throws -> String {
    let output = try shell("sha256sum -- '\(name)'", in: directory)
    return String(output.prefix(64))
}

/// The size of the file `name` in `directory` according to `stat` (-1 when it has none).
public func fileSize(_ name: String, in directory: URL) throws -> Int64 {
    let attributes = try FileManager.default.attributesOfItem(
        atPath: directory.appendingPathComponent(name).path)
    return (attributes[.size] as? NSNumber)?.int64Value ?? -1
}

/// Where two texts first differ, line by line, as a message; nil when they are equal.
public func firstDifference(expected: String, actual: String) -> String? {
    guard expected != actual else { return nil }
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    for index in 0..<max(expectedLines.count, actualLines.count) {
        let left = index < expectedLines.count ? String(expectedLines[index]) : "<end of file>"
        let right = index < actualLines.count ? String(actualLines[index]) : "<end of file>"
        if left != right {
            return "first difference at line \(index + 1):\n"
                + "  expected: \(left)\n  actual:   \(right)"
        }
    }
    return "the texts differ in bytes that are not lines (line endings?)"
}

/// Writes three event files into `work` from `files` (three lists of lines): `events-0.ndjson`
/// compressed with zstd, `events-1.ndjson` with gzip, `events-2.ndjson` plain, so a run reads
/// each input kind. Returns their paths in that order.
public func writeCompressedEventFiles(_ files: [[String]], in work: URL) throws -> [String] {
    precondition(files.count == 3, "three files: .zst, .gz and plain")
    var inputs: [String] = []
    for (index, lines) in files.enumerated() {
        let file = try writeFile(
            "events-\(index).ndjson", lines.joined(separator: "\n") + "\n", in: work)
        inputs.append(file.path)
    }
    try shell("zstd -q --rm events-0.ndjson && gzip events-1.ndjson", in: work)
    inputs[0] += ".zst"
    inputs[1] += ".gz"
    return inputs
}
