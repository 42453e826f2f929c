import Pricing

/// The last calendar date a `ts` held, as its ten bytes (`2026-10-03`), and its day number.
///
/// Events arrive roughly in time order, so most lines repeat the previous line's date: one
/// comparison replaces the date's digits, its checks and the day arithmetic.
struct DayCache {
    /// Bytes 0–7 of the date text, little-endian.
    var head: UInt64 = 0
    /// Bytes 8–9.
    var tail: UInt16 = 0
    /// Days since 1970-01-01.
    var days = 0
    /// Whether `head`, `tail` and `days` hold a date already checked.
    var isSet = false
}

extension LineCursor {
    /// `ts` read in place: the opening quote at `index`, an RFC 3339 timestamp under exactly
    /// `RFC3339.parse`'s rules, the closing quote. Anything else (escapes included) is nil and
    /// the slow path decides.
    ///
    /// The rules: `YYYY-MM-DD`, `T` or `t`, `hh:mm:ss`, optionally `.` and 1 to 9 digits, then
    /// `Z`, `z` or `±hh:mm` (offset hours up to 23); years 0001–9999, real dates only, hours up
    /// to 23, minutes and seconds up to 59 (no leap second).
    mutating func timestamp(lastDay: inout DayCache) -> Instant? {
        let start = index &+ 1
        // The shortest form, `YYYY-MM-DDThh:mm:ssZ`, is 20 bytes; then the closing quote.
        guard end &- start >= 21 else { return nil }
        let head = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: start, as: UInt64.self))
        let tail = UInt16(
            littleEndian: base.loadUnaligned(fromByteOffset: start &+ 8, as: UInt16.self))
        let days: Int
        if lastDay.isSet && head == lastDay.head && tail == lastDay.tail {
            days = lastDay.days
        } else {
            guard let date = civilDay(start) else { return nil }
            days = date
            lastDay = DayCache(head: head, tail: tail, days: date, isSet: true)
        }
        let separator = byte(start &+ 10)
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t"),
            byte(start &+ 13) == JSONByte.colon, byte(start &+ 16) == JSONByte.colon
        else { return nil }
        let hour = twoDigits(start &+ 11)
        let minute = twoDigits(start &+ 14)
        let second = twoDigits(start &+ 17)
        // twoDigits gives -1 for a non-digit, which fails the lower bounds.
        guard hour >= 0 && hour <= 23, minute >= 0 && minute <= 59, second >= 0 && second <= 59
        else { return nil }
        var position = start &+ 19
        var nanoseconds = 0
        if byte(position) == JSONByte.dot {
            position &+= 1
            var digits = 0
            while position < end {
                let digit = byte(position) &- JSONByte.zero
                guard digit < 10 else { break }
                guard digits < 9 else { return nil }
                nanoseconds = nanoseconds &* 10 &+ Int(digit)
                digits &+= 1
                position &+= 1
            }
            guard digits > 0 else { return nil }
            while digits < 9 {
                nanoseconds &*= 10
                digits &+= 1
            }
        }
        guard position < end else { return nil }
        var offsetSeconds = 0
        let marker = byte(position)
        if marker == UInt8(ascii: "Z") || marker == UInt8(ascii: "z") {
            position &+= 1
        } else if marker == JSONByte.plus || marker == JSONByte.minus {
            guard end &- position >= 6, byte(position &+ 3) == JSONByte.colon else { return nil }
            let offsetHour = twoDigits(position &+ 1)
            let offsetMinute = twoDigits(position &+ 4)
            guard offsetHour >= 0 && offsetHour <= 23, offsetMinute >= 0 && offsetMinute <= 59
            else { return nil }
            offsetSeconds = (offsetHour &* 60 &+ offsetMinute) &* 60
            if marker == JSONByte.minus { offsetSeconds = -offsetSeconds }
            position &+= 6
        } else {
            return nil
        }
        // The timestamp must be the whole string: its closing quote comes next.
        guard position < end, byte(position) == JSONByte.quote else { return nil }
        index = position &+ 1
        let secondOfDay = hour &* 3600 &+ minute &* 60 &+ second
        let seconds = Int64(days) &* 86_400 &+ Int64(secondOfDay &- offsetSeconds)
        return Instant(
            secondsSinceEpoch: seconds, nanoseconds: Int32(truncatingIfNeeded: nanoseconds))
    }

    /// Two decimal digits at `offset` as a number, or -1.
    @inline(__always)
    func twoDigits(_ offset: Int) -> Int {
        let high = byte(offset) &- JSONByte.zero
        let low = byte(offset &+ 1) &- JSONByte.zero
        guard high < 10 && low < 10 else { return -1 }
        return Int(high) &* 10 &+ Int(low)
    }

    /// `YYYY-MM-DD` at `start` as days since 1970-01-01, or nil when it is not a date of years
    /// 0001–9999 (`CivilDate`'s rules: months 1–12, the month's own days, Gregorian leap years).
    func civilDay(_ start: Int) -> Int? {
        guard byte(start &+ 4) == JSONByte.minus, byte(start &+ 7) == JSONByte.minus else {
            return nil
        }
        let century = twoDigits(start)
        let yearOfCentury = twoDigits(start &+ 2)
        let month = twoDigits(start &+ 5)
        let day = twoDigits(start &+ 8)
        guard century >= 0, yearOfCentury >= 0 else { return nil }
        let year = century &* 100 &+ yearOfCentury
        guard year >= 1, month >= 1 && month <= 12, day >= 1 else { return nil }
        let isLeap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let monthDays: Int
        switch month {
        case 2: monthDays = isLeap ? 29 : 28
        case 4, 6, 9, 11: monthDays = 30
        default: monthDays = 31
        }
        guard day <= monthDays else { return nil }
        // Days from civil (the proleptic Gregorian count used by CivilDate.daysSinceEpoch):
        // years start in March so that the leap day ends a year; 400-year eras of 146,097 days.
        // Years here are 1–9999, so the shifted year is never negative.
        let shiftedYear = month <= 2 ? year &- 1 : year
        let era = shiftedYear / 400
        let yearOfEra = shiftedYear &- era &* 400
        let dayOfYear = (153 &* (month > 2 ? month &- 3 : month &+ 9) &+ 2) / 5 &+ day &- 1
        let dayOfEra = yearOfEra &* 365 &+ yearOfEra / 4 &- yearOfEra / 100 &+ dayOfYear
        return era &* 146_097 &+ dayOfEra &- 719_468
    }
}
