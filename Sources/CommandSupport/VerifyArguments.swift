import ArgumentParser
import Pipeline

/// The arguments of `rate verify` and `invoice verify`, and the one way both report.
public struct VerifyArguments: ParsableArguments {
    @Argument(help: "The output folder to check. Example: out/invoice")
    public var folder: String

    @Option(
        help: """
            The folder this run builds on (for invoice: the --rated folder); its manifest must \
            be the one the manifest's builds_on names. Example: --builds-on out/rate
            """)
    public var buildsOn: String?

    public init() {}

    /// Checks the folder as the output of `stage`: one line and exit 0 when intact; otherwise
    /// one line per problem, naming the file, and exit 1.
    public func run(stage: String) throws {
        let report = Verify.check(folder: folder, stage: stage, buildsOn: buildsOn)
        if report.isIntact {
            print(report.summary)
            return
        }
        for problem in report.problems { print(problem) }
        let count = report.problems.count
        print("\(folder): NOT intact: \(count) problem\(count == 1 ? "" : "s")")
        throw ExitCode(1)
    }

    /// The discussion both `verify` subcommands show.
    public static func discussion(stage: String, example: String) -> String {
        """
        Hashes every output manifest.json lists again and compares; checks manifest.json \
        against its seal manifest.sha256 and against the bytes Ratebook writes for it; reports \
        files missing or not listed; checks that the counts add up; with --builds-on, checks \
        the builds_on link. Reads only; writes nothing.

        Example:
          \(stage) verify \(example)

        Exit codes: 0 intact (one line), 1 not intact (one line per problem, naming the file).
        """
    }
}
