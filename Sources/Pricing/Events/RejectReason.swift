/// Why an input line was rejected (SPEC §2); the raw value is the code written to rejects.
public enum RejectReason: String, CaseIterable, Sendable, Comparable {
    case lineTooLong = "line_too_long"
    case invalidUTF8 = "invalid_utf8"
    case malformedJSON = "malformed_json"
    case notAnObject = "not_an_object"
    case missingField = "missing_field"
    case invalidFieldType = "invalid_field_type"
    case invalidTimestamp = "invalid_timestamp"
    case invalidQuantity = "invalid_quantity"
    case negativeQuantity = "negative_quantity"
    case quantityPrecision = "quantity_precision"
    /// SPEC §13.1: the `amount` of a `carries_amount` meter's event is not a decimal, or is
    /// neither a string nor a number.
    case invalidAmount = "invalid_amount"
    /// SPEC §13.1: the `amount` is below zero.
    case negativeAmount = "negative_amount"
    /// SPEC §13.1: the `amount` has more than 20 integer or 12 fractional digits (by value).
    case amountPrecision = "amount_precision"
    case unknownMeter = "unknown_meter"
    case unknownCustomer = "unknown_customer"
    case noSubscription = "no_subscription"
    case conflict

    /// Manifest and report order: by code, so every listing is alphabetical.
    public static func < (left: RejectReason, right: RejectReason) -> Bool {
        left.rawValue < right.rawValue
    }
}

/// One usage event after syntax checks, before it is checked against the catalog.
public struct UsageEvent: Sendable {
    /// The idempotency key within the customer.
    public var id: String
    public var customer: String
    public var meter: String
    public var instant: Instant
    /// The quantity in billionths (scale 9), or nil when the event has none.
    public var quantityNanos: Int128?
    /// Dimensions sorted by key, keys unique.
    public var dims: [Dimension]
    /// The `amount` member as written (SPEC §13.1); read only for `carries_amount` meters.
    public var amount: EventAmountField

    public init(
        id: String, customer: String, meter: String, instant: Instant, quantityNanos: Int128?,
        dims: [Dimension], amount: EventAmountField = .absent
    ) {
        self.id = id
        self.customer = customer
        self.meter = meter
        self.instant = instant
        self.quantityNanos = quantityNanos
        self.dims = dims
        self.amount = amount
    }
}

/// One `dims` entry.
public struct Dimension: Hashable, Sendable {
    public let key: String
    public let value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// Quantities are exact with at most 9 fractional digits: held as billionths.
public enum QuantityScale {
    public static let fractionDigits = 9
    public static let unit: Int128 = 1_000_000_000
    /// Integer digits allowed in an event quantity (SPEC §2).
    public static let integerDigitsMax = 20

    /// The exact value of a quantity in billionths.
    public static func rational(nanos: Int128) -> Rational {
        (try? Rational(numerator: nanos, denominator: unit)) ?? .zero
    }
}
