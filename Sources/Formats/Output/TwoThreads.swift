import Foundation

/// Two jobs at once: one on the calling thread, the other on a thread of its own.
///
/// `invoice` writes the per-customer files (file creation, mostly kernel time) while the
/// journals, wallets and self-checks are computed and written beside them; both jobs only read
/// what they share, and each writes its own files, so the bytes do not depend on timing.
public enum TwoThreads {
    /// Runs `main` on the calling thread and `other` on a new thread, waits for both, and
    /// returns both results.
    ///
    /// When a job throws, the other still runs to its end (it is never left running after this
    /// returns), then the error thrown first in time is rethrown: a failure that abandons a
    /// shared output folder makes the other job fail as a consequence, and the cause is the
    /// error to report. Errors that do not depend on timing (a check that fails, an amount that
    /// overflows) are thrown by one job only, so which one is reported is fixed too.
    public static func run<First, Second>(
        _ main: () throws -> First, alongside other: @escaping () throws -> Second
    ) throws -> (First, Second) {
        let state = Outcome<Second>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                state.second = .success(try other())
            } catch {
                state.second = .failure(error)
                state.recordFailure(error)
            }
            done.signal()
        }
        // The default stack of a secondary thread is small; the jobs sort large arrays.
        thread.stackSize = 8 << 20
        thread.start()
        let first: First
        do {
            first = try main()
        } catch {
            state.recordFailure(error)
            done.wait()
            throw state.firstFailure!
        }
        done.wait()
        if let failure = state.firstFailure { throw failure }
        guard case .success(let second)? = state.second else {
            preconditionFailure("the second job ended without a result")
        }
        return (first, second)
    }

    /// What the second thread hands back, and the first failure of either job.
    private final class Outcome<Second>: @unchecked Sendable {
        /// Written by the second thread before it signals; read after the wait.
        var second: Result<Second, Error>?
        private let lock = NSLock()
        private var failure: Error?

        /// Keeps `error` if it is the first failure recorded.
        func recordFailure(_ error: Error) {
            lock.lock()
            if failure == nil { failure = error }
            lock.unlock()
        }

        var firstFailure: Error? {
            lock.lock()
            defer { lock.unlock() }
            return failure
        }
    }
}
