import Foundation

#if canImport(Glibc)
import Glibc
#endif

// Every Glibc call an output folder makes goes through this file: one thin, typed layer that
// turns `-1`/`errno` into `OutputError.io`, retries `EINTR`, and lets tests make the Nth call of
// a kind fail (the swift-system `Mocking.swift` idea, scoped to one `OutputFolder` instead of a
// global so parallel tests cannot disturb each other).

/// The C calls an `OutputFolder` makes, with optional injected failures for tests.
final class OutputSystemCalls {
    /// The kinds of call a test can make fail.
    enum Call: Hashable {
        /// `open(2)` of a file being written (not lock files or folders being synced).
        case open
        /// One `write(2)` call; a file of n bytes normally takes one, an empty file none.
        case write
        /// `fsync(2)` of a written file or of a folder.
        case fsync
        /// `mkdir(2)` of the temporary folder or a subfolder inside it.
        case mkdir
        /// `rename(2)` or `renameat2(2)` with `RENAME_EXCHANGE`.
        case rename
    }

    /// One injected failure: the `occurrence`-th call (1-based) of `call` fails with `errno`.
    struct Fault {
        var call: Call
        var occurrence: Int
        var errno: Int32
    }

    private let faults: [Fault]
    private var callCounts: [Call: Int] = [:]
    /// Sinks of one folder may write on several threads (`OutputFolder`): the counts are
    /// shared, so they are counted under a lock.
    private let countLock = NSLock()

    /// Real calls, failing where `faults` says.
    init(faults: [Fault] = []) {
        for fault in faults {
            precondition(fault.occurrence >= 1, "fault occurrences are 1-based")
        }
        self.faults = faults
    }

    /// Counts a call of `call` and returns the errno to fail it with, if a fault says so.
    private func injectedErrno(_ call: Call) -> Int32? {
        // Real runs inject nothing: no counting, no lock.
        if faults.isEmpty { return nil }
        countLock.lock()
        defer { countLock.unlock() }
        let count = callCounts[call, default: 0] + 1
        callCounts[call] = count
        return faults.first { $0.call == call && $0.occurrence == count }?.errno
    }

    // MARK: Files

    /// Creates a new file for writing; fails if it exists (`O_EXCL`) or is reached by a symlink.
    func createFile(_ path: String) throws -> Int32 {
        if let injected = injectedErrno(.open) {
            throw OutputError.io(path: path, errno: injected, operation: "create")
        }
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW
        return try retryingInterrupts(path: path, operation: "create") {
            Glibc.open(path, flags, 0o644)
        }
    }

