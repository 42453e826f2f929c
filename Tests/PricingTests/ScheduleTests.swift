import Pricing
import XCTest

// Calendar facts the expected values below are derived from (checked against a printed
// calendar, not computed by the code under test):
//   2024-02-01 is a Thursday; 2024 is a leap year, so February 2024 has 29 days.
//   2026-01-01 is a Thursday. 2026-03-01 is a Sunday, so the second Sunday of March is the 8th.
//   2026-06-01 is a Monday (March 1 + 92 days, 92 = 13 weeks + 1).
//   2026-10-01 is a Thursday (March 1 + 214 days, 214 = 30 weeks + 4).
//   2026-11-01 is a Sunday (March 1 + 245 days, 245 = 35 weeks), the first Sunday of November.
// October 2026 (31 days):            November 2026 (30 days):
//   Mo Tu We Th Fr Sa Su                Mo Tu We Th Fr Sa Su
//             1  2  3  4                                    1
//    5  6  7  8  9 10 11                 2  3  4  5  6  7  8
//   12 13 14 15 16 17 18                 9 10 11 12 13 14 15
//   19 20 21 22 23 24 25                16 17 18 19 20 21 22
//   26 27 28 29 30 31                   23 24 25 26 27 28 29
//                                       30
// February 2024 (29 days):
//   Mo Tu We Th Fr Sa Su
//             1  2  3  4
//    5  6  7  8  9 10 11
//   12 13 14 15 16 17 18
//   19 20 21 22 23 24 25
//   26 27 28 29

/// America/New_York's current rule, written from the rule rather than from tz data:
/// UTC-5, and UTC-4 from the second Sunday of March at 02:00 local standard time (07:00 UTC)
/// to the first Sunday of November at 02:00 local daylight time (06:00 UTC).
private struct NewYorkTestZone: TimeZoneRules {
    let identifier = "America/New_York"

    func utcOffsetSeconds(at secondsSinceEpoch: Int64) -> Int {
        let standardSeconds = -5 * 3600
        let daylightSeconds = -4 * 3600
        // Floor division: the UTC date. Its year is the local year except in the first hours of
        // January 1, when DST is not in force either way.
        let days = secondsSinceEpoch >= 0
            ? secondsSinceEpoch / 86_400 : (secondsSinceEpoch - 86_399) / 86_400
        let year = CivilDate(daysSinceEpoch: Int(days)).year
        let daylightStart = firstSundayEpochDays(year: year, month: 3) + 7
        let daylightEnd = firstSundayEpochDays(year: year, month: 11)
        let startSeconds = Int64(daylightStart) * 86_400 + 7 * 3600
        let endSeconds = Int64(daylightEnd) * 86_400 + 6 * 3600
        let isDaylight = startSeconds <= secondsSinceEpoch && secondsSinceEpoch < endSeconds
        return isDaylight ? daylightSeconds : standardSeconds
    }

    /// Days since 1970-01-01 of the first Sunday of `month`.
    private func firstSundayEpochDays(year: Int, month: Int) -> Int {
        guard let first = CivilDate(year: year, month: month, day: 1) else {
            preconditionFailure("test zone asked for a month that does not exist")
        }
        // ISO weekday 7 is Sunday: 0 days ahead on a Sunday, 6 on a Monday.
        return first.daysSinceEpoch + (7 - first.isoWeekday) % 7
    }
}

final class ScheduleTests: XCTestCase {
    private let newYork = NewYorkTestZone()
    private let utc = FixedOffsetZone.utc

    private func date(_ text: String) throws -> CivilDate {
        try XCTUnwrap(CivilDate(iso: text), "bad test date \(text)")
    }

    private func cron(_ text: String) throws -> Schedule {
        .cron(try CronSchedule(parsing: text))
    }

    /// Occurrences of `schedule` on local dates `[from, to)`.
    private func count(
        _ schedule: Schedule, _ from: String, _ to: String,
        zone: any TimeZoneRules = FixedOffsetZone.utc
    ) throws -> Int {
        schedule.occurrenceCount(from: try date(from), to: try date(to), zone: zone)
    }

