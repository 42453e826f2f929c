import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one seam through which a run writes its outputs: a folder written whole or not at all.
///
/// A run takes the lock on its target, writes every file into a fresh temporary folder next
/// to the target, and `commit()` swaps that folder into place in one atomic rename. Any failure
/// (or `abandon()`, or dropping the value) removes the temporary folder, so the previous
/// output is never partly overwritten (SPEC §8). Layout, for target `<parent>/<name>`:
///
/// - `<parent>/.<name>.lock`: the lock file, held with `flock(LOCK_EX | LOCK_NB)` while this
///   value is open. The kernel releases it if the process dies. The file itself stays.
/// - `<parent>/.<name>.tmp-<pid>`: the temporary folder files are written into.
/// - `<parent>/.<name>.old-<pid>`: the previous target, renamed aside while the new one is
///   renamed into place, only where the file system cannot exchange two folders.
/// - `<parent>/.<name>.del-<pid>`: replaced or leftover content, renamed here before it is
///   deleted, so that a deletion cut short never leaves a folder that looks restorable.
///
/// A run killed between the two renames of that fallback leaves no target, `.old-<pid>` and
/// `.tmp-<pid>`. The next run on the target renames that `.old-<pid>` back (the previous
/// target, whole: it is only ever made by one rename and never deleted in place) before it
/// removes the other leftovers. Nothing else is ever restored.
///
/// Files are written whole (`write(_:bytes:)`) or streamed (`stream(_:)`, an `OutputSink`
/// that buffers, hashes and writes in bounded memory). None is fsynced on its own: `commit()`
/// makes the whole temporary folder durable with one `syncfs(2)` before the swap, then fsyncs
/// the folders (docs/DECISIONS.md, "Output durability").
///
/// Files may be created (`write`, `stream`) and sinks closed from more than one thread at once
/// (`invoice` writes the per-customer files on one thread and the journals on another); the
/// folder's bookkeeping is under a lock. Each `OutputSink` is used by one thread, and
/// `commit()` is called once every sink is closed and the other threads are done.
public final class OutputFolder {
    /// The folder this run replaces, as given.
    public let target: String
    /// The temporary folder that files are written into until `commit()`.
    public let temporaryPath: String
    /// The hidden folder (name only) restored as the target when this run found the target
    /// missing after an interrupted swap; `nil` when nothing was restored.
    public private(set) var restoredFrom: String?

    private let parent: String
    private let name: String
    private let lockPath: String
    private let system: OutputSystemCalls
    private var lockDescriptor: Int32
    /// The temporary folder, opened right after it is created and held until commit or
    /// abandon: `syncfs` on it reports any writeback error since then (Linux 5.8+).
    private var stagingDescriptor: Int32 = -1
    /// Sinks made by `stream(_:)` and not closed yet; `commit()` requires none.
    private var openSinks = 0
    private var state = State.open
    /// Subfolders created inside the temporary folder, relative; fsynced at commit.
    private var createdFolders: Set<String> = []
    /// Files written so far, relative; each path may be written once.
    private var writtenFiles: Set<String> = []
    /// Guards the bookkeeping above against sinks created, closed or failing on several
    /// threads; recursive because a failing `stream(_:)` abandons the folder while holding it.
    private let lock = NSRecursiveLock()

    private enum State {
        case open
        case committed
        case abandoned
    }

    /// Takes the lock for `target`, removes temporary folders left by crashed earlier runs,
    /// and creates a fresh temporary folder `<parent>/.<name>.tmp-<pid>` next to the target.
    ///
    /// The parent folder must exist. A target that exists must be a folder (not a file or a
    /// symlink): replacing something else is almost certainly a wrong `--out` option.
    ///
    /// - Throws: `OutputError.noParentFolder` if the parent is missing or not a folder;
    ///   `OutputError.locked` if another process (or another `OutputFolder` in this
    ///   one) holds the lock; `OutputError.io` if the lock file or folder cannot be created;
    ///   `OutputError.invalidPath` if `target` names no folder (empty, `.`, `..`, `/`).
    public convenience init(target: String) throws {
        try self.init(target: target, system: OutputSystemCalls())
    }

