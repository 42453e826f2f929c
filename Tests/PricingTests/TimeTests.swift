import XCTest

@testable import Pricing

final class TimeTests: XCTestCase {
    func testParsesRFC3339Exactly() {
        // 2026-10-03T14:22:05Z is 1_791_037_325 s since the epoch (20729 days × 86400 + 51725).
        XCTAssertEqual(
            RFC3339.parse("2026-10-03T14:22:05Z"), Instant(secondsSinceEpoch: 1_791_037_325))
        XCTAssertEqual(
            RFC3339.parse("2026-10-03t14:22:05.123456789z"),
            Instant(secondsSinceEpoch: 1_791_037_325, nanoseconds: 123_456_789))
        // The same instant written at +05:30 and -00:00.
        XCTAssertEqual(
            RFC3339.parse("2026-10-03T19:52:05+05:30"), Instant(secondsSinceEpoch: 1_791_037_325))
        XCTAssertEqual(
            RFC3339.parse("2026-10-03T14:22:05-00:00"), Instant(secondsSinceEpoch: 1_791_037_325))
        XCTAssertEqual(RFC3339.parse("0001-01-01T00:00:00Z")?.secondsSinceEpoch, -62_135_596_800)
        XCTAssertEqual(
            RFC3339.parse("9999-12-31T23:59:59+23:59")?.secondsSinceEpoch, 253_402_214_459)
    }

    func testRejectsInvalidTimestamps() {
        for text in [
            "2026-10-03T14:22:60Z", "2026-10-32T00:00:00Z", "2026-02-29T00:00:00Z",
            "2026-10-03 14:22:05Z", "2026-10-03T14:22:05", "2026-10-03T14:22:05.Z",
            "2026-10-03T14:22:05.1234567890Z", "2026-10-03T14:22:05+24:00",
            "2026-10-03T14:22:05+05:60", "0000-01-01T00:00:00Z", "1790000000", "",
            "2026-10-03T14:22:05+0530", "2026-10-03T24:00:00Z",
        ] {
            XCTAssertNil(RFC3339.parse(text), text)
        }
    }

    func testCivilDatesRoundTrip() {
        for days in [-719_162, -1, 0, 1, 20_729, 2_932_896] {
            XCTAssertEqual(CivilDate(daysSinceEpoch: days).daysSinceEpoch, days)
        }
        XCTAssertEqual(CivilDate(daysSinceEpoch: 0).description, "1970-01-01")
        XCTAssertEqual(CivilDate(year: 2026, month: 10, day: 1)?.isoWeekday, 4)  // a Thursday
        XCTAssertNil(CivilDate(year: 2026, month: 2, day: 29))
        XCTAssertEqual(CivilDate(year: 2024, month: 2, day: 29)?.description, "2024-02-29")
    }

    func testAnchorDayClampsToShortMonths() {
        // anchor_day 31: the February 2027 period starts on the 28th and ends on March 31.
        let month = YearMonth("2027-02")!
        XCTAssertEqual(month.clampedDate(day: 31).description, "2027-02-28")
        XCTAssertEqual(month.next.clampedDate(day: 31).description, "2027-03-31")
        XCTAssertEqual(YearMonth("2028-02")!.clampedDate(day: 31).description, "2028-02-29")
        XCTAssertNil(YearMonth("2026-13"))
        XCTAssertNil(YearMonth("2026-1"))
    }

    func testInstantFormatsAtAnOffset() {
        let start = Instant(secondsSinceEpoch: 1_790_805_600)  // 2026-09-30T22:00:00Z
        XCTAssertEqual(start.rfc3339(offsetSeconds: 7200), "2026-10-01T00:00:00+02:00")
        XCTAssertEqual(start.rfc3339(offsetSeconds: 0), "2026-09-30T22:00:00Z")
        XCTAssertEqual(
            Instant(secondsSinceEpoch: 0, nanoseconds: 500_000_000).rfc3339(offsetSeconds: -12600),
            "1969-12-31T20:30:00.5-03:30")
    }
}