    /// Occurrences of the cron expression `text` on dates `[from, to)` in UTC.
    private func utcCount(_ text: String, _ from: String, _ to: String) throws -> Int {
        try count(try cron(text), from, to, zone: utc)
    }

    /// Occurrences of the cron expression `text` on dates `[from, to)` in New York.
    private func newYorkCount(_ text: String, _ from: String, _ to: String) throws -> Int {
        try count(try cron(text), from, to, zone: newYork)
    }

    private func instant(_ day: String, utcHour: Int, minute: Int = 0, second: Int = 0) throws
        -> Instant
    {
        let seconds = Int64(try date(day).daysSinceEpoch) * 86_400
            + Int64(utcHour * 3600 + minute * 60 + second)
        return Instant(secondsSinceEpoch: seconds)
    }

    // MARK: - The test zone itself

    func testNewYorkZoneSwitchesAtTheRuleInstants() throws {
        // Spring forward: 2026-03-08 02:00 EST = 07:00 UTC.
        let springBefore = try instant("2026-03-08", utcHour: 6, minute: 59, second: 59)
        let springAt = try instant("2026-03-08", utcHour: 7)
        XCTAssertEqual(newYork.utcOffsetSeconds(at: springBefore.secondsSinceEpoch), -18_000)
        XCTAssertEqual(newYork.utcOffsetSeconds(at: springAt.secondsSinceEpoch), -14_400)
        // Fall back: 2026-11-01 02:00 EDT = 06:00 UTC.
        let fallBefore = try instant("2026-11-01", utcHour: 5, minute: 59, second: 59)
        let fallAt = try instant("2026-11-01", utcHour: 6)
        XCTAssertEqual(newYork.utcOffsetSeconds(at: fallBefore.secondsSinceEpoch), -14_400)
        XCTAssertEqual(newYork.utcOffsetSeconds(at: fallAt.secondsSinceEpoch), -18_000)
        // Mid-January and mid-July.
        let winter = try instant("2026-01-15", utcHour: 12)
        let summer = try instant("2026-07-15", utcHour: 12)
        XCTAssertEqual(newYork.utcOffsetSeconds(at: winter.secondsSinceEpoch), -18_000)
        XCTAssertEqual(newYork.utcOffsetSeconds(at: summer.secondsSinceEpoch), -14_400)
    }

    func testNewYorkZoneResolvesSkippedAndRepeatedWallTimes() throws {
        // 02:30 on 2026-03-08 is in the gap [02:00, 03:00); the gap ends at 07:00 UTC.
        XCTAssertEqual(
            newYork.resolve(date: try date("2026-03-08"), secondOfDay: 2 * 3600 + 1800),
            .skipped(transition: try instant("2026-03-08", utcHour: 7)))
        // 01:30 on 2026-11-01 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
        XCTAssertEqual(
            newYork.resolve(date: try date("2026-11-01"), secondOfDay: 3600 + 1800),
            .repeated(
                earlier: try instant("2026-11-01", utcHour: 5, minute: 30),
                later: try instant("2026-11-01", utcHour: 6, minute: 30)))
        // 02:00 on 2026-11-01 happens once, in EST: 07:00 UTC.
        XCTAssertEqual(
            newYork.resolve(date: try date("2026-11-01"), secondOfDay: 2 * 3600),
            .unique(try instant("2026-11-01", utcHour: 7)))
    }

    // MARK: - daily, weekdays, monthdays

    func testDailyCountsEachLocalDate() throws {
        XCTAssertEqual(try count(.daily, "2026-10-01", "2026-11-01"), 31)
        XCTAssertEqual(try count(.daily, "2026-11-01", "2026-12-01"), 30)
        XCTAssertEqual(try count(.daily, "2024-02-01", "2024-03-01"), 29)  // leap February
        XCTAssertEqual(try count(.daily, "2025-02-01", "2025-03-01"), 28)
        XCTAssertEqual(try count(.daily, "2026-10-15", "2026-11-01"), 17)  // 15th..31st
        XCTAssertEqual(try count(.daily, "2026-10-15", "2026-10-15"), 0)  // empty range
        // Dates are already local: a DST month still has one occurrence per date.
        XCTAssertEqual(try count(.daily, "2026-03-01", "2026-04-01", zone: newYork), 31)
    }