    /// As `init(target:)`, making its system calls through `system` (tests inject faults).
    init(target: String, system: OutputSystemCalls) throws {
        let (parent, name) = try OutputFolder.split(target)
        self.target = target
        self.parent = parent
        self.name = name
        self.lockPath = parent + "/." + name + ".lock"
        self.temporaryPath = parent + "/." + name + ".tmp-" + String(getpid())
        self.system = system
        // Said in the user's terms before the lock file, which would fail on it first.
        var status = stat()
        let found = stat(parent, &status) == 0
        if (found && (status.st_mode & S_IFMT) != S_IFDIR)
            || (!found && (errno == ENOENT || errno == ENOTDIR))
        {
            throw OutputError.noParentFolder(target: target, parent: parent)
        }
        guard let descriptor = try system.lockExclusively(lockPath) else {
            throw OutputError.locked(target: target)
        }
        self.lockDescriptor = descriptor
        do {
            switch try system.kind(target) {
            case .other:
                throw OutputError.io(path: target, errno: ENOTDIR, operation: "replace")
            case .missing:
                restoredFrom = try restoreInterruptedSwap()
            case .folder:
                break
            }
            try removeStaleTemporaryFolders()
            try system.makeFolder(temporaryPath, existingIsFine: false)
            do {
                stagingDescriptor = try system.openFolder(temporaryPath)
            } catch {
                try? system.removeTree(temporaryPath)
                throw error
            }
        } catch {
            state = .abandoned
            system.unlock(descriptor)
            throw error
        }
    }

    deinit {
        if state == .open {
            abandon()
        }
    }

    /// Writes `bytes` to `relativePath` inside the temporary folder, creating subfolders
    /// (`"invoices/cus_1.json"`), and returns the SHA-256 of `bytes` as lowercase hex.
    ///
    /// A thin wrapper over `stream(_:)`: the same checks, the same errors. The file is made
    /// durable by `commit()`, with the rest of the folder. A path may be written once per run.
    ///
    /// - Throws: `OutputError.invalidPath` if the path is empty, absolute, has an empty, `.`
    ///   or `..` component, or was written before; the folder stays usable. `OutputError.io`
    ///   if the write fails; the folder is then abandoned (temporary folder removed, lock
    ///   released) and must not be used again.
    @discardableResult
    public func write(_ relativePath: String, bytes: [UInt8]) throws -> String {
        let sink = try stream(relativePath)
        try sink.write(bytes)
        return try sink.close()
    }

    /// Creates `relativePath` inside the temporary folder (and its subfolders) and returns a
    /// sink that streams bytes into it in bounded memory, hashing them as they are written;
    /// `OutputSink.close()` returns the digest for the manifest.
    ///
    /// Any number of sinks may be open at once; each must be closed before `commit()`.
    /// `bufferCapacity` is the sink's buffer (1 MiB unless given; tests use tiny ones).
    ///
    /// - Throws: as `write(_:bytes:)`: `OutputError.invalidPath` (folder still usable) or
    ///   `OutputError.io` (folder abandoned); `OutputError.io` with `ECANCELED` when a
    ///   failure on another thread has already abandoned the folder.
    public func stream(
        _ relativePath: String, bufferCapacity: Int = OutputSink.defaultBufferCapacity
    ) throws -> OutputSink {
        lock.lock()
        defer { lock.unlock() }
        if state == .abandoned {
            // Another thread's failure abandoned the folder while this one was still writing:
            // fail this file too (that thread's error is the one to report).
            throw OutputError.io(
                path: temporaryPath + "/" + relativePath, errno: ECANCELED, operation: "create")
        }
        precondition(state == .open, "OutputFolder.write after commit()")
        let components = try OutputFolder.validate(relativePath)
        if writtenFiles.contains(relativePath) {
            throw OutputError.invalidPath(
                path: relativePath, reason: "written twice in one run")
        }
        let path = temporaryPath + "/" + relativePath
        let descriptor: Int32
        do {
            var folder = ""
            for component in components.dropLast() {
                folder = folder.isEmpty ? component : folder + "/" + component
                if !createdFolders.contains(folder) {
                    try system.makeFolder(temporaryPath + "/" + folder, existingIsFine: true)
                    createdFolders.insert(folder)
                }
            }
            descriptor = try system.createFile(path)
        } catch {
            abandon()
            throw error
        }
        writtenFiles.insert(relativePath)
        openSinks += 1
        return OutputSink(
            relativePath: relativePath, path: path, descriptor: descriptor, folder: self,
            system: system, bufferCapacity: bufferCapacity)
    }

