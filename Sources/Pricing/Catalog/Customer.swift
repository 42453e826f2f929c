/// A tax applied once per invoice on the discounted subtotal.
public struct Tax: Hashable, Sendable {
    public let name: String
    /// The rate as a fraction: 0.19 for 19 %.
    public let rate: Rational

    public init(name: String, rate: Rational) {
        self.name = name
        self.rate = rate
    }
}

/// A percent off the subtotal, active when `[from, until]` meets the period.
public struct Discount: Hashable, Sendable {
    public let key: String
    /// Percent: 10 for 10 %.
    public let percent: Rational
    /// First local date it applies (inclusive), if any.
    public let from: CivilDate?
    /// Last local date it applies (inclusive), if any.
    public let until: CivilDate?

    public init(key: String, percent: Rational, from: CivilDate?, until: CivilDate?) {
        self.key = key
        self.percent = percent
        self.from = from
        self.until = until
    }
}

/// A plan from `start` (inclusive) to `end` (exclusive, optional), as local dates.
public struct Subscription: Hashable, Sendable {
    public let plan: String
    public let start: CivilDate
    public let end: CivilDate?

    public init(plan: String, start: CivilDate, end: CivilDate?) {
        self.plan = plan
        self.start = start
        self.end = end
    }
}

/// A billed customer (SPEC §6).
public struct Customer: Sendable {
    public let id: String
    public let name: String?
    public let address: Address?
    public let taxID: String?
    public let timeZone: any TimeZoneRules
    /// Anniversary billing: periods start on this day of each month, clamped to the month.
    public let anchorDay: Int?
    public let currency: Currency?
    public let tax: Tax?
    public let discounts: [Discount]
    /// Sorted by start date; never overlapping.
    public let subscriptions: [Subscription]
    /// Days from issue to due date, overriding the catalog's (`PaymentTerms.dueDate`).
    public let paymentTermsDays: Int?

    public init(
        id: String, name: String?, address: Address?, taxID: String?,
        timeZone: any TimeZoneRules, anchorDay: Int?, currency: Currency?, tax: Tax?,
        discounts: [Discount], subscriptions: [Subscription], paymentTermsDays: Int? = nil
    ) {
        self.paymentTermsDays = paymentTermsDays
        self.id = id
        self.name = name
        self.address = address
        self.taxID = taxID
        self.timeZone = timeZone
        self.anchorDay = anchorDay
        self.currency = currency
        self.tax = tax
        self.discounts = discounts
        self.subscriptions = subscriptions.sorted { $0.start < $1.start }
    }

    /// The customer's billing period that starts in `month` (SPEC §4).
    public func billingPeriod(startingIn month: YearMonth) -> BillingPeriod {
        let anchor = anchorDay ?? 1
        let startDate = month.clampedDate(day: anchor)
        let endDate = month.next.clampedDate(day: anchor)
        return BillingPeriod(
            month: month, startDate: startDate, endDate: endDate,
            range: TimeRange(
                start: timeZone.startOfDay(startDate), end: timeZone.startOfDay(endDate)),
            startOffsetSeconds: timeZone.utcOffsetSeconds(
                at: timeZone.startOfDay(startDate).secondsSinceEpoch),
            endOffsetSeconds: timeZone.utcOffsetSeconds(
                at: timeZone.startOfDay(endDate).secondsSinceEpoch))
    }

    /// The parts of `period` each subscription covers, in time order; empty ones left out.
    public func activeSubscriptions(in period: BillingPeriod) -> [ActiveSubscription] {
        var result: [ActiveSubscription] = []
        for subscription in subscriptions {
            let startDate = max(subscription.start, period.startDate)
            let endDate = min(subscription.end ?? period.endDate, period.endDate)
            guard startDate < endDate else { continue }
            let range = TimeRange(
                start: timeZone.startOfDay(startDate), end: timeZone.startOfDay(endDate))
            result.append(
                ActiveSubscription(
                    plan: subscription.plan, startDate: startDate, endDate: endDate, range: range))
        }
        return result
    }
}

/// One customer's billing period: local dates `[startDate, endDate)` and the instants they start.
public struct BillingPeriod: Hashable, Sendable {
    /// The month the run names (`--period`).
    public let month: YearMonth
    public let startDate: CivilDate
    /// Exclusive.
    public let endDate: CivilDate
    public let range: TimeRange
    public let startOffsetSeconds: Int
    public let endOffsetSeconds: Int

    /// `2026-10-01T00:00:00+02:00`: written on every output line of the customer, so made once.
    public let startText: String
    public let endText: String

    init(
        month: YearMonth, startDate: CivilDate, endDate: CivilDate, range: TimeRange,
        startOffsetSeconds: Int, endOffsetSeconds: Int
    ) {
        self.month = month
        self.startDate = startDate
        self.endDate = endDate
        self.range = range
        self.startOffsetSeconds = startOffsetSeconds
        self.endOffsetSeconds = endOffsetSeconds
        startText = range.start.rfc3339(offsetSeconds: startOffsetSeconds)
        endText = range.end.rfc3339(offsetSeconds: endOffsetSeconds)
    }

    /// The number of local days in the period.
    public var dayCount: Int { endDate.daysSinceEpoch - startDate.daysSinceEpoch }
}

/// The part of a period one subscription covers: local dates `[startDate, endDate)`.
public struct ActiveSubscription: Hashable, Sendable {
    public let plan: String
    public let startDate: CivilDate
    public let endDate: CivilDate
    public let range: TimeRange

    public var dayCount: Int { endDate.daysSinceEpoch - startDate.daysSinceEpoch }
}
