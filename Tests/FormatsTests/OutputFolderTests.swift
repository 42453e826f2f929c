import Foundation
import TestSupport
import XCTest

@testable import Formats

#if canImport(Glibc)
import Glibc
#endif

final class OutputFolderTests: XCTestCase {
    private var scratch = ""
    private var target: String { scratch + "/out" }
    private var lockPath: String { scratch + "/.out.lock" }
    private var temporaryName: String { ".out.tmp-\(getpid())" }

    override func setUpWithError() throws {
        scratch = try makeTemporaryDirectory().path
    }

    // MARK: Helpers

    /// Every file (path → bytes) and folder (path + "/" → []) under `root`, by relative path.
    private func snapshot(_ root: String) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: root) {
            let path = root + "/" + name
            var isFolder: ObjCBool = false
            XCTAssertTrue(FileManager.default.fileExists(atPath: path, isDirectory: &isFolder))
            if isFolder.boolValue {
                result[name + "/"] = []
                for (inner, bytes) in try snapshot(path) {
                    result[name + "/" + inner] = bytes
                }
            } else {
                result[name] = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            }
        }
        return result
    }

    private func names(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    private func makeFile(_ path: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// A previous run's output: two files, one in a subfolder, one with non-UTF-8 bytes.
    private func makePreviousOutput() throws -> [String: [UInt8]] {
        try makeFile(target + "/usage.ndjson", "old\n")
        try makeFile(target + "/invoices/cus_1.json", "{}\n")
        try Data([0xFF, 0x00, 0x0A]).write(to: URL(fileURLWithPath: target + "/raw.bin"))
        let previous = try snapshot(target)
        XCTAssertEqual(previous, [
            "usage.ndjson": Array("old\n".utf8), "invoices/": [],
            "invoices/cus_1.json": Array("{}\n".utf8), "raw.bin": [0xFF, 0x00, 0x0A],
        ])
        return previous
    }

    private func assertLocked(
        _ make: @autoclosure () throws -> OutputFolder, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try make(), file: file, line: line) { error in
            XCTAssertEqual(error as? OutputError, .locked(target: self.target),
                           file: file, line: line)
        }
    }

    private func flockPath() throws -> String {
        let path = "/usr/bin/flock"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: path),
                          "util-linux flock(1) is needed to hold the lock from another process")
        return path
    }

    /// Starts `flock(1)` holding our lock file in another process until its stdin closes;
    /// returns once the lock is held. `--close` keeps the lock in `flock` itself, not its child.
    private func startLockHolder() throws -> (process: Process, stdin: Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try flockPath())
        process.arguments = [
            "--exclusive", "--close", lockPath, "sh", "-c", "echo held; exec cat >/dev/null",
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let announcement = output.fileHandleForReading.readData(ofLength: 5)
        XCTAssertEqual(String(decoding: announcement, as: UTF8.self), "held\n")
        return (process, input)
    }

    /// Exit status of `flock --nonblock` on our lock file from another process: 0 if it could
    /// take the lock, 75 if the lock is held.
    private func otherProcessTryLockStatus() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try flockPath())
        process.arguments = ["--nonblock", "--conflict-exit-code", "75", lockPath, "true"]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    // MARK: Commit

    func testCommitCreatesMissingTargetAndReturnsDigests() throws {
        let folder = try OutputFolder(target: target)
        XCTAssertEqual(folder.temporaryPath, scratch + "/" + temporaryName)
        // printf '{"customer":"cus_1"}\n' | sha256sum
        let digest = try folder.write(
            "invoices/cus_1.json", bytes: Array("{\"customer\":\"cus_1\"}\n".utf8))
        XCTAssertEqual(digest, "a86e3e3f6bbd03e3790419bbd79af3c06ef9296408293cbaa50837f70b102116")
        // printf '' | sha256sum
        XCTAssertEqual(
            try folder.write("empty.csv", bytes: []),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(try names(scratch), [".out.lock", temporaryName])
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
        try folder.commit()
        XCTAssertEqual(try snapshot(target), [
            "invoices/": [], "invoices/cus_1.json": Array("{\"customer\":\"cus_1\"}\n".utf8),
            "empty.csv": [],
        ])
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }

    func testCommitReplacesExistingFolderWholly() throws {
        _ = try makePreviousOutput()
        let folder = try OutputFolder(target: target)
        try folder.write("usage.ndjson", bytes: Array("new\n".utf8))
        try folder.write("rated/part.ndjson", bytes: Array("r\n".utf8))
        try folder.commit()
        // invoices/ and raw.bin were in the old folder only: they are gone.
        XCTAssertEqual(try snapshot(target), [
            "usage.ndjson": Array("new\n".utf8), "rated/": [], "rated/part.ndjson": [0x72, 0x0A],
        ])
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }

    func testTrailingSlashOnTargetIsIgnored() throws {
        let folder = try OutputFolder(target: target + "/")
        try folder.write("a", bytes: [0x61])
        try folder.commit()
        XCTAssertEqual(try snapshot(target), ["a": [0x61]])
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }

    func testExchangeSwapsTwoFolders() throws {
        try makeFile(scratch + "/a/x", "x")
        try makeFile(scratch + "/b/y", "y")
        try OutputSystemCalls().exchange(scratch + "/a", scratch + "/b")
        XCTAssertEqual(try snapshot(scratch + "/a"), ["y": [0x79]])
        XCTAssertEqual(try snapshot(scratch + "/b"), ["x": [0x78]])
    }

    // MARK: Lock

    func testSecondFolderInSameProcessIsLockedUntilFirstFinishes() throws {
        let first = try OutputFolder(target: target)
        assertLocked(try OutputFolder(target: target))
        first.abandon()
        let second = try OutputFolder(target: target)
        assertLocked(try OutputFolder(target: target))
        try second.write("a", bytes: [0x61])
        try second.commit()
        let third = try OutputFolder(target: target)
        third.abandon()
    }

    func testLockedWhileAnotherProcessHoldsTheLock() throws {
        let holder = try startLockHolder()
        assertLocked(try OutputFolder(target: target))
        // Ending the holder's input ends `cat`, then `flock`, which releases the lock.
        try holder.stdin.fileHandleForWriting.close()
        holder.process.waitUntilExit()
        XCTAssertEqual(holder.process.terminationStatus, 0)
        let folder = try OutputFolder(target: target)
        folder.abandon()
    }

    func testLockIsReleasedWhenTheHoldingProcessIsKilled() throws {
        let holder = try startLockHolder()
        assertLocked(try OutputFolder(target: target))
        XCTAssertEqual(kill(holder.process.processIdentifier, SIGKILL), 0)
        // `cat` (flock's child) keeps running, but never held the lock. Foundation's
        // waitUntilExit waits for it too (it inherits a status socket), so poll instead:
        // the kernel releases the lock as soon as `flock` is gone.
        var folder: OutputFolder?
        for _ in 0..<500 where folder == nil {
            do {
                folder = try OutputFolder(target: target)
            } catch OutputError.locked {
                usleep(10_000)
            }
        }
        XCTAssertNotNil(folder, "lock still held 5 s after its holder was killed")
        folder?.abandon()
        try holder.stdin.fileHandleForWriting.close()
        holder.process.waitUntilExit()
        XCTAssertEqual(holder.process.terminationReason, .uncaughtSignal)
    }

    func testAnotherProcessSeesOurLock() throws {
        let folder = try OutputFolder(target: target)
        XCTAssertEqual(try otherProcessTryLockStatus(), 75)
        folder.abandon()
        XCTAssertEqual(try otherProcessTryLockStatus(), 0)
    }

    func testLockedMessageSaysWhatToDo() {
        let message = OutputError.locked(target: "out/2026-10").description
        XCTAssertEqual(
            message,
            "output folder 'out/2026-10' is locked: another run is writing it. "
                + "Wait for that run to finish, or choose another output folder. "
                + "The lock is released by the system when the holding process exits.")
    }

    // MARK: Abandon and failures

    func testAbandonLeavesPreviousContentByteIdentical() throws {
        let previous = try makePreviousOutput()
        let folder = try OutputFolder(target: target)
        try folder.write("usage.ndjson", bytes: Array("new\n".utf8))
        folder.abandon()
        folder.abandon()  // A second abandon does nothing.
        XCTAssertEqual(try snapshot(target), previous)
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }

    func testDroppingWithoutCommitAbandons() throws {
        let previous = try makePreviousOutput()
        func run() throws {
            let folder = try OutputFolder(target: target)
            try folder.write("usage.ndjson", bytes: Array("new\n".utf8))
            XCTAssertEqual(try names(scratch), [".out.lock", temporaryName, "out"])
        }
        try run()
        XCTAssertEqual(try snapshot(target), previous)
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
        let next = try OutputFolder(target: target)  // The lock was released.
        next.abandon()
    }

    func testInjectedWriteFailureLeavesPreviousOutputUntouched() throws {
        let previous = try makePreviousOutput()
        let system = OutputSystemCalls(faults: [.init(call: .write, occurrence: 3, errno: ENOSPC)])
        let folder = try OutputFolder(target: target, system: system)
        try folder.write("usage.ndjson", bytes: Array("new\n".utf8))
        try folder.write("invoices/cus_2.json", bytes: Array("{}\n".utf8))
        XCTAssertThrowsError(try folder.write("rated.ndjson", bytes: [0x0A])) { error in
            XCTAssertEqual(
                error as? OutputError,
                .io(path: folder.temporaryPath + "/rated.ndjson", errno: ENOSPC,
                    operation: "write"))
        }
        // The failed write abandoned the run: no temporary folder, lock released.
        XCTAssertEqual(try snapshot(target), previous)
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
        let next = try OutputFolder(target: target)
        next.abandon()
    }

    func testWritingAfterAnotherThreadAbandonedIsCanceled() throws {
        let previous = try makePreviousOutput()
        let folder = try OutputFolder(target: target)
        let open = try folder.stream("journal.csv")
        folder.abandon()  // As a failing sink on another thread does.
        XCTAssertThrowsError(try folder.write("invoices/cus_1.json", bytes: [0x0A])) { error in
            XCTAssertEqual(
                error as? OutputError,
                .io(path: folder.temporaryPath + "/invoices/cus_1.json", errno: ECANCELED,
                    operation: "create"))
        }
        // A sink opened before still closes (its file is gone with the folder).
        XCTAssertEqual(
            try open.close(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(try snapshot(target), previous)
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }

    func testFilesWrittenFromTwoThreadsAreAllCommitted() throws {
        let folder = try OutputFolder(target: target)
        let sink = try folder.stream("journal.csv", bufferCapacity: 16)
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                for index in 0..<300 {
                    _ = try? folder.write("invoices/c\(index).json", bytes: Array("\(index)\n".utf8))
                }
            } else {
                for index in 0..<300 { try? sink.write("row \(index)\n") }
                _ = try? sink.close()
            }
        }
        try folder.commit()
        let files = try snapshot(target)
        XCTAssertEqual(files.count, 302)  // 300 invoices, their folder and the journal
        for index in 0..<300 {
            XCTAssertEqual(files["invoices/c\(index).json"], Array("\(index)\n".utf8))
        }
        XCTAssertEqual(
            files["journal.csv"], Array((0..<300).map { "row \($0)\n" }.joined().utf8))
    }

    func testIOErrorMessageNamesPathAndErrno() {
        let message = OutputError.io(path: "out/a", errno: ENOSPC, operation: "write").description
        XCTAssertEqual(
            message,
            "cannot write 'out/a': No space left on device (errno 28). "
                + "The previous output folder, if any, is unchanged.")
    }

    func testInjectedFailuresAtCommitLeavePreviousOutputUntouched() throws {
        // Commit makes, in order: fsync of "invoices", fsync of the temporary folder, then
        // the exchange (rename #1). Each failure leaves the previous output as it was.
        let faults: [OutputSystemCalls.Fault] = [
            .init(call: .fsync, occurrence: 2, errno: EIO),  // the file's fsync is #1
            .init(call: .fsync, occurrence: 3, errno: EIO),
            .init(call: .rename, occurrence: 1, errno: EIO),
        ]
        let previous = try makePreviousOutput()
        for fault in faults {
            let system = OutputSystemCalls(faults: [fault])
            let folder = try OutputFolder(target: target, system: system)
            try folder.write("invoices/cus_9.json", bytes: Array("{}\n".utf8))
            XCTAssertThrowsError(try folder.commit(), "\(fault)") { error in
                guard case .io(_, let errorNumber, _)? = error as? OutputError else {
                    return XCTFail("unexpected \(error)")
                }
                XCTAssertEqual(errorNumber, EIO)
            }
            XCTAssertEqual(try snapshot(target), previous, "\(fault)")
            XCTAssertEqual(try names(scratch), [".out.lock", "out"], "\(fault)")
        }
    }

    func testInjectedMkdirFailureAbandons() throws {
        let system = OutputSystemCalls(faults: [.init(call: .mkdir, occurrence: 2, errno: EACCES)])
        let folder = try OutputFolder(target: target, system: system)  // mkdir #1: temp folder
        XCTAssertThrowsError(try folder.write("invoices/a.json", bytes: [])) { error in
            XCTAssertEqual(
                error as? OutputError,
                .io(path: folder.temporaryPath + "/invoices", errno: EACCES,
                    operation: "create folder"))
        }
        XCTAssertEqual(try names(scratch), [".out.lock"])
    }

    /// Without RENAME_EXCHANGE (EINVAL), the target goes aside and the new folder in place.
    func testFallbackWhenFileSystemCannotExchange() throws {
        _ = try makePreviousOutput()
        let system = OutputSystemCalls(faults: [.init(call: .rename, occurrence: 1, errno: EINVAL)])
        let folder = try OutputFolder(target: target, system: system)
        try folder.write("usage.ndjson", bytes: Array("new\n".utf8))
        try folder.commit()
        XCTAssertEqual(try snapshot(target), ["usage.ndjson": Array("new\n".utf8)])
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }

    /// Fallback renames: #1 exchange (EINVAL), #2 target aside, #3 new folder into place
    /// (fails here), then the old target is moved back.
    func testFallbackRestoresTargetWhenSecondRenameFails() throws {
        let previous = try makePreviousOutput()
        let system = OutputSystemCalls(faults: [
            .init(call: .rename, occurrence: 1, errno: EINVAL),
            .init(call: .rename, occurrence: 3, errno: EIO),
        ])
        let folder = try OutputFolder(target: target, system: system)
        try folder.write("usage.ndjson", bytes: Array("new\n".utf8))
        XCTAssertThrowsError(try folder.commit())
        XCTAssertEqual(try snapshot(target), previous)
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }

    // MARK: Stale folders

    /// Leftovers of crashed runs on this target are removed once the lock is held, even for
    /// a pid that is alive (pid 1): only a run holding the lock can own a temporary folder.
    func testStaleTemporaryFoldersAreRemovedWhenLockIsTaken() throws {
        try makeFile(scratch + "/.out.tmp-999999999/invoices/cus_1.json", "{}")
        try makeFile(scratch + "/.out.tmp-1/a", "a")
        try makeFile(scratch + "/.out.old-12/a", "a")
        // Not ours: other targets, and names that are not `.out.tmp-<digits>`.
        try makeFile(scratch + "/.other.tmp-5/a", "a")
        try makeFile(scratch + "/.out.tmp-abc/a", "a")
        try makeFile(scratch + "/.out.tmp-/a", "a")
        try makeFile(scratch + "/.out.tmp-x.tmp-3/a", "a")
        let folder = try OutputFolder(target: target)
        XCTAssertEqual(try names(scratch), [
            ".other.tmp-5", ".out.lock", ".out.tmp-", temporaryName, ".out.tmp-abc",
            ".out.tmp-x.tmp-3",
        ].sorted())
        XCTAssertEqual(try snapshot(folder.temporaryPath), [:])
        folder.abandon()
    }

    func testStaleFoldersAreKeptWhileLocked() throws {
        try makeFile(scratch + "/.out.tmp-999999999/a", "a")
        let holder = try startLockHolder()
        assertLocked(try OutputFolder(target: target))
        XCTAssertEqual(try names(scratch), [".out.lock", ".out.tmp-999999999"])
        try holder.stdin.fileHandleForWriting.close()
        holder.process.waitUntilExit()
    }

    // MARK: Paths

    func testPathsThatCouldEscapeAreRejected() throws {
        let folder = try OutputFolder(target: target)
        let rejected = [
            "", "/etc/passwd", "../out2/x", "a/../../x", "a/..", "./a", "a/./b", "a//b", "a/",
            "..", ".", "a\u{0}b",
        ]
        for path in rejected {
            XCTAssertThrowsError(try folder.write(path, bytes: [0x78]), path) { error in
                guard case .invalidPath(let rejectedPath, _)? = error as? OutputError else {
                    return XCTFail("unexpected \(error) for \(path)")
                }
                XCTAssertEqual(rejectedPath, path)
            }
        }
        // Nothing was written anywhere, and the folder is still usable.
        XCTAssertEqual(try snapshot(scratch), [".out.lock": [], temporaryName + "/": []])
        try folder.write("a..b/.hidden", bytes: [0x78])
        try folder.commit()
        XCTAssertEqual(try snapshot(target), ["a..b/": [], "a..b/.hidden": [0x78]])
    }

    func testWritingAPathTwiceIsRejected() throws {
        let folder = try OutputFolder(target: target)
        try folder.write("a.json", bytes: [0x31])
        XCTAssertThrowsError(try folder.write("a.json", bytes: [0x32])) { error in
            XCTAssertEqual(
                error as? OutputError,
                .invalidPath(path: "a.json", reason: "written twice in one run"))
        }
        try folder.commit()
        XCTAssertEqual(try snapshot(target), ["a.json": [0x31]])
    }

    func testTargetThatIsNotAFolderIsRefused() throws {
        try makeFile(target, "a file")
        for _ in 0..<2 {  // The second attempt shows the lock was released.
            XCTAssertThrowsError(try OutputFolder(target: target)) { error in
                XCTAssertEqual(
                    error as? OutputError, .io(path: target, errno: ENOTDIR, operation: "replace"))
            }
        }
        XCTAssertEqual(try snapshot(scratch), [".out.lock": [], "out": Array("a file".utf8)])
    }

    func testMissingParentFolderIsNamedBeforeTheLock() {
        XCTAssertThrowsError(try OutputFolder(target: scratch + "/missing/out")) { error in
            XCTAssertEqual(
                error as? OutputError,
                .noParentFolder(target: scratch + "/missing/out", parent: scratch + "/missing"))
        }
    }

    func testTargetMustNameAFolder() {
        for bad in ["", "/", scratch + "/.", scratch + "/.."] {
            XCTAssertThrowsError(try OutputFolder(target: bad), bad) { error in
                guard case .invalidPath? = error as? OutputError else {
                    return XCTFail("unexpected \(error) for \(bad)")
                }
            }
        }
    }

    // MARK: Durability and interrupted swaps (issue 8, item 16)

    /// Commit's fsyncs: #1 the file, #2 the temporary folder, then the exchange, then #3 the
    /// parent folder. When only #3 fails, the new output is in place and the error says so.
    func testParentFsyncFailureSaysTheNewOutputIsInPlace() throws {
        _ = try makePreviousOutput()
        let system = OutputSystemCalls(faults: [.init(call: .fsync, occurrence: 3, errno: EIO)])
        let folder = try OutputFolder(target: target, system: system)
        try folder.write("usage.ndjson", bytes: Array("new\n".utf8))
        XCTAssertThrowsError(try folder.commit()) { error in
            let outputError = error as? OutputError
            XCTAssertEqual(outputError, .notDurable(target: target, parent: scratch, errno: EIO))
            XCTAssertEqual(outputError?.newOutputIsInPlace, true)
            XCTAssertEqual(
                outputError?.description,
                "the new output folder '\(target)' is in place, but syncing its parent folder "
                    + "'\(scratch)' failed: Input/output error (errno 5); its durability is "
                    + "not confirmed. Check the disk; after a power loss, run again.")
        }
        XCTAssertEqual(try snapshot(target), ["usage.ndjson": Array("new\n".utf8)])
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
        let next = try OutputFolder(target: target)  // The lock was released.
        next.abandon()
    }

    /// A run killed between the fallback's two renames leaves no target, the previous output
    /// in `.out.old-<pid>` and the complete new one in `.out.tmp-<pid>`. The run did not
    /// commit, so the next run puts the previous output back, whatever the files' times say.
    func testNextRunRestoresThePreviousOutputAfterAnInterruptedFallback() throws {
        try makeFile(scratch + "/.out.old-4242/manifest.json", "old\n")
        try makeFile(scratch + "/.out.old-4242/usage.ndjson", "old usage\n")
        try makeFile(scratch + "/.out.tmp-4242/manifest.json", "new\n")
        try makeFile(scratch + "/.out.tmp-4242/usage.ndjson", "new usage\n")
        // A failed or older run's folder, even one holding a manifest, is never restored.
        try makeFile(scratch + "/.out.tmp-17/usage.ndjson", "partial\n")
        try makeFile(scratch + "/.out.tmp-18/manifest.json", "failed run\n")
        // The previous output's manifest is the older one: times play no part.
        let stamps: [(String, Int)] = [
            (".out.old-4242", 1_600_000_000), (".out.tmp-4242", 1_700_000_000),
            (".out.tmp-18", 1_800_000_000),
        ]
        for (name, seconds) in stamps {
            let path = scratch + "/" + name + "/manifest.json"
            var times = [
                timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0),
            ]
            XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
        }
        let folder = try OutputFolder(target: target)
        XCTAssertEqual(folder.restoredFrom, ".out.old-4242")
        XCTAssertEqual(try names(scratch), [".out.lock", temporaryName, "out"])
        folder.abandon()
        XCTAssertEqual(try snapshot(target), [
            "manifest.json": Array("old\n".utf8), "usage.ndjson": Array("old usage\n".utf8),
        ])
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }

    /// Only `.old-<n>` next to `.tmp-<n>` (same digits, both folders) is restored. Each of these
    /// leftovers alone is removed and nothing is restored: the target stays missing.
    func testOnlyTheExactSignatureOfAnInterruptedSwapIsRestored() throws {
        let leftovers: [(String, [String])] = [
            ("a failed run's folder", [".out.tmp-5/manifest.json"]),
            ("a replaced output being deleted", [".out.del-6/manifest.json"]),
            ("the replaced target of a committed run", [".out.old-7/manifest.json"]),
            ("a pair of different runs", [".out.old-8/manifest.json", ".out.tmp-9/a"]),
            ("a pair with a deleted half", [".out.old-10/manifest.json", ".out.del-10/a"]),
            ("names without digits are not leftovers", [".out.old-x/manifest.json", ".out.tmp-x/a"]),
        ]
        for (label, files) in leftovers {
            for file in files {
                try makeFile(scratch + "/" + file, "{}\n")
            }
            let folder = try OutputFolder(target: target)
            XCTAssertNil(folder.restoredFrom, label)
            folder.abandon()
            let kept = label.hasPrefix("names without") ? [".out.old-x", ".out.tmp-x"] : []
            XCTAssertEqual(try names(scratch), [".out.lock"] + kept, label)
            for name in kept {
                try FileManager.default.removeItem(atPath: scratch + "/" + name)
            }
        }
    }

    /// A previous output left by two interrupted swaps cannot happen through runs alone; which
    /// one to restore is then unknown, so the run stops and touches nothing.
    func testTwoInterruptedSwapsAreRefusedAndLeftAlone() throws {
        for digits in ["31", "32"] {
            try makeFile(scratch + "/.out.old-\(digits)/manifest.json", "{}\n")
            try makeFile(scratch + "/.out.tmp-\(digits)/manifest.json", "{}\n")
        }
        var before = try snapshot(scratch)
        before[".out.lock"] = []  // Only the lock file is new.
        for _ in 0..<2 {  // The second attempt shows the lock was released.
            XCTAssertThrowsError(try OutputFolder(target: target)) { error in
                XCTAssertEqual(
                    error as? OutputError,
                    .ambiguousRestore(target: target, candidates: [".out.old-31", ".out.old-32"]))
                XCTAssertEqual(
                    (error as? OutputError)?.description,
                    "output folder '\(target)' is missing, and more than one interrupted run "
                        + "left a previous output next to it: '.out.old-31', '.out.old-32'. "
                        + "Rename the one to keep to '\(target)' (or remove them all), then run "
                        + "again.")
            }
        }
        XCTAssertEqual(try snapshot(scratch), before)
    }

    /// Review finding 4(b), through the real commit: the replaced output, left behind by a run
    /// stopped during its cleanup, is never brought back after the user removes the target.
    /// Exchange: rename #1 swaps, #2 renames the old content to `.del-` (fails here, as if
    /// killed before it). Fallback: #1 (EINVAL), #2 aside, #3 into place, #4 to `.del-`.
    func testReplacedOutputLeftByAnInterruptedCleanupIsNeverRestored() throws {
        let cases: [(String, [OutputSystemCalls.Fault], String)] = [
            ("exchange", [.init(call: .rename, occurrence: 2, errno: EIO)], temporaryName),
            ("fallback", [
                .init(call: .rename, occurrence: 1, errno: EINVAL),
                .init(call: .rename, occurrence: 4, errno: EIO),
            ], ".out.old-\(getpid())"),
        ]
        for (label, faults, leftover) in cases {
            try makeFile(target + "/manifest.json", "previous\n")
            let system = OutputSystemCalls(faults: faults)
            let folder = try OutputFolder(target: target, system: system)
            try folder.write("manifest.json", bytes: Array("new\n".utf8))
            try folder.commit()
            XCTAssertEqual(try snapshot(target), ["manifest.json": Array("new\n".utf8)], label)
            XCTAssertEqual(try names(scratch), [".out.lock", leftover, "out"].sorted(), label)
            XCTAssertEqual(
                try snapshot(scratch + "/" + leftover),
                ["manifest.json": Array("previous\n".utf8)], label)
            // `rm -rf out`, then a run that fails: no output folder appears.
            try FileManager.default.removeItem(atPath: target)
            let next = try OutputFolder(target: target)
            XCTAssertNil(next.restoredFrom, label)
            next.abandon()
            XCTAssertEqual(try names(scratch), [".out.lock"], label)
        }
    }

    /// A run killed while deleting the replaced output leaves part of `.out.del-<pid>` (the
    /// deletion goes in byte order, so `manifest.json` may outlive `invoices/`), and older
    /// versions left such a part under `.out.tmp-<pid>`. After `rm -rf out`, neither is restored.
    func testPartlyDeletedOutputIsNeverRestored() throws {
        try makeFile(scratch + "/.out.del-4242/manifest.json", "stale\n")
        try makeFile(scratch + "/.out.del-4242/rated.ndjson", "stale\n")
        try makeFile(scratch + "/.out.tmp-4243/manifest.json", "stale\n")
        let folder = try OutputFolder(target: target)
        XCTAssertNil(folder.restoredFrom)
        XCTAssertEqual(try names(scratch), [".out.lock", temporaryName])
        folder.abandon()
        XCTAssertEqual(try names(scratch), [".out.lock"])
    }

    /// Fallback renames: #1 exchange (EINVAL), #2 target aside, #3 new folder into place
    /// (fails), #4 moving the old one back (fails too). The target is gone for now, the previous
    /// output waits in `.out.old-<pid>` next to `.out.tmp-<pid>`, and the next run restores it.
    func testPreviousOutputIsRestoredWhenTheFallbackCannotMoveItBack() throws {
        try makeFile(target + "/manifest.json", "{}\n")
        let previous = try snapshot(target)
        let system = OutputSystemCalls(faults: [
            .init(call: .rename, occurrence: 1, errno: EINVAL),
            .init(call: .rename, occurrence: 3, errno: EIO),
            .init(call: .rename, occurrence: 4, errno: EIO),
        ])
        let folder = try OutputFolder(target: target, system: system)
        try folder.write("manifest.json", bytes: Array("new\n".utf8))
        XCTAssertThrowsError(try folder.commit()) { error in
            XCTAssertEqual(
                error as? OutputError,
                .previousOutputAside(
                    target: target, aside: scratch + "/.out.old-\(getpid())", errno: EIO))
            XCTAssertEqual(
                (error as? OutputError)?.description,
                "cannot rename the new output into '\(target)': Input/output error (errno 5), "
                    + "nor move the previous output back: it waits in "
                    + "'\(scratch)/.out.old-\(getpid())'. The next run on '\(target)' puts it "
                    + "back before anything else, if the hidden folders next to it are left as "
                    + "they are.")
        }
        // The new folder stays next to the previous output: together they mark it to restore.
        XCTAssertEqual(
            try names(scratch), [".out.lock", ".out.old-\(getpid())", temporaryName])
        let next = try OutputFolder(target: target)
        XCTAssertEqual(next.restoredFrom, ".out.old-\(getpid())")
        next.abandon()
        XCTAssertEqual(try snapshot(target), previous)
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }

    /// With a target in place, leftovers are only removed, never restored over it.
    func testLeftoversAreNotRestoredOverAnExistingTarget() throws {
        let previous = try makePreviousOutput()
        try makeFile(scratch + "/.out.tmp-77/manifest.json", "leftover\n")
        let folder = try OutputFolder(target: target)
        XCTAssertNil(folder.restoredFrom)
        folder.abandon()
        XCTAssertEqual(try snapshot(target), previous)
        XCTAssertEqual(try names(scratch), [".out.lock", "out"])
    }
}