    func testWeekdaysCountsMatchingISOWeekdays() throws {
        let mondayThursday = Schedule.weekdays([1, 4])
        let sunday = Schedule.weekdays([7])
        // October 2026: Thursdays 1, 8, 15, 22, 29 (5) + Mondays 5, 12, 19, 26 (4) = 9.
        XCTAssertEqual(try count(mondayThursday, "2026-10-01", "2026-11-01"), 9)
        // Sundays 4, 11, 18, 25.
        XCTAssertEqual(try count(sunday, "2026-10-01", "2026-11-01"), 4)
        // November 2026: Mondays 2, 9, 16, 23, 30 (5) + Thursdays 5, 12, 19, 26 (4) = 9.
        XCTAssertEqual(try count(mondayThursday, "2026-11-01", "2026-12-01"), 9)
        // Sundays 1, 8, 15, 22, 29.
        XCTAssertEqual(try count(sunday, "2026-11-01", "2026-12-01"), 5)
        // February 2024: Thursdays 1, 8, 15, 22, 29 (5) + Mondays 5, 12, 19, 26 (4) = 9.
        XCTAssertEqual(try count(mondayThursday, "2024-02-01", "2024-03-01"), 9)
        // Sundays 4, 11, 18, 25.
        XCTAssertEqual(try count(sunday, "2024-02-01", "2024-03-01"), 4)
        // From October 15: Thursdays 15, 22, 29 + Mondays 19, 26 = 5; Sundays 18, 25 = 2.
        XCTAssertEqual(try count(mondayThursday, "2026-10-15", "2026-11-01"), 5)
        XCTAssertEqual(try count(sunday, "2026-10-15", "2026-11-01"), 2)
        XCTAssertEqual(try count(.weekdays([]), "2026-10-01", "2026-11-01"), 0)
    }

    func testMonthdaysSkipDaysTheMonthDoesNotHave() throws {
        let firstMidLast = Schedule.monthdays([1, 15, 31])
        let monthEnd = Schedule.monthdays([29, 30, 31])
        XCTAssertEqual(try count(firstMidLast, "2026-10-01", "2026-11-01"), 3)
        XCTAssertEqual(try count(firstMidLast, "2026-11-01", "2026-12-01"), 2)  // no 31st
        XCTAssertEqual(try count(firstMidLast, "2024-02-01", "2024-03-01"), 2)
        XCTAssertEqual(try count(monthEnd, "2026-10-01", "2026-11-01"), 3)
        XCTAssertEqual(try count(monthEnd, "2026-11-01", "2026-12-01"), 2)
        XCTAssertEqual(try count(monthEnd, "2024-02-01", "2024-03-01"), 1)  // the 29th
        XCTAssertEqual(try count(monthEnd, "2025-02-01", "2025-03-01"), 0)
        XCTAssertEqual(try count(.monthdays([31]), "2026-11-01", "2026-12-01"), 0)
        // From October 15: the 15th and 31st.
        XCTAssertEqual(try count(firstMidLast, "2026-10-15", "2026-11-01"), 2)
        // Across a month boundary, end exclusive: Oct 15, Oct 31, Nov 1 (Nov 15 excluded).
        XCTAssertEqual(try count(firstMidLast, "2026-10-15", "2026-11-15"), 3)
        // 2026 has seven 31-day months: Jan, Mar, May, Jul, Aug, Oct, Dec.
        XCTAssertEqual(try count(.monthdays([31]), "2026-01-01", "2027-01-01"), 7)
    }

    // MARK: - cron firing times

