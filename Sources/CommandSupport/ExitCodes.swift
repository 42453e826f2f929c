import ArgumentParser
import Foundation

/// Runs a Ratebook command, exiting with the codes of SPEC §10.
///
/// The argument parser's own `main()` exits with `EX_USAGE` (64) for a bad or missing option
/// and for a failed `validate()`; the contract says a usage error is 1, so those errors keep
/// the parser's message but exit 1. Help (`--help`) and the job's own exit codes pass through
/// unchanged.
///
/// `SIGXFSZ` is ignored first: past a file-size limit (`ulimit -f`) the signal would kill the
/// run without a word; ignored, the write fails with `EFBIG` and is reported naming the file.
///
/// `tools` are the subcommands (`verify`, …) chosen by the first argument: each is parsed as a
/// root command of its own from the arguments after its name, so the run's required options
/// never apply to them (the argument parser checks a parent's required options even when a
/// subcommand follows). A file named like a subcommand is given as `./verify`.
public func runWithRatebookExitCodes<Command: ParsableCommand>(
    _ command: Command.Type, tools: [String: any ParsableCommand.Type] = [:]
) -> Never {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if let name = arguments.first, let tool = tools[name] {
        run(tool, arguments: Array(arguments.dropFirst()))
    }
    run(command, arguments: nil)
}

/// Parses `arguments` (nil: the process's) as `command` and runs it, with Ratebook's codes.
private func run(_ command: any ParsableCommand.Type, arguments: [String]?) -> Never {
    signal(SIGXFSZ, SIG_IGN)
    do {
        var parsed = try command.parseAsRoot(arguments)
        try parsed.run()
        Foundation.exit(0)
    } catch {
        if command.exitCode(for: error) == .validationFailure {
            FileHandle.standardError.write(Data((command.fullMessage(for: error) + "\n").utf8))
            Foundation.exit(1)
        }
        command.exit(withError: error)
    }
}