    /// Called by a sink once its file is complete and closed.
    func sinkClosed() {
        lock.lock()
        defer { lock.unlock() }
        openSinks -= 1
    }

    /// Makes the temporary folder durable and puts it in place of the target atomically, then
    /// releases the lock.
    ///
    /// An existing target is swapped with `renameat2(RENAME_EXCHANGE)` and the old content,
    /// now at the temporary path, is renamed to `.<name>.del-<pid>` and removed; a missing
    /// target is a plain `rename`. On file systems without `RENAME_EXCHANGE` the old target is
    /// first renamed aside: readers may then briefly see no target, but never a partial one.
    ///
    /// - Throws: `OutputError.io` if the swap itself fails: the folder is abandoned and the
    ///   previous target is untouched. `OutputError.notDurable` if only the final fsync of the
    ///   parent folder fails: the new target is in place but may not survive a power loss.
    ///   `OutputError.previousOutputAside` if, without `RENAME_EXCHANGE`, neither the new
    ///   folder nor the previous one could be renamed to the target: the next run restores.
    public func commit() throws {
        lock.lock()
        defer { lock.unlock() }
        precondition(state == .open, "OutputFolder.commit after commit() or abandon()")
        precondition(openSinks == 0, "OutputFolder.commit with an OutputSink not closed")
        // Where the previous target's content sits after the swap; `nil` if there was none.
        let replacedOld: String?
        do {
            // Every file's data and metadata at once: one syncfs instead of an fsync per file
            // (200,000 journal commits for 100,000 invoices). The folder fsyncs below then
            // find little left to do; they stay, so the names are synced on any file system.
            if try !system.syncFileSystem(stagingDescriptor, path: temporaryPath) {
                for file in writtenFiles.sorted() {
                    try system.fsyncFile(temporaryPath + "/" + file)
                }
            }
            // Deepest first is not needed for durability; sorting only makes the order fixed.
            for folder in createdFolders.sorted() {
                try system.fsyncFolder(temporaryPath + "/" + folder)
            }
            try system.fsyncFolder(temporaryPath)
            switch try system.kind(target) {
            case .missing:
                try system.rename(temporaryPath, to: target)
                replacedOld = nil
            case .folder:
                replacedOld = try swapIntoPlace()
            case .other:
                throw OutputError.io(path: target, errno: ENOTDIR, operation: "replace")
            }
        } catch {
            if case OutputError.previousOutputAside = error {
                // The new folder stays too: `.old-<pid>` next to `.tmp-<pid>` is what tells
                // the next run that `.old-<pid>` is the previous output to put back.
                state = .abandoned
                closeStagingDescriptor()
                system.unlock(lockDescriptor)
            } else {
                abandon()
            }
            throw error
        }
        state = .committed
        closeStagingDescriptor()
        defer { system.unlock(lockDescriptor) }
        defer {
            if let replacedOld {
                // Best effort: the new output is already in place. Renamed first so that a
                // kill during the deletion leaves a `.del-` folder, which is never restored;
                // anything left is removed by the next run on this target, under the lock.
                let deleting = leftoverPath("del", getpid())
                if (try? system.rename(replacedOld, to: deleting)) != nil {
                    try? system.removeTree(deleting)
                }
            }
        }
        do {
            try system.fsyncFolder(parent)
        } catch OutputError.io(_, let errorNumber, _) {
            // The swap happened: saying the previous output is unchanged would be false.
            throw OutputError.notDurable(target: target, parent: parent, errno: errorNumber)
        }
    }