    func testFiringSecondsOfDayExpandsListsRangesAndSteps() throws {
        let day = try date("2026-10-01")
        // Minutes 1, 3, 5, 7, 9 of hour 0.
        XCTAssertEqual(
            try CronSchedule(parsing: "1-10/2 0 * * *").firingSecondsOfDay(on: day),
            [60, 180, 300, 420, 540])
        // `5/10`: minutes 5, 15, 25, 35, 45, 55.
        XCTAssertEqual(
            try CronSchedule(parsing: "5/10 0 * * *").firingSecondsOfDay(on: day),
            [300, 900, 1500, 2100, 2700, 3300])
        // Listed out of order and twice: 09:00 (32 400 s) and 17:00 (61 200 s), ascending, once.
        XCTAssertEqual(
            try CronSchedule(parsing: "0 17,9,9 * * *").firingSecondsOfDay(on: day),
            [32_400, 61_200])
        // Hours 0 and 12 × minutes 0, 20, 40.
        XCTAssertEqual(
            try CronSchedule(parsing: "*/20 */12 * * *").firingSecondsOfDay(on: day),
            [0, 1200, 2400, 43_200, 44_400, 45_600])
        // Every 15 minutes: 24 × 4 = 96 times, from 00:00 to 23:45 (85 500 s).
        let quarters = try CronSchedule(parsing: "*/15 * * * *").firingSecondsOfDay(on: day)
        XCTAssertEqual(quarters.count, 96)
        XCTAssertEqual(quarters.prefix(2), [0, 900])
        XCTAssertEqual(quarters.last, 85_500)
        // `*/60` is minute 0 only.
        XCTAssertEqual(
            try CronSchedule(parsing: "*/60 3 * * *").firingSecondsOfDay(on: day), [10_800])
        // 2026-10-01 is a Thursday: a Monday-only expression names nothing that day.
        XCTAssertEqual(try CronSchedule(parsing: "0 0 * * mon").firingSecondsOfDay(on: day), [])
        XCTAssertEqual(try CronSchedule(parsing: "0 0 * * thu").firingSecondsOfDay(on: day), [0])
    }

    func testSeparatorsAndEquality() throws {
        // Tabs and repeated spaces separate fields; surrounding space is ignored.
        let spaced = try CronSchedule(parsing: "  0\t9  * *   1-5 ")
        XCTAssertEqual(spaced.firingSecondsOfDay(on: try date("2026-10-02")), [32_400])  // Fri
        XCTAssertEqual(spaced.firingSecondsOfDay(on: try date("2026-10-03")), [])  // Sat
        XCTAssertEqual(spaced.text, "  0\t9  * *   1-5 ")
        let weekdayMornings = try CronSchedule(parsing: "0 9 * * 1-5")
        XCTAssertEqual(weekdayMornings, try CronSchedule(parsing: "0 9 * * 1-5"))
        XCTAssertNotEqual(weekdayMornings, try CronSchedule(parsing: "0 9 * * 1-6"))
    }

    // MARK: - cron counts

    func testWeekdayMorningsInOctober() throws {
        // October 2026 has 4 full weeks (20 weekdays) + Thu 29, Fri 30 (Sat 31 is not) = 22.
        XCTAssertEqual(try newYorkCount("0 9 * * 1-5", "2026-10-01", "2026-11-01"), 22)
        XCTAssertEqual(try utcCount("0 9 * * mon-fri", "2026-10-01", "2026-11-01"), 22)
        // Twice a day: 44.
        XCTAssertEqual(try utcCount("0 9,17 * * 1-5", "2026-10-01", "2026-11-01"), 44)
    }

    func testTimeSkippedBySpringForwardDoesNotFire() throws {
        // March 2026 has 31 days; 02:30 on 2026-03-08 does not exist in New York: 30.
        XCTAssertEqual(try newYorkCount("30 2 * * *", "2026-03-01", "2026-04-01"), 30)
        // In UTC nothing is skipped: 31.
        XCTAssertEqual(try utcCount("30 2 * * *", "2026-03-01", "2026-04-01"), 31)
        // The gap is [02:00, 03:00): 02:00 is skipped, 03:00 and 01:59 are not.
        XCTAssertEqual(try newYorkCount("0 2 * * *", "2026-03-08", "2026-03-09"), 0)
        XCTAssertEqual(try newYorkCount("0 3 * * *", "2026-03-08", "2026-03-09"), 1)
        XCTAssertEqual(try newYorkCount("59 1 * * *", "2026-03-08", "2026-03-09"), 1)
    }

