import ArgumentParser
import Formats
import Foundation
import Logging

/// How a run talks on standard error: the text it always wrote, or one JSON object per line
/// (`--log-format json`, for log shippers); `--quiet` keeps warnings and errors only.
///
/// The logging system is set up once, before the options are parsed, so the handler reads the
/// settings when each `Logger` is made: after `LogOptions.apply()`.
public enum RunLog {
    /// The formats of `--log-format`.
    public enum Format: String, ExpressibleByArgument, CaseIterable, Sendable {
        case text
        case json
    }

    nonisolated(unsafe) static var format: Format = .text
    nonisolated(unsafe) static var quiet = false

    /// Sends every `Logger` of the process to standard error in the chosen format.
    public static func bootstrap() {
        LoggingSystem.bootstrap { label in
            var text = StreamLogHandler.standardError(label: label)
            text.logLevel = quiet ? .warning : .info
            return format == .json ? JSONLogHandler(label: label, logLevel: text.logLevel) : text
        }
    }

    /// An error that ends the run: `stage: message` (the text every test and script knows),
    /// or a JSON line with level `error`.
    public static func error(_ stage: String, _ message: String) {
        switch format {
        case .text:
            FileHandle.standardError.write(Data("\(stage): \(message)\n".utf8))
        case .json:
            JSONLogHandler.write(level: "error", label: stage, message: message)
        }
    }
}

/// `--log-format` and `--quiet`, taken by both executables.
public struct LogOptions: ParsableArguments {
    @Option(
        help: """
            text (default) or json: one JSON object per line on standard error, with time, \
            level, label and message. Example: --log-format json
            """)
    public var logFormat: RunLog.Format = .text

    @Flag(help: "Only warnings and errors on standard error (no progress or summary lines).")
    public var quiet = false

    public init() {}

    /// Makes these settings the process's, for every `Logger` made from now on.
    public func apply() {
        RunLog.format = logFormat
        RunLog.quiet = quiet
    }
}

/// One JSON object per log line: `{"time":…,"level":…,"label":…,"message":…}` and any
/// metadata under `metadata`, keys in that order.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, logLevel: Logger.Level) {
        self.label = label
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        JSONLogHandler.write(
            level: event.level.rawValue, label: label, message: event.message.description,
            metadata: merged.map { ($0.key, "\($0.value)") }.sorted { $0.0 < $1.0 })
    }

    static func write(
        level: String, label: String, message: String, metadata: [(String, String)] = []
    ) {
        var writer = JSONWriter()
        writer.beginObject()
        for (key, value) in [
            ("time", ISO8601DateFormatter().string(from: Date())), ("level", level),
            ("label", label), ("message", message),
        ] {
            writer.key(key)
            writer.string(value)
        }
        if !metadata.isEmpty {
            writer.key("metadata")
            writer.beginObject()
            for (key, value) in metadata {
                writer.key(key)
                writer.string(value)
            }
            writer.endObject()
        }
        writer.endObject()
        writer.endLine()
        FileHandle.standardError.write(Data(writer.bytes))
    }
}
