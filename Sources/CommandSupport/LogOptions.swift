import ArgumentParser
import Pipeline

extension RunLog.Format: ExpressibleByArgument {}

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