    func testTimeRepeatedByFallBackFiresOnce() throws {
        // November 2026 has 30 days; 01:30 on 2026-11-01 happens twice but fires once: 30.
        XCTAssertEqual(try newYorkCount("30 1 * * *", "2026-11-01", "2026-12-01"), 30)
        // 02:00 on 2026-11-01 happens once (EST) and fires.
        XCTAssertEqual(try newYorkCount("0 2 * * *", "2026-11-01", "2026-11-02"), 1)
    }

    func testEveryQuarterHourAcrossDSTChanges() throws {
        // 24 × 4 = 96 a day.
        // 2026-11-01 in New York: 01:00, 01:15, 01:30, 01:45 repeat but fire once: 96.
        XCTAssertEqual(try newYorkCount("*/15 * * * *", "2026-11-01", "2026-11-02"), 96)
        // 2026-03-08: 02:00, 02:15, 02:30, 02:45 do not exist: 96 - 4 = 92.
        XCTAssertEqual(try newYorkCount("*/15 * * * *", "2026-03-08", "2026-03-09"), 92)
        // November 2026: 30 × 96 = 2880. March 2026: 31 × 96 - 4 = 2972. October 2026 in UTC:
        // 31 × 96 = 2976.
        XCTAssertEqual(try newYorkCount("*/15 * * * *", "2026-11-01", "2026-12-01"), 2880)
        XCTAssertEqual(try newYorkCount("*/15 * * * *", "2026-03-01", "2026-04-01"), 2972)
        XCTAssertEqual(try utcCount("*/15 * * * *", "2026-10-01", "2026-11-01"), 2976)
    }

