/// How a meter turns a customer's events into one quantity per period.
public enum Aggregation: String, Sendable, CaseIterable {
    /// The number of events (a quantity, if present, is validated and ignored).
    case count
    /// The sum of quantities.
    case sum
    /// The largest quantity.
    case max
    /// The smallest quantity.
    case min
    /// The number of distinct non-empty values of `dims[field]`.
    case uniqueCount = "unique_count"
    /// The quantity of the latest event, by instant, then by id.
    case latest
    /// A gauge: each event sets the level from its instant on; the aggregate is the level's
    /// integral over the plan's active span, per `Meter.per` (SPEC §13.3).
    case timeWeighted = "time_weighted"

    /// Whether events of this meter must carry a quantity.
    public var needsQuantity: Bool { self != .count && self != .uniqueCount }
}

/// The time unit a `time_weighted` meter's integral is divided by (SPEC §13.3).
public enum GaugeUnit: String, Sendable, CaseIterable {
    case second, minute, hour, day

    /// The unit's length in seconds (a day is 86,400 s, whatever the time zone).
    public var seconds: Int64 {
        switch self {
        case .second: 1
        case .minute: 60
        case .hour: 3_600
        case .day: 86_400
        }
    }
}

/// A named measure in the catalog (`api_calls`, `tokens`).
public struct Meter: Hashable, Sendable {
    public let key: String
    public let aggregation: Aggregation
    /// The dimension counted by `unique_count`.
    public let field: String?
    /// `carries_amount: true` (SPEC §13.1): every event carries its own price in `amount`.
    public let carriesAmount: Bool
    /// What a `time_weighted` meter's integral is divided by; nil for other aggregations.
    public let per: GaugeUnit?

    /// A meter; `per` is given for `time_weighted` only.
    public init(
        key: String, aggregation: Aggregation, field: String?, carriesAmount: Bool = false,
        per: GaugeUnit? = nil
    ) {
        self.key = key
        self.aggregation = aggregation
        self.field = field
        self.carriesAmount = carriesAmount
        self.per = per
    }
}

/// One price band of a graduated or volume charge.
public struct Tier: Hashable, Sendable {
    /// The inclusive upper bound; nil for the last, unbounded tier.
    public let upTo: Rational?
    /// The price per unit; 0 when the catalog omits it (a tier priced by its flat price or by
    /// blocks, SPEC §13.6).
    public let unitPrice: Rational
    /// Added once when the quantity enters this tier.
    public let flatPrice: Rational?
    /// Whole blocks instead of units (SPEC §13.6); `unitPrice` is then 0 and unused.
    public let block: BlockPrice?

    /// A tier priced per unit (plus its flat price), or by whole blocks when `block` is given.
    public init(
        upTo: Rational?, unitPrice: Rational, flatPrice: Rational?, block: BlockPrice? = nil
    ) {
        self.upTo = upTo
        self.unitPrice = unitPrice
        self.flatPrice = flatPrice
        self.block = block
    }
}

/// A tier's block pricing (`block_size`, `block_price`): the units a tier prices are rounded up
/// to whole blocks of `size`, each costing `price` (Kill Bill's tiered blocks, SPEC §13.6).
public struct BlockPrice: Hashable, Sendable {
    /// Units per block, greater than 0.
    public let size: Rational
    /// The price of one started block, ≥ 0.
    public let price: Rational

    public init(size: Rational, price: Rational) {
        self.size = size
        self.price = price
    }
}

/// The unit price of a `per_unit` charge: one price, or one per value of a dimension.
public enum UnitPrice: Hashable, Sendable {
    case single(Rational)
    /// `prices_by`: the price for `dims[dimension]`, or `defaultPrice` for any other value.
    case byDimension(dimension: String, prices: [String: Rational], defaultPrice: Rational)

    /// The price for a group's dimension values.
    public func price(for group: [String: String]) -> Rational {
        switch self {
        case .single(let price):
            return price
        case .byDimension(let dimension, let prices, let defaultPrice):
            return prices[group[dimension] ?? ""] ?? defaultPrice
        }
    }
}

