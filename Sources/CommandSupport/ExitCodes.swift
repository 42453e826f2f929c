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
public func runWithRatebookExitCodes<Command: ParsableCommand>(_ command: Command.Type) -> Never {
    signal(SIGXFSZ, SIG_IGN)
    do {
        var parsed = try command.parseAsRoot(nil)
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
