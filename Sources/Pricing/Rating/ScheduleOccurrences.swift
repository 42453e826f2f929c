extension Schedule {
    /// How many times the schedule fires on the local dates `[startDate, endDate)` in `zone`.
    ///
    /// `daily`, `weekdays` and `monthdays` fire once on each matching local date (weekdays are
    /// ISO, 1 Monday … 7 Sunday; `monthdays: [31]` never fires in a 30-day month; values outside
    /// those ranges never match). `cron` fires at each local time its expression names on each
    /// date, resolved in `zone`: a time skipped by a DST gap does not fire, and a time repeated
    /// when clocks turn back fires once.
    ///
    /// `monthly` has no occurrences to count: it bills once per period, prorated by the rating
    /// code; calling this for it is a programmer error.
    ///
    /// Complexity: O(days) for the day schedules; O(days × firing times per day) for `cron`.
    public func occurrenceCount(
        from startDate: CivilDate, to endDate: CivilDate, zone: any TimeZoneRules
    ) -> Int {
        precondition(startDate <= endDate, "occurrence range ends before it starts")
        let firstDay = startDate.daysSinceEpoch
        let endDay = endDate.daysSinceEpoch
        var count = 0
        switch self {
        case .monthly:
            preconditionFailure(
                "monthly schedules bill once per period; rating handles them without counting")
        case .daily:
            count = endDay - firstDay
        case .weekdays(let weekdays):
            for day in firstDay..<endDay
            where weekdays.contains(CivilDate(daysSinceEpoch: day).isoWeekday) {
                count += 1
            }
        case .monthdays(let monthdays):
            for day in firstDay..<endDay
            where monthdays.contains(CivilDate(daysSinceEpoch: day).day) {
                count += 1
            }
        case .cron(let cron):
            for day in firstDay..<endDay {
                let date = CivilDate(daysSinceEpoch: day)
                for secondOfDay in cron.firingSecondsOfDay(on: date) {
                    switch zone.resolve(date: date, secondOfDay: secondOfDay) {
                    case .unique, .repeated: count += 1
                    case .skipped: break
                    }
                }
            }
        }
        return count
    }
}
