#if canImport(Glibc)
import Glibc
#endif

/// Why an output folder could not be prepared, written or put in place.
public enum OutputError: Error, Equatable, CustomStringConvertible {
    /// Another run holds the lock on `target` (exit code 5, SPEC §10).
    case locked(target: String)
    /// A system call failed: `operation` (such as "write" or "rename") on `path` set `errno`.
    case io(path: String, errno: Int32, operation: String)
    /// A path given to `OutputFolder` is not allowed: `reason` says why.
    case invalidPath(path: String, reason: String)

    /// One line naming the path, the problem and what to do.
    public var description: String {
        switch self {
        case .locked(let target):
            return "output folder '\(target)' is locked: another run is writing it. "
                + "Wait for that run to finish, or choose another output folder. "
                + "The lock is released by the system when the holding process exits."
        case .io(let path, let errorNumber, let operation):
            let reason = String(cString: strerror(errorNumber))
            return "cannot \(operation) '\(path)': \(reason) (errno \(errorNumber)). "
                + "The previous output folder, if any, is unchanged."
        case .invalidPath(let path, let reason):
            return "invalid output path '\(path)': \(reason)"
        }
    }
}