    func testDayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        // October 2026: the 1st (a Thursday) + Mondays 5, 12, 19, 26 = 5.
        XCTAssertEqual(try utcCount("0 0 1 * mon", "2026-10-01", "2026-11-01"), 5)
        // June 2026: the 1st is a Monday, counted once; Mondays 1, 8, 15, 22, 29 = 5.
        XCTAssertEqual(try utcCount("0 0 1 * mon", "2026-06-01", "2026-07-01"), 5)
        // October 2026: days 1-7 (7) + Mondays outside them 12, 19, 26 (3) = 10.
        XCTAssertEqual(try utcCount("0 0 1-7 * mon", "2026-10-01", "2026-11-01"), 10)
        // Only one restricted: both must match. The 1st alone: 1. Mondays alone: 4.
        XCTAssertEqual(try utcCount("0 0 1 * *", "2026-10-01", "2026-11-01"), 1)
        XCTAssertEqual(try utcCount("0 0 * * mon", "2026-10-01", "2026-11-01"), 4)
    }

    func testStarWithStepIsUnrestrictedForTheOrRule() throws {
        // `*/2` starts with `*`: the days must be odd AND Mondays: 5, 19 = 2 (an OR would give
        // 16 odd days + Mondays 12, 26 = 18).
        XCTAssertEqual(try utcCount("0 0 */2 * mon", "2026-10-01", "2026-11-01"), 2)
        // Same on the day-of-week side: the 1st, and it is a Thursday (a */2 day: 0 2 4 6 are
        // Sun Tue Thu Sat) = 1.
        XCTAssertEqual(try utcCount("0 0 1 * */2", "2026-10-01", "2026-11-01"), 1)
        // The 2nd is a Friday, not a */2 day: 0.
        XCTAssertEqual(try utcCount("0 0 2 * */2", "2026-10-01", "2026-11-01"), 0)
    }

    func testDayOfWeekSevenAndNamesAreSunday() throws {
        // Sundays in October 2026: 4, 11, 18, 25; in November 2026: 1, 8, 15, 22, 29.
        for text in ["0 0 * * 7", "0 0 * * 0", "0 0 * * sun", "0 0 * * SUN", "0 0 * * Sun"] {
            XCTAssertEqual(try count(try cron(text), "2026-10-01", "2026-11-01"), 4, text)
            XCTAssertEqual(try count(try cron(text), "2026-11-01", "2026-12-01"), 5, text)
        }
        // 5-7 is Fri, Sat, Sun: Fridays 2, 9, 16, 23, 30 (5) + Saturdays 3, ..., 31 (5) +
        // Sundays (4) = 14.
        XCTAssertEqual(try utcCount("0 0 * * 5-7", "2026-10-01", "2026-11-01"), 14)
        // `sun` ending a range is 7, so fri-sun is 5-7; sat-sun is 6-7: 5 + 4 = 9.
        XCTAssertEqual(try utcCount("0 0 * * fri-sun", "2026-10-01", "2026-11-01"), 14)
        XCTAssertEqual(try utcCount("0 0 * * Sat-SUN", "2026-10-01", "2026-11-01"), 9)
        // `sun` starting a range is 0: sun-tue is Sundays (4), Mondays (4), Tuesdays (4) = 12.
        XCTAssertEqual(try utcCount("0 0 * * sun-tue", "2026-10-01", "2026-11-01"), 12)
        // `sun-sun` is Sunday alone: 4.
        XCTAssertEqual(try utcCount("0 0 * * sun-sun", "2026-10-01", "2026-11-01"), 4)
        // `*/2` is Sun, Tue, Thu, Sat: 4 + 4 (6, 13, 20, 27) + 5 (1, ..., 29) + 5 (3, ..., 31)
        // = 18.
        XCTAssertEqual(try utcCount("0 0 * * */2", "2026-10-01", "2026-11-01"), 18)
        // `1/2` runs 1 to 7 by 2: Mon (4), Wed 7, 14, 21, 28 (4), Fri (5), Sun (4) = 17.
        XCTAssertEqual(try utcCount("0 0 * * 1/2", "2026-10-01", "2026-11-01"), 17)
    }

    func testMonthNamesAnyCase() throws {
        // Only in January and October: October 2026 weekdays = 22; November none.
        let schedule = try cron("0 12 * jan,OCT Mon-Fri")
        XCTAssertEqual(try count(schedule, "2026-10-01", "2026-11-01"), 22)
        XCTAssertEqual(try count(schedule, "2026-11-01", "2026-12-01"), 0)
        // The 1st of January, February and March 2026.
        XCTAssertEqual(try utcCount("0 0 1 Jan-MAR *", "2026-01-01", "2027-01-01"), 3)
        // February 29 in 2024 through 2028: 2024 and 2028.
        XCTAssertEqual(try utcCount("0 0 29 feb *", "2024-01-01", "2029-01-01"), 2)
        // The 31st fires only in 31-day months: 7 in 2026.
        XCTAssertEqual(try utcCount("0 0 31 * *", "2026-01-01", "2027-01-01"), 7)
    }

    func testMacros() throws {
        let year2026 = ("2026-01-01", "2027-01-01")
        // Once a year on January 1; starting January 2 misses it.
        XCTAssertEqual(try count(try cron("@yearly"), year2026.0, year2026.1), 1)
        XCTAssertEqual(try count(try cron("@annually"), year2026.0, year2026.1), 1)
        XCTAssertEqual(try count(try cron("@yearly"), "2026-01-02", year2026.1), 0)
        // Once a month on the 1st: 12 in 2026; 0 from October 2 to November 1.
        XCTAssertEqual(try count(try cron("@monthly"), year2026.0, year2026.1), 12)
        XCTAssertEqual(try utcCount("@monthly", "2026-10-02", "2026-11-01"), 0)
        // Sundays at midnight: 4 in October 2026.
        XCTAssertEqual(try utcCount("@weekly", "2026-10-01", "2026-11-01"), 4)
        // Each midnight: 31 in October.
        XCTAssertEqual(try utcCount("@daily", "2026-10-01", "2026-11-01"), 31)
        XCTAssertEqual(try utcCount("@midnight", "2026-10-01", "2026-11-01"), 31)
        XCTAssertEqual(try utcCount("@DAILY", "2026-10-01", "2026-11-01"), 31)
        // Each hour: 31 × 24 = 744 in October (UTC); 30 × 24 = 720 in November in New York
        // (01:00 on the 1st repeats, fires once); 31 × 24 - 1 = 743 in March in New York
        // (02:00 on the 8th is skipped).
        XCTAssertEqual(try utcCount("@hourly", "2026-10-01", "2026-11-01"), 744)
        XCTAssertEqual(try newYorkCount("@hourly", "2026-11-01", "2026-12-01"), 720)
        XCTAssertEqual(try newYorkCount("@hourly", "2026-03-01", "2026-04-01"), 743)
    }

    // MARK: - cron parse errors

    func testParseErrors() throws {
        let cases: [(text: String, error: CronParseError)] = [
            // Field counts.
            ("", .wrongFieldCount(0)),
            ("   ", .wrongFieldCount(0)),
            ("0 9 * *", .wrongFieldCount(4)),
            ("0 0 9 * * *", .wrongFieldCount(6)),
            // Macros.
            ("@reboot", .rebootMacro),
            ("@REBOOT", .rebootMacro),
            ("@fortnightly", .unknownMacro("@fortnightly")),
            ("@daily 5", .unknownMacro("@daily 5")),
            ("@", .unknownMacro("@")),
            // Out of range, each bound of each field.
            ("60 * * * *", .outOfRange(.minute, 60)),
            ("* 24 * * *", .outOfRange(.hour, 24)),
            ("* * 0 * *", .outOfRange(.dayOfMonth, 0)),
            ("* * 32 * *", .outOfRange(.dayOfMonth, 32)),
            ("* * * 0 *", .outOfRange(.month, 0)),
            ("* * * 13 *", .outOfRange(.month, 13)),
            ("* * * * 8", .outOfRange(.dayOfWeek, 8)),
            ("0-60 * * * *", .outOfRange(.minute, 60)),
            // Empty list items.
            ("1,,2 * * * *", .emptyListItem(.minute)),
            ("* , * * *", .emptyListItem(.hour)),
            ("* * * * mon,", .emptyListItem(.dayOfWeek)),
            (",1 * * * *", .emptyListItem(.minute)),
            // Steps.
            ("*/0 * * * *", .invalidStep(.minute, "0")),
            ("*/ * * * *", .invalidStep(.minute, "")),
            ("*/x * * * *", .invalidStep(.minute, "x")),
            ("*/-1 * * * *", .invalidStep(.minute, "-1")),
            ("*/61 * * * *", .invalidStep(.minute, "61")),
            ("* */25 * * *", .invalidStep(.hour, "25")),
            ("* * * */13 *", .invalidStep(.month, "13")),
            ("* * * * */8", .invalidStep(.dayOfWeek, "8")),
            ("1-10/2/3 * * * *", .invalidStep(.minute, "2/3")),
            // Ranges.
            ("10-5 * * * *", .reversedRange(.minute, start: 10, end: 5)),
            ("* * * * fri-mon", .reversedRange(.dayOfWeek, start: 5, end: 1)),
            ("* * * * 6-0", .reversedRange(.dayOfWeek, start: 6, end: 0)),
            ("* * * dec-jan *", .reversedRange(.month, start: 12, end: 1)),
            // Values that are neither numbers nor names of the field.
            ("* * * foo *", .invalidValue(.month, "foo")),
            ("* * * mon *", .invalidValue(.month, "mon")),
            ("* * * * jan", .invalidValue(.dayOfWeek, "jan")),
            ("* * * * monday", .invalidValue(.dayOfWeek, "monday")),
            ("jan * * * *", .invalidValue(.minute, "jan")),
            ("-5 * * * *", .invalidValue(.minute, "")),
            ("1- * * * *", .invalidValue(.minute, "")),
            ("*-5 * * * *", .invalidValue(.minute, "*")),
            ("/5 * * * *", .invalidValue(.minute, "")),
            ("1-2-3 * * * *", .invalidValue(.minute, "2-3")),
            ("1a * * * *", .invalidValue(.minute, "1a")),
            ("+5 * * * *", .invalidValue(.minute, "+5")),
            ("* * L * *", .invalidValue(.dayOfMonth, "L")),
            ("* * ? * *", .invalidValue(.dayOfMonth, "?")),
            ("* * * * 1#2", .invalidValue(.dayOfWeek, "1#2")),
            ("\u{0665} * * * *", .invalidValue(.minute, "\u{0665}")),  // Arabic-Indic five
            ("99999999999999999999 * * * *", .invalidValue(.minute, "99999999999999999999")),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try CronSchedule(parsing: text), "\"\(text)\"") { error in
                XCTAssertEqual(error as? CronParseError, expected, "\"\(text)\"")
            }
        }
    }

    func testLengthLimitBothSides() throws {
        // A valid expression padded with trailing spaces to exactly the limit parses.
        let base = "0 0 * * *"
        let padding = String(repeating: " ", count: CronSchedule.textBytesMax - base.utf8.count)
        let atLimit = base + padding
        XCTAssertEqual(atLimit.utf8.count, 256)
        XCTAssertNoThrow(try CronSchedule(parsing: atLimit))
        XCTAssertThrowsError(try CronSchedule(parsing: atLimit + " ")) { error in
            XCTAssertEqual(error as? CronParseError, .tooLong(byteCount: 257))
        }
    }

    func testStepBoundsBothSides() throws {
        // The largest step of each field parses; one more is rejected above.
        let largestSteps = [
            "*/60 * * * *", "* */24 * * *", "* * */31 * *", "* * * */12 *", "* * * * */7",
        ]
        for text in largestSteps {
            XCTAssertNoThrow(try CronSchedule(parsing: text), text)
        }
        // The smallest and largest values of each field parse.
        for text in ["0,59 0,23 1,31 1,12 0,7", "0-59 0-23 1-31 1-12 0-7", "*/1 * * * *"] {
            XCTAssertNoThrow(try CronSchedule(parsing: text), text)
        }
    }

    func testErrorDescriptionsNameTheFieldAndTheReason() {
        XCTAssertEqual(
            CronParseError.outOfRange(.dayOfWeek, 8).description,
            "day-of-week: 8 is outside 0-7")
        XCTAssertEqual(
            CronParseError.invalidValue(.month, "foo").description,
            "month: \"foo\" is not a value; expected 1-12 or jan-dec")
        XCTAssertEqual(
            CronParseError.invalidValue(.minute, "").description,
            "minute: a value is missing; expected 0-59")
        XCTAssertEqual(
            CronParseError.invalidStep(.hour, "0").description,
            "hour: step \"0\" must be a whole number from 1 to 24")
        XCTAssertEqual(
            CronParseError.emptyListItem(.dayOfMonth).description,
            "day-of-month: empty list item (a stray comma?)")
        XCTAssertEqual(
            CronParseError.reversedRange(.minute, start: 10, end: 5).description,
            "minute: range 10-5 runs backwards; ranges do not wrap, write two ranges")
        XCTAssertEqual(
            CronParseError.wrongFieldCount(6).description,
            "cron expression has 6 fields; expected 5: minute hour day-of-month month day-of-week")
        XCTAssertEqual(
            CronParseError.wrongFieldCount(1).description,
            "cron expression has 1 field; expected 5: minute hour day-of-month month day-of-week")
        XCTAssertEqual(
            CronParseError.unknownMacro("@often").description,
            "unknown cron macro \"@often\"; expected one of "
                + "@yearly @annually @monthly @weekly @daily @midnight @hourly")
        XCTAssertEqual(
            CronParseError.rebootMacro.description,
            "@reboot is not supported: a billing schedule has no machine start; use five fields "
                + "or one of @yearly @annually @monthly @weekly @daily @midnight @hourly")
        XCTAssertEqual(
            CronParseError.tooLong(byteCount: 300).description,
            "cron expression is 300 bytes; the limit is 256")
    }
}
