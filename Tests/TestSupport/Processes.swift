import Foundation

// Running other programs from a test: the built executables, fixture commands (gzip, tar,
// zip…), Python checks and installed tools. Output goes to files, never pipes, so a chatty
// process cannot block on a full pipe.

/// What one run of a program did.
public struct RunResult {
    /// The exit status (or, when killed by a signal, 128 + the signal number).
    public let status: Int32
    /// Everything the program wrote on standard output, as UTF-8 (invalid bytes replaced).
    public let standardOutput: String
    /// Everything the program wrote on standard error, as UTF-8 (invalid bytes replaced).
    public let standardError: String

    /// Creates a result (`runProcess` makes them).
    public init(status: Int32, standardOutput: String, standardError: String) {
        self.status = status
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// A one-line-per-stream summary for failure messages.
    public var transcript: String {
        "exit \(status)\n--- stdout ---\n\(standardOutput)--- stderr ---\n\(standardError)"
    }
}

/// A failure of the test harness itself (not of the code under test).
public struct HarnessError: Error, CustomStringConvertible {
    /// What went wrong and what to do.
    public let description: String

    /// Creates an error saying `description`.
    public init(description: String) {
        self.description = description
    }
}

/// Runs `executable` with `arguments` in `directory` and waits for it.
///
/// Standard output and error go to files (not pipes), so a chatty process can never block on
/// a full pipe. `standardInput` is a file whose bytes are the process's standard input (none:
/// `/dev/null`). `environment` entries are added to (or replace) this process's environment.
/// A process still running after `timeoutSeconds` is killed and the run throws.
public func runProcess(
    _ executable: URL, _ arguments: [String], in directory: URL,
    standardInput: URL? = nil, environment: [String: String] = [:],
    timeoutSeconds: Double = 60
) throws -> RunResult {
    let streams = FileManager.default.temporaryDirectory
        .appendingPathComponent("ratebook-test-streams-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: streams, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: streams) }
    let outputURL = streams.appendingPathComponent("stdout")
    let errorURL = streams.appendingPathComponent("stderr")
    for url in [outputURL, errorURL] {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw HarnessError(description: "cannot create \(url.path)")
        }
    }
    let output = try FileHandle(forWritingTo: outputURL)
    let errors = try FileHandle(forWritingTo: errorURL)
    defer {
        try? output.close()
        try? errors.close()
    }

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = output
    process.standardError = errors
    if let standardInput {
        process.standardInput = try FileHandle(forReadingFrom: standardInput)
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while process.isRunning {
        if Date() > deadline {
            process.terminate()
            process.waitUntilExit()
            throw HarnessError(
                description: "\(executable.lastPathComponent) \(arguments) ran over "
                    + "\(timeoutSeconds) s and was killed")
        }
        Thread.sleep(forTimeInterval: 0.005)
    }
    process.waitUntilExit()
    let status = process.terminationReason == .uncaughtSignal
        ? 128 + process.terminationStatus : process.terminationStatus
    return RunResult(
        status: status,
        standardOutput: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
        standardError: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
}

/// Runs a `/bin/sh` command line in `directory` with the real command-line tools (gzip, tar…)
/// to build fixtures; throws on a non-zero exit. Returns standard output.
@discardableResult
public func shell(_ command: String, in directory: URL, timeoutSeconds: Double = 120) throws
    -> String
{
    let result = try runProcess(
        URL(fileURLWithPath: "/bin/sh"), ["-euc", command], in: directory,
        timeoutSeconds: timeoutSeconds)
    guard result.status == 0 else {
        throw HarnessError(description: "fixture command `\(command)` failed: \(result.transcript)")
    }
    return result.standardOutput
}

/// Runs `python3 -c script arguments…` (from PATH) in the temporary folder and waits for it.
/// The script's exit status and streams are the result's; scripts/setup installs the Python
/// packages the tests import.
public func runPython(_ script: String, _ arguments: [String] = []) throws -> RunResult {
    try runProcess(
        URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script] + arguments,
        in: FileManager.default.temporaryDirectory)
}

/// Runs a tool from PATH in `directory`; a missing tool fails with what to do (CI installs
/// them all, so a missing one is an error, never a skip).
public func runTool(_ name: String, _ arguments: [String], in directory: URL) throws -> RunResult {
    let which = try runProcess(URL(fileURLWithPath: "/usr/bin/which"), [name], in: directory)
    guard which.status == 0 else {
        throw HarnessError(description: "\(name) is not installed: run scripts/setup")
    }
    let path = which.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    return try runProcess(URL(fileURLWithPath: path), arguments, in: directory)
}
