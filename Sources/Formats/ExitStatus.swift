/// Ratebook's exit codes (SPEC §10), shared by every stage.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// Bad option or unreadable file given as an option: nothing written.
    case usage = 1
    /// Invalid catalog or customers: nothing written, every error listed.
    case invalidConfiguration = 2
    /// Unreadable or corrupt input: nothing written.
    case inputError = 3
    /// Over `--max-reject-rate`: outputs written, job marked failed.
    case tooManyRejects = 4
    /// Another run holds the output folder.
    case locked = 5
    /// A self-check on the computed results failed (a bug): nothing written. 70 is
    /// `EX_SOFTWARE` of sysexits.h, outside SPEC §10's codes.
    case invariantViolated = 70
}