    /// Removes the temporary folder, leaving any previous target untouched, and releases the
    /// lock. Does nothing after `commit()` or a previous `abandon()`.
    ///
    /// Called on every failure path inside this type, and from `deinit` when neither
    /// `commit()` nor `abandon()` ran.
    public func abandon() {
        lock.lock()
        defer { lock.unlock() }
        guard state == .open else { return }
        state = .abandoned
        closeStagingDescriptor()
        // Best effort: a leftover is removed by the next run on this target, under the lock.
        try? system.removeTree(temporaryPath)
        system.unlock(lockDescriptor)
    }

    /// Closes the temporary folder's descriptor once; it only ever served `syncfs`.
    private func closeStagingDescriptor() {
        if stagingDescriptor >= 0 {
            _ = Glibc.close(stagingDescriptor)
            stagingDescriptor = -1
        }
    }

    // MARK: Private

    /// Exchanges the temporary folder with the existing target. Where the file system cannot
    /// exchange, renames the target aside to `.<name>.old-<pid>` and the temporary folder into
    /// place, moving the old one back if the second rename fails. Returns where the previous
    /// target's content now is.
    private func swapIntoPlace() throws -> String {
        do {
            try system.exchange(temporaryPath, target)
            return temporaryPath
        } catch OutputError.io(_, let errorNumber, _)
            where errorNumber == EINVAL || errorNumber == ENOSYS
        {
            // Fall through to two renames.
        }
        let asidePath = leftoverPath("old", getpid())
        try system.rename(target, to: asidePath)
        do {
            try system.rename(temporaryPath, to: target)
        } catch let intoPlace {
            do {
                try system.rename(asidePath, to: target)
            } catch {
                // Saying the previous output is unchanged would be false: it is aside, and
                // `restoreInterruptedSwap` of the next run puts it back (`commit` keeps the
                // temporary folder for that).
                guard case OutputError.io(_, let errorNumber, _) = intoPlace else {
                    throw intoPlace
                }
                throw OutputError.previousOutputAside(
                    target: target, aside: asidePath, errno: errorNumber)
            }
            throw intoPlace
        }
        // `commit()` removes the old content after the swap. A kill before that leaves
        // `.old-<pid>` without `.tmp-<pid>`, which the next run removes and never restores.
        return asidePath
    }

    /// Puts the previous target back in place of the missing target after a two-rename swap
    /// that was cut short, and returns the name of the folder restored; `nil` when there is
    /// none.
    ///
    /// The signature is exact: no target, and `.<name>.old-<digits>` next to
    /// `.<name>.tmp-<digits>` of the same digits. Only two states make it: a run killed
    /// between the fallback's first and second rename, and `previousOutputAside`. In both the
    /// `.old-` folder is the previous target, whole. A `.tmp-` folder is never restored: it
    /// may be a failed run's output or a replaced one being deleted. An `.old-` folder alone is
    /// the replaced target of a run that did commit (its `.tmp-` became the target), so it is
    /// stale once the target is gone.
    ///
    /// - Throws: `OutputError.ambiguousRestore` if more than one pair matches, which no
    ///   sequence of runs makes: which is the previous output is then not known.
    private func restoreInterruptedSwap() throws -> String? {
        var candidates: [String] = []
        for entry in try system.names(in: parent) {
            guard let found = leftover(entry), found.kind == "old",
                try system.kind(parent + "/" + entry) == .folder,
                try system.kind(leftoverPath("tmp", found.digits)) == .folder
            else { continue }
            candidates.append(entry)
        }
        if candidates.count > 1 {
            throw OutputError.ambiguousRestore(target: target, candidates: candidates)
        }
        guard let chosen = candidates.first else { return nil }
        try system.rename(parent + "/" + chosen, to: target)
        try system.fsyncFolder(parent)
        return chosen
    }