/// How a usage charge prices its (transformed) quantity.
public enum PricingModel: Hashable, Sendable {
    case perUnit(UnitPrice)
    case graduated([Tier])
    case volume([Tier])
    /// `ceil(quantity / size) × price`, or floor with `roundPackagesDown`.
    case package(size: Rational, price: Rational, roundPackagesDown: Bool)
    /// `dynamic` (SPEC §13.1): the sum of the events' own amounts times `markup` (≥ 0); only on
    /// a `carries_amount` meter.
    case dynamic(markup: Rational)
    /// A percent of each event's quantity plus a fixed fee, bounded per event (SPEC §13.2):
    /// priced from the events, not from the aggregate alone (`PriceModels.percentage`).
    case percentage(PercentageFee)
}

/// Rounding of the quantity after `divide_by`.
public enum QuantityRounding: String, Hashable, Sendable {
    case up, down, none
}

/// A charge priced from a meter's aggregate.
public struct UsageCharge: Hashable, Sendable {
    public let key: String
    public let meter: String
    /// Dimensions that split the charge into one line per distinct value combination.
    public let groupBy: [String]
    /// Only events whose `dims[key]` is one of the values count; sorted by key.
    public let filter: [DimensionFilter]
    public let model: PricingModel
    public let freeQuantity: Rational?
    public let divideBy: Rational?
    public let roundQuantity: QuantityRounding
    public let minimum: Rational?
    public let maximum: Rational?
    /// `flat_price_at_zero` (graduated and volume only, SPEC §13.6): a quantity of 0 after
    /// transforms bills the first tier's flat price instead of nothing.
    public let flatPriceAtZero: Bool

    public init(
        key: String, meter: String, groupBy: [String], filter: [DimensionFilter],
        model: PricingModel, freeQuantity: Rational?, divideBy: Rational?,
        roundQuantity: QuantityRounding, minimum: Rational?, maximum: Rational?,
        flatPriceAtZero: Bool = false
    ) {
        self.key = key
        self.meter = meter
        self.groupBy = groupBy
        self.filter = filter
        self.model = model
        self.freeQuantity = freeQuantity
        self.divideBy = divideBy
        self.roundQuantity = roundQuantity
        self.minimum = minimum
        self.maximum = maximum
        self.flatPriceAtZero = flatPriceAtZero
    }
}

/// One `filter` entry: the dimension and the values it admits.
public struct DimensionFilter: Hashable, Sendable {
    public let dimension: String
    public let values: Set<String>

    public init(dimension: String, values: Set<String>) {
        self.dimension = dimension
        self.values = values
    }
}

/// When a recurring charge fires.
public enum Schedule: Hashable, Sendable {
    /// Once per period.
    case monthly
    /// Each local day.
    case daily
    /// Each local day whose ISO weekday (1 Monday … 7 Sunday) is listed.
    case weekdays(Set<Int>)
    /// Each local day whose day of month is listed (31 does not fire in a 30-day month).
    case monthdays(Set<Int>)
    /// Each local time a standard 5-field cron expression names.
    case cron(CronSchedule)
}

/// A fixed fee billed on a schedule.
public struct RecurringCharge: Hashable, Sendable {
    public let key: String
    public let amount: Rational
    public let schedule: Schedule
    /// Monthly only: bill by active days / days in the period.
    public let prorate: Bool
    public let minimum: Rational?
    public let maximum: Rational?

    public init(
        key: String, amount: Rational, schedule: Schedule, prorate: Bool,
        minimum: Rational?, maximum: Rational?
    ) {
        self.key = key
        self.amount = amount
        self.schedule = schedule
        self.prorate = prorate
        self.minimum = minimum
        self.maximum = maximum
    }
}

/// A line-producing entry of a plan.
public enum Charge: Hashable, Sendable {
    case usage(UsageCharge)
    case recurring(RecurringCharge)

    public var key: String {
        switch self {
        case .usage(let charge): return charge.key
        case .recurring(let charge): return charge.key
        }
    }
}

