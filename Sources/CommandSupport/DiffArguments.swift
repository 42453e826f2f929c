import ArgumentParser
import Foundation
import Pipeline

/// The arguments of `rate diff` and `invoice diff`, and the one way both report.
public struct DiffArguments: ParsableArguments {
    /// How the report is written.
    public enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Argument(help: "The earlier run's output folder. Example: out/2026-10-a")
    public var before: String

    @Argument(help: "The later run's output folder. Example: out/2026-10-b")
    public var after: String

    @Option(help: "text (a summary, then details) or json (for machines). Example: --format json")
    public var format: Format = .text

    public init() {}

    /// Compares the two folders as outputs of `stage`; exit 0 when every output is identical,
    /// 1 when they differ, 3 when a folder cannot be read as such a run.
    public func run(stage: String) throws {
        let report: Diff.Report
        do {
            report = try Diff.compare(stage: stage, before: before, after: after)
        } catch {
            FileHandle.standardError.write(Data("\(stage) diff: \(error)\n".utf8))
            throw ExitCode(3)
        }
        switch format {
        case .text: FileHandle.standardOutput.write(Data(report.text().utf8))
        case .json: FileHandle.standardOutput.write(Data(report.json()))
        }
        if !report.identical { throw ExitCode(1) }
    }

    /// The discussion both `diff` subcommands show.
    public static func discussion(stage: String, what: String) -> String {
        """
        Compares two output folders of \(stage): first a summary (customers changed, the total \
        difference per currency), then why (options, configuration files and inputs whose \
        SHA-256 differ, counts that moved), then customer by customer and line by line \
        \(what). Two runs over the same events with different catalogs are a price backtest \
        (pipelines/backtest.sh). Reads only; writes nothing.

        Example:
          \(stage) diff out/\(stage)-before out/\(stage)-after
          \(stage) diff --format json out/\(stage)-before out/\(stage)-after

        Exit codes: 0 every output identical, 1 different, 3 a folder is not a readable \
        \(stage) output folder.
        """
    }
}
