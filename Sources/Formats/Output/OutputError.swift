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
    /// The folder `target` would be created in, `parent`, does not exist or is not a folder.
    case noParentFolder(target: String, parent: String)
    /// The new output is in place at `target`, but the fsync of its `parent` folder failed:
    /// the rename may not survive a power loss.
    case notDurable(target: String, parent: String, errno: Int32)
    /// Without `RENAME_EXCHANGE`, the new folder could not be renamed to `target` (`errno`)
    /// and the previous output could not be moved back from `aside`, where it waits.
    case previousOutputAside(target: String, aside: String, errno: Int32)
    /// `target` is missing and several interrupted swaps each left a previous output
    /// (`candidates`, hidden folder names): which one to restore is not known.
    case ambiguousRestore(target: String, candidates: [String])

    /// Whether the new output folder is in place despite the error (`notDurable`): a caller
    /// must then not say that nothing was written.
    public var newOutputIsInPlace: Bool {
        if case .notDurable = self { return true }
        return false
    }

    /// One line naming the path, the problem and what to do.
    public var description: String {
        switch self {
        case .locked(let target):
            return "output folder '\(target)' is locked: another run is writing it. "
                + "Wait for that run to finish, or choose another output folder. "
                + "The lock is released by the system when the holding process exits."
        case .io(let path, let errorNumber, let operation):
            let reason = String(cString: strerror(errorNumber))
            // EFBIG comes from a file-size limit (SIGXFSZ is ignored): say which one to raise.
            let hint =
                errorNumber == EFBIG
                ? " The file outgrew the file-size limit (`ulimit -f`) or the file system's "
                    + "largest file; raise the limit or write elsewhere." : ""
            return "cannot \(operation) '\(path)': \(reason) (errno \(errorNumber)).\(hint) "
                + "The previous output folder, if any, is unchanged."
        case .invalidPath(let path, let reason):
            return "invalid output path '\(path)': \(reason)"
        case .noParentFolder(let target, let parent):
            return "cannot create the output folder '\(target)': '\(parent)' is not an existing "
                + "folder. Create it first (mkdir -p '\(parent)') or choose another output "
                + "folder; nothing was written."
        case .notDurable(let target, let parent, let errorNumber):
            let reason = String(cString: strerror(errorNumber))
            return "the new output folder '\(target)' is in place, but syncing its parent "
                + "folder '\(parent)' failed: \(reason) (errno \(errorNumber)); its durability "
                + "is not confirmed. Check the disk; after a power loss, run again."
        case .previousOutputAside(let target, let aside, let errorNumber):
            let reason = String(cString: strerror(errorNumber))
            return "cannot rename the new output into '\(target)': \(reason) (errno "
                + "\(errorNumber)), nor move the previous output back: it waits in '\(aside)'. "
                + "The next run on '\(target)' puts it back before anything else, if the "
                + "hidden folders next to it are left as they are."
        case .ambiguousRestore(let target, let candidates):
            let names = candidates.map { "'\($0)'" }.joined(separator: ", ")
            return "output folder '\(target)' is missing, and more than one interrupted run "
                + "left a previous output next to it: \(names). Rename the one to keep to "
                + "'\(target)' (or remove them all), then run again."
        }
    }
}