/// A priced offering a customer subscribes to.
public struct Plan: Hashable, Sendable {
    public let key: String
    public let currency: Currency
    public let charges: [Charge]
    /// The plan total below which a `minimum_true_up` line adds the difference.
    public let minimumCommitment: Rational?
    /// Credits granted to the wallet each period, expiring at the period end.
    public let includedCredits: Rational?

    public init(
        key: String, currency: Currency, charges: [Charge], minimumCommitment: Rational?,
        includedCredits: Rational?
    ) {
        self.key = key
        self.currency = currency
        self.charges = charges
        self.minimumCommitment = minimumCommitment
        self.includedCredits = includedCredits
    }
}

/// A postal address printed on invoices.
public struct Address: Hashable, Sendable {
    public let street: String
    public let city: String
    public let postalCode: String
    public let country: String

    public init(street: String, city: String, postalCode: String, country: String) {
        self.street = street
        self.city = city
        self.postalCode = postalCode
        self.country = country
    }
}

/// The issuer printed on invoices.
public struct Seller: Hashable, Sendable {
    public let name: String
    public let address: Address?
    public let taxID: String?
    /// Where customers write (one `@`, no spaces).
    public let email: String?
    /// The seller's site, an `http://` or `https://` URL.
    public let website: String?
    /// Where customers pay.
    public let bank: BankDetails?
    /// The image at the head of the invoice.
    public let logo: Logo?

    /// A seller; the contact, bank and logo parts are optional (issue 11).
    public init(
        name: String, address: Address?, taxID: String?, email: String? = nil,
        website: String? = nil, bank: BankDetails? = nil, logo: Logo? = nil
    ) {
        self.name = name
        self.address = address
        self.taxID = taxID
        self.email = email
        self.website = website
        self.bank = bank
        self.logo = logo
    }
}

/// Ledger account names used by the journals (SPEC §8.3); each may be overridden in the catalog.
public struct AccountNames: Hashable, Sendable {
    public var receivable = "Assets:Receivable"
    public var usageIncome = "Income:Usage"
    public var recurringIncome = "Income:Recurring"
    public var minimumIncome = "Income:Minimum"
    public var tax = "Liabilities:Tax"
    public var discounts = "Income:Discounts"
    public var payments = "Assets:Clearing:Payments"
    public var promotions = "Expenses:Promotions"
    public var credits = "Liabilities:Credits"
    public var breakage = "Income:Breakage"
    public var openingBalances = "Equity:Opening-Balances"

    public init() {}
}

/// The whole priced catalog (SPEC §5).
public struct Catalog: Sendable {
    public let version: Int
    public let seller: Seller?
    /// The catalog's default currency for plans.
    public let currency: Currency?
    public let rounding: RoundingRule
    /// Catalog-defined currencies, by code, beyond ISO 4217.
    public let currencies: [String: Currency]
    public let meters: [String: Meter]
    public let plans: [String: Plan]
    public let accounts: AccountNames
    /// Names, descriptions and units shown for plans and charges instead of their keys.
    public let display: CatalogDisplay
    /// Days from issue to due date for customers without terms of their own; nil: no due date
    /// unless the customer gives terms (`PaymentTerms.dueDate`).
    public let paymentTermsDays: Int?

    /// A catalog; display text and payment terms are optional (issue 11).
    public init(
        version: Int, seller: Seller?, currency: Currency?, rounding: RoundingRule,
        currencies: [String: Currency], meters: [String: Meter], plans: [String: Plan],
        accounts: AccountNames, display: CatalogDisplay = CatalogDisplay(),
        paymentTermsDays: Int? = nil
    ) {
        self.version = version
        self.seller = seller
        self.currency = currency
        self.rounding = rounding
        self.currencies = currencies
        self.meters = meters
        self.plans = plans
        self.accounts = accounts
        self.display = display
        self.paymentTermsDays = paymentTermsDays
    }

    /// The currency with this code: catalog-defined first, then ISO 4217.
    public func currency(code: String) -> Currency? {
        currencies[code] ?? Currency.iso(code)
    }
}
