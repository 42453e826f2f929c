import Foundation
import XCTest

@testable import Formats

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
