/// The UTC offsets of one time zone over time. Pricing asks; Formats answers from the IANA data.
public protocol TimeZoneRules: Sendable {
    /// The IANA name (`Europe/Berlin`).
    var identifier: String { get }
    /// The offset from UTC, in seconds, in force at `secondsSinceEpoch`.
    func utcOffsetSeconds(at secondsSinceEpoch: Int64) -> Int
}

/// A zone with one fixed offset; `UTC` is the default zone of a customer.
public struct FixedOffsetZone: TimeZoneRules {
    public let identifier: String
    public let offsetSeconds: Int

    public init(identifier: String, offsetSeconds: Int) {
        self.identifier = identifier
        self.offsetSeconds = offsetSeconds
    }

    public static let utc = FixedOffsetZone(identifier: "UTC", offsetSeconds: 0)

    public func utcOffsetSeconds(at secondsSinceEpoch: Int64) -> Int { offsetSeconds }
}

/// How a local wall-clock time maps to the time line.
public enum LocalTimeResolution: Equatable, Sendable {
    /// Exactly one instant shows this wall time.
    case unique(Instant)
    /// The wall time occurs twice (clocks turned back): the earlier and the later instant.
    case repeated(earlier: Instant, later: Instant)
    /// The wall time never occurs (clocks jumped forward); `transition` is the first instant
    /// after the gap.
    case skipped(transition: Instant)
}

extension TimeZoneRules {
    /// Where the wall time `date` at `secondOfDay` falls on the time line.
    ///
    /// Works for any zone whose offset changes at most once within a day on each side of the
    /// wall time, which holds for every zone in the IANA database.
    public func resolve(date: CivilDate, secondOfDay: Int) -> LocalTimeResolution {
        let wall = Int64(date.daysSinceEpoch) * 86_400 + Int64(secondOfDay)
        let offsetBefore = utcOffsetSeconds(at: wall - 86_400)
        let offsetAfter = utcOffsetSeconds(at: wall + 86_400)
        var candidates: [Int64] = []
        for offset in Set([offsetBefore, offsetAfter]).sorted(by: >) {
            let instant = wall - Int64(offset)
            if utcOffsetSeconds(at: instant) == offset { candidates.append(instant) }
        }
        candidates.sort()
        if candidates.count == 1 { return .unique(Instant(secondsSinceEpoch: candidates[0])) }
        if candidates.count >= 2 {
            return .repeated(
                earlier: Instant(secondsSinceEpoch: candidates[0]),
                later: Instant(secondsSinceEpoch: candidates[candidates.count - 1]))
        }
        // In a gap: the pre-transition offset lands after the transition; the transition is the
        // first instant whose offset is the later one. Search for it between the two guesses.
        var low = wall - Int64(offsetAfter)
        var high = wall - Int64(offsetBefore)
        if low > high { swap(&low, &high) }
        while low + 1 < high {
            let middle = low + (high - low) / 2
            if utcOffsetSeconds(at: middle) == offsetBefore { low = middle } else { high = middle }
        }
        return .skipped(transition: Instant(secondsSinceEpoch: high))
    }

    /// The first instant of the local day `date` (a midnight lost to DST means the first
    /// instant after the gap; a repeated midnight means the earlier one).
    public func startOfDay(_ date: CivilDate) -> Instant {
        switch resolve(date: date, secondOfDay: 0) {
        case .unique(let instant): return instant
        case .repeated(let earlier, _): return earlier
        case .skipped(let transition): return transition
        }
    }

    /// The local calendar date at `instant`.
    public func localDate(at instant: Instant) -> CivilDate {
        let wall =
            instant.secondsSinceEpoch + Int64(utcOffsetSeconds(at: instant.secondsSinceEpoch))
        return CivilDate(daysSinceEpoch: Int(wall.floorDivided(by: 86_400)))
    }
}

/// A half-open span of time `[start, end)`.
public struct TimeRange: Hashable, Sendable {
    public let start: Instant
    public let end: Instant

    public init(start: Instant, end: Instant) {
        precondition(start <= end, "a time range cannot end before it starts")
        self.start = start
        self.end = end
    }

    public func contains(_ instant: Instant) -> Bool { start <= instant && instant < end }
}
