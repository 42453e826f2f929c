/// A standard 5-field cron expression (minute hour day-of-month month day-of-week).
/// Placeholder: parsing and occurrence counting are built in Schedule.swift.
public struct CronSchedule: Hashable, Sendable {
    public let text: String
}
