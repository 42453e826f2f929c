/// A point on the UTC time line with nanosecond resolution, years 0001 to 9999.
public struct Instant: Hashable, Comparable, Sendable {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    public let secondsSinceEpoch: Int64
    /// Nanoseconds within the second, 0..<1_000_000_000.
    public let nanoseconds: Int32

    public init(secondsSinceEpoch: Int64, nanoseconds: Int32 = 0) {
        precondition(nanoseconds >= 0 && nanoseconds < 1_000_000_000, "nanoseconds out of range")
        self.secondsSinceEpoch = secondsSinceEpoch
        self.nanoseconds = nanoseconds
    }

    public static func < (left: Instant, right: Instant) -> Bool {
        if left.secondsSinceEpoch != right.secondsSinceEpoch {
            return left.secondsSinceEpoch < right.secondsSinceEpoch
        }
        return left.nanoseconds < right.nanoseconds
    }

    /// RFC 3339 text at `offsetSeconds` from UTC, with whole seconds when `nanoseconds` is 0,
    /// else the shortest fraction: `2026-10-01T00:00:00+02:00`, `2026-10-03T14:22:05.123Z`.
    public func rfc3339(offsetSeconds: Int) -> String {
        let local = secondsSinceEpoch + Int64(offsetSeconds)
        let days = Int(local.floorDivided(by: 86_400))
        let secondOfDay = Int(local - Int64(days) * 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        var text = date.description + "T"
        text += twoDigits(secondOfDay / 3600) + ":" + twoDigits(secondOfDay / 60 % 60) + ":"
            + twoDigits(secondOfDay % 60)
        if nanoseconds != 0 {
            var fraction = String(nanoseconds)
            fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        if offsetSeconds == 0 { return text + "Z" }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let minutes = abs(offsetSeconds) / 60
        return text + sign + twoDigits(minutes / 60) + ":" + twoDigits(minutes % 60)
    }
}

func twoDigits(_ value: Int) -> String {
    value < 10 ? "0" + String(value) : String(value)
}

extension Int64 {
    /// Division rounding toward negative infinity.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
