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
    public enum Format: String, CaseIterable, Sendable {
        case text
        case json
    }

    nonisolated(unsafe) public static var format: Format = .text
    nonisolated(unsafe) public static var quiet = false

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

/// A stage's progress lines on standard error (`… info rate: message`), with the stage as the
/// source too: swift-log would otherwise name the module the job is compiled in.
public struct StageLog {
    let logger: Logger

    /// The log of the stage named `stage` (`rate`, `invoice`).
    public init(_ stage: String) { logger = Logger(label: stage) }

    /// A progress or summary line (hidden by `--quiet`).
    public func info(_ message: String) { logger.info("\(message)", source: logger.label) }

    /// Something the operator should see, such as entries not read (hidden by `--quiet`).
    public func notice(_ message: String) { logger.notice("\(message)", source: logger.label) }

    /// A warning, shown even with `--quiet`.
    public func warning(_ message: String) { logger.warning("\(message)", source: logger.label) }
}
