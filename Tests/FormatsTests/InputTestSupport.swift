import Foundation
import XCTest

@testable import Formats

/// A fresh temporary directory for one test, removed when the test ends.
func makeTemporaryDirectory(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("ratebook-input-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Runs a shell command in `directory` with the real command-line tools; fails on a non-zero
/// exit. Returns standard output.
@discardableResult
func shell(_ command: String, in directory: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-euc", command]
    process.currentDirectoryURL = directory
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ShellError(
            command: command, status: process.terminationStatus,
            standardError: String(decoding: errorData, as: UTF8.self))
    }
    return String(decoding: outputData, as: UTF8.self)
}

/// A fixture command that failed.
struct ShellError: Error, CustomStringConvertible {
    let command: String
    let status: Int32
    let standardError: String
    var description: String { "`\(command)` exited \(status): \(standardError)" }
}

/// Writes `bytes` to `name` inside `directory` and returns its path.
@discardableResult
func writeFile(_ name: String, _ bytes: [UInt8], in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
    return url.path
}

/// Writes UTF-8 `text` to `name` inside `directory` and returns its path.
@discardableResult
func writeFile(_ name: String, _ text: String, in directory: URL) throws -> String {
    try writeFile(name, Array(text.utf8), in: directory)
}

/// Everything `InputReader.read` reported for one input, as comparable text.
struct ReadTranscript {
    /// One entry per callback, in order: `source <name>` or `<number>: <text>` or
    /// `<number>: TOO LONG (<kept byte count> kept)`.
    var events: [String] = []
    /// The kept bytes of every too-long line, in order.
    var tooLongPrefixes: [[UInt8]] = []
    /// Byte counts of lines that were not too long, in order.
    var lineByteCounts: [Int] = []
    /// The summary returned.
    var summary: InputSummary?
}

/// Reads `input` with `limits` and records every callback.
func readTranscript(
    _ input: InputFile, limits: InputLimits = InputLimits()
) throws -> ReadTranscript {
    var transcript = ReadTranscript()
    let reader = InputReader(limits: limits)
    transcript.summary = try reader.read(
        input,
        onSource: { transcript.events.append("source \($0)") },
        onLine: { line in
            if line.isTooLong {
                transcript.events.append("\(line.number): TOO LONG (\(line.bytes.count) kept)")
                transcript.tooLongPrefixes.append(Array(line.bytes))
            } else {
                transcript.events.append(
                    "\(line.number): " + String(decoding: line.bytes, as: UTF8.self))
                transcript.lineByteCounts.append(line.bytes.count)
            }
        })
    return transcript
}

/// Reads the file `name` in `directory` under its name as display name.
func readTranscript(
    _ name: String, in directory: URL, limits: InputLimits = InputLimits()
) throws -> ReadTranscript {
    try readTranscript(
        InputFile(displayName: name, path: directory.appendingPathComponent(name).path),
        limits: limits)
}

/// `sha256sum` of a file, as the independent oracle for stored-byte digests.
func sha256sum(_ name: String, in directory: URL) throws -> String {
    let output = try shell("sha256sum -- '\(name)'", in: directory)
    return String(output.prefix(64))
}

/// The size of a file according to `stat`.
func fileSize(_ name: String, in directory: URL) throws -> Int64 {
    let attributes = try FileManager.default.attributesOfItem(
        atPath: directory.appendingPathComponent(name).path)
    return (attributes[.size] as? NSNumber)?.int64Value ?? -1
}
