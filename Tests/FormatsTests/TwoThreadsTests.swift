import Foundation
import XCTest

@testable import Formats

final class TwoThreadsTests: XCTestCase {
    private struct Failure: Error, Equatable {
        let name: String
    }

    /// A flag set on one thread and read on another after the join.
    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool {
            lock.lock()
            defer { lock.unlock() }
            return value
        }
        func set() {
            lock.lock()
            value = true
            lock.unlock()
        }
    }

    func testReturnsBothResultsWithTheSecondOnAnotherThread() throws {
        let caller = pthread_self()
        let (first, second) = try TwoThreads.run(
            { (pthread_equal(pthread_self(), caller) != 0, 1 + 1) },
            alongside: { (pthread_equal(pthread_self(), caller) != 0, "two") })
        XCTAssertEqual(first.0, true)
        XCTAssertEqual(first.1, 2)
        XCTAssertEqual(second.0, false)
        XCTAssertEqual(second.1, "two")
    }

    func testBothJobsRunAtOnce() throws {
        // Each job waits for the other to have started: this only ends if they overlap.
        let firstStarted = DispatchSemaphore(value: 0)
        let secondStarted = DispatchSemaphore(value: 0)
        let (first, second) = try TwoThreads.run(
            {
                firstStarted.signal()
                return secondStarted.wait(timeout: .now() + 10) == .success
            },
            alongside: {
                secondStarted.signal()
                return firstStarted.wait(timeout: .now() + 10) == .success
            })
        XCTAssertTrue(first)
        XCTAssertTrue(second)
    }

    func testSecondJobsErrorIsThrownAfterTheFirstJobFinished() {
        let firstFinished = Flag()
        XCTAssertThrowsError(
            try TwoThreads.run(
                {
                    Thread.sleep(forTimeInterval: 0.05)
                    firstFinished.set()
                },
                alongside: { () throws -> Int in throw Failure(name: "second") })
        ) { error in
            XCTAssertEqual(error as? Failure, Failure(name: "second"))
        }
        XCTAssertTrue(firstFinished.isSet)
    }

    func testFirstJobsErrorIsThrownAfterTheSecondJobFinished() {
        let secondFinished = Flag()
        XCTAssertThrowsError(
            try TwoThreads.run(
                { () throws -> Int in throw Failure(name: "first") },
                alongside: {
                    Thread.sleep(forTimeInterval: 0.05)
                    secondFinished.set()
                })
        ) { error in
            XCTAssertEqual(error as? Failure, Failure(name: "first"))
        }
        XCTAssertTrue(secondFinished.isSet)
    }

    func testTheErrorThrownFirstInTimeWins() {
        // The second job fails first; the first fails only after that, as a consequence.
        let secondFailed = DispatchSemaphore(value: 0)
        XCTAssertThrowsError(
            try TwoThreads.run(
                { () throws -> Int in
                    secondFailed.wait()
                    // The signal comes just before the error is recorded: let it be.
                    Thread.sleep(forTimeInterval: 0.1)
                    throw Failure(name: "first, later")
                },
                alongside: { () throws -> Int in
                    defer { secondFailed.signal() }
                    throw Failure(name: "second, earlier")
                })
        ) { error in
            XCTAssertEqual(error as? Failure, Failure(name: "second, earlier"))
        }
        // And the other way round.
        let firstFailed = DispatchSemaphore(value: 0)
        XCTAssertThrowsError(
            try TwoThreads.run(
                { () throws -> Int in
                    defer { firstFailed.signal() }
                    throw Failure(name: "first, earlier")
                },
                alongside: { () throws -> Int in
                    firstFailed.wait()
                    Thread.sleep(forTimeInterval: 0.1)
                    throw Failure(name: "second, later")
                })
        ) { error in
            XCTAssertEqual(error as? Failure, Failure(name: "first, earlier"))
        }
    }
}