    /// Writes all of `bytes`, looping over short writes.
    func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(descriptor, $0, path: path) }
    }

    /// Writes all of `buffer`, looping over short writes.
    func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < buffer.count {
            if let injected = injectedErrno(.write) {
                throw OutputError.io(path: path, errno: injected, operation: "write")
            }
            let written = Glibc.write(
                descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                let error = errno
                if error == EINTR { continue }
                throw OutputError.io(path: path, errno: error, operation: "write")
            }
            offset += written
        }
    }

    /// Flushes a file or folder to stable storage.
    func fsync(_ descriptor: Int32, path: String) throws {
        if let injected = injectedErrno(.fsync) {
            throw OutputError.io(path: path, errno: injected, operation: "fsync")
        }
        _ = try retryingInterrupts(path: path, operation: "fsync") { Glibc.fsync(descriptor) }
    }

    /// Closes a descriptor. Linux releases the descriptor even when close reports an error, so
    /// it is never retried; the error is still reported because it can mean lost data.
    func close(_ descriptor: Int32, path: String) throws {
        if Glibc.close(descriptor) != 0 {
            let error = errno
            if error == EINTR { return }
            throw OutputError.io(path: path, errno: error, operation: "close")
        }
    }

    /// Opens a folder read-only and fsyncs it, so the names in it are durable.
    func fsyncFolder(_ path: String) throws {
        let descriptor = try openFolder(path)
        do {
            try fsync(descriptor, path: path)
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
        try close(descriptor, path: path)
    }

    /// Opens a folder read-only (for `fsync` or `syncFileSystem`).
    func openFolder(_ path: String) throws -> Int32 {
        try retryingInterrupts(path: path, operation: "open folder") {
            Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
    }

    /// `syncfs(2)`: flushes every file of the file system holding `descriptor` to stable
    /// storage, data and metadata, in one call. Counted and failed by tests as `.fsync`.
    ///
    /// Since Linux 5.8 it reports a writeback error of that file system seen since
    /// `descriptor` was opened (the superblock's error sequence is sampled at open), so the
    /// caller opens the descriptor before writing the files it must make durable. Returns
    /// false, without syncing, where the C library has no `syncfs` (callers then fsync each
    /// file).
    func syncFileSystem(_ descriptor: Int32, path: String) throws -> Bool {
        if let injected = injectedErrno(.fsync) {
            throw OutputError.io(path: path, errno: injected, operation: "sync")
        }
        guard let syncfs = OutputSystemCalls.syncfs else { return false }
        _ = try retryingInterrupts(path: path, operation: "sync") { syncfs(descriptor) }
        return true
    }

    /// Opens a written file again and fsyncs it: the fallback of `syncFileSystem`.
    func fsyncFile(_ path: String) throws {
        let descriptor = try retryingInterrupts(path: path, operation: "open") {
            Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        }
        do {
            try fsync(descriptor, path: path)
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
        try close(descriptor, path: path)
    }

    private typealias SyncFS = @convention(c) (Int32) -> Int32

    /// glibc's `syncfs` (2.14+), looked up at run time: Swift does not import it (it is
    /// declared only under `_GNU_SOURCE`). `nil` where the C library lacks it.
    private static let syncfs: SyncFS? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: SyncFS.self)
    }()

    // MARK: Folders

    /// Creates a folder; with `existingIsFine`, an existing one (`EEXIST`) is not an error.
    func makeFolder(_ path: String, existingIsFine: Bool) throws {
        if let injected = injectedErrno(.mkdir) {
            throw OutputError.io(path: path, errno: injected, operation: "create folder")
        }
        if Glibc.mkdir(path, 0o755) != 0 {
            let error = errno
            if error == EEXIST && existingIsFine { return }
            throw OutputError.io(path: path, errno: error, operation: "create folder")
        }
    }

    /// What is at a path, without following a final symlink.
    enum Kind: Equatable {
        case missing
        case folder
        case other
    }

    /// The kind of file at `path` (`lstat`).
    func kind(_ path: String) throws -> Kind {
        var status = stat()
        if lstat(path, &status) != 0 {
            let error = errno
            if error == ENOENT { return .missing }
            throw OutputError.io(path: path, errno: error, operation: "inspect")
        }
        return (status.st_mode & S_IFMT) == S_IFDIR ? .folder : .other
    }

    /// The names in a folder except `.` and `..`, sorted by bytes so callers never depend on
    /// the file system's order.
    func names(in folder: String) throws -> [String] {
        guard let directory = opendir(folder) else {
            throw OutputError.io(path: folder, errno: errno, operation: "list folder")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 {
                    throw OutputError.io(path: folder, errno: errno, operation: "list folder")
                }
                break
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." {
                names.append(name)
            }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Removes a file, symlink or whole folder tree at `path`; a missing path is not an error.
    /// Symlinks are removed, never followed.
    func removeTree(_ path: String) throws {
        switch try kind(path) {
        case .missing:
            return
        case .other:
            if unlink(path) != 0 && errno != ENOENT {
                throw OutputError.io(path: path, errno: errno, operation: "remove")
            }
        case .folder:
            for name in try names(in: path) {
                try removeTree(path + "/" + name)
            }
            if rmdir(path) != 0 && errno != ENOENT {
                throw OutputError.io(path: path, errno: errno, operation: "remove folder")
            }
        }
    }

    // MARK: Renames

    /// `rename(2)`: moves `source` to `destination`.
    func rename(_ source: String, to destination: String) throws {
        if let injected = injectedErrno(.rename) {
            throw OutputError.io(path: destination, errno: injected, operation: "rename")
        }
        _ = try retryingInterrupts(path: destination, operation: "rename") {
            Glibc.rename(source, destination)
        }
    }

    /// `renameat2(2)` with `RENAME_EXCHANGE`: swaps two existing paths in one atomic step.
    /// Throws with `EINVAL` or `ENOSYS` where the file system or kernel cannot exchange.
    func exchange(_ first: String, _ second: String) throws {
        if let injected = injectedErrno(.rename) {
            throw OutputError.io(path: second, errno: injected, operation: "exchange")
        }
        guard let renameat2 = OutputSystemCalls.renameat2 else {
            throw OutputError.io(path: second, errno: ENOSYS, operation: "exchange")
        }
        // RENAME_EXCHANGE from <linux/fs.h>, which Swift's Glibc module does not import.
        let renameExchange: UInt32 = 1 << 1
        _ = try retryingInterrupts(path: second, operation: "exchange") {
            renameat2(AT_FDCWD, first, AT_FDCWD, second, renameExchange)
        }
    }

    private typealias RenameAt2 = @convention(c) (
        Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32
    ) -> Int32

    /// glibc's `renameat2` (2.28+), looked up at run time: Swift imports neither the function
    /// (declared only under `_GNU_SOURCE`) nor `SYS_renameat2`, and cannot call the variadic
    /// `syscall`. `nil` on an older C library; callers then fall back to two renames.
    private static let renameat2: RenameAt2? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    // MARK: Locks

    /// Opens (creating if needed) a lock file and takes `flock(LOCK_EX | LOCK_NB)` on it.
    /// Returns the descriptor holding the lock, or `nil` if another open file holds it.
    /// `O_CLOEXEC` keeps the lock from leaking into child processes, which would keep it held
    /// after this process dies.
    func lockExclusively(_ path: String) throws -> Int32? {
        let descriptor = try retryingInterrupts(path: path, operation: "open lock file") {
            Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            if error == EINTR { continue }
            _ = Glibc.close(descriptor)
            if error == EWOULDBLOCK { return nil }
            throw OutputError.io(path: path, errno: error, operation: "lock")
        }
        return descriptor
    }

    /// Releases a lock taken by `lockExclusively` by closing its descriptor. The lock file stays:
    /// removing it would let a waiting run lock a file that a third run then recreates.
    func unlock(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    // MARK: Helpers

    private func retryingInterrupts(
        path: String, operation: String, _ call: () -> Int32
    ) throws -> Int32 {
        while true {
            let result = call()
            if result >= 0 { return result }
            let error = errno
            if error != EINTR {
                throw OutputError.io(path: path, errno: error, operation: operation)
            }
        }
    }
}