    /// The path of the hidden sibling `.<name>.<kind>-<digits>`.
    private func leftoverPath(_ kind: String, _ digits: some CustomStringConvertible) -> String {
        parent + "/." + name + "." + kind + "-" + digits.description
    }

    /// The kind (`tmp`, `old` or `del`) and digits of a `.<name>.<kind>-<digits>` name; `nil`
    /// for any other name.
    private func leftover(_ entry: String) -> (kind: String, digits: String)? {
        for kind in ["tmp", "old", "del"] {
            let prefix = "." + name + "." + kind + "-"
            guard entry.hasPrefix(prefix) else { continue }
            let suffix = entry.utf8.dropFirst(prefix.utf8.count)
            if !suffix.isEmpty && suffix.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                return (kind, String(decoding: suffix, as: UTF8.self))
            }
        }
        return nil
    }

    /// Removes `.<name>.tmp-<digits>`, `.<name>.old-<digits>` and `.<name>.del-<digits>`
    /// siblings of the target. `.del-` folders go first; each other one is renamed to
    /// `.<name>.del-<digits>` before it is deleted, so a kill during the deletion never leaves
    /// a part of it under a name that `restoreInterruptedSwap` looks at.
    ///
    /// Called with the lock held, which proves that no live run owns them: a run keeps the
    /// lock from before it creates its temporary folder until after that folder is gone or in
    /// place. This is stronger than asking whether the pid still runs, which pid reuse fools.
    private func removeStaleTemporaryFolders() throws {
        let entries = try system.names(in: parent)
        for entry in entries where leftover(entry)?.kind == "del" {
            try system.removeTree(parent + "/" + entry)
        }
        for entry in entries {
            guard let found = leftover(entry), found.kind != "del" else { continue }
            let deleting = leftoverPath("del", found.digits)
            try system.rename(parent + "/" + entry, to: deleting)
            try system.removeTree(deleting)
        }
    }

    /// Splits a target into its parent folder and last component, ignoring trailing slashes.
    private static func split(_ target: String) throws -> (parent: String, name: String) {
        var trimmed = Substring(target)
        while trimmed.count > 1 && trimmed.hasSuffix("/") {
            trimmed = trimmed.dropLast()
        }
        let parent: String
        let name: String
        if let slash = trimmed.lastIndex(of: "/") {
            let before = trimmed[..<slash]
            parent = before.isEmpty ? "/" : String(before)
            name = String(trimmed[trimmed.index(after: slash)...])
        } else {
            parent = "."
            name = String(trimmed)
        }
        if name.isEmpty || name == "." || name == ".." || name.utf8.contains(0) {
            throw OutputError.invalidPath(
                path: target, reason: "does not name a folder; give a path such as 'out/2026-10'")
        }
        return (parent, name)
    }

    /// The components of a relative path, or an error if it could leave the folder.
    private static func validate(_ relativePath: String) throws -> [String] {
        func reject(_ reason: String) -> OutputError {
            .invalidPath(path: relativePath, reason: reason)
        }
        if relativePath.isEmpty { throw reject("empty") }
        if relativePath.hasPrefix("/") { throw reject("absolute; paths are relative") }
        if relativePath.utf8.contains(0) { throw reject("contains a NUL byte") }
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        for component in components {
            if component.isEmpty { throw reject("has an empty component") }
            if component == "." || component == ".." {
                throw reject("has a '\(component)' component; paths stay inside the folder")
            }
        }
        return components.map(String.init)
    }
}
