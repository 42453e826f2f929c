/// An event's `amount` member as the line holds it, before any check (SPEC §13.1): only a
/// `carries_amount` meter's events read it, so on other meters it costs nothing and any value
/// is ignored.
public enum EventAmountField: Hashable, Sendable {
    /// No `amount` member.
    case absent
    /// `"amount": null` (the same as absent: `missing_field`).
    case null
    /// A JSON string's text (escapes decoded) or a JSON number's text.
    case text([UInt8])
    /// Any other JSON type (an object, an array, a boolean): `invalid_amount`, named by its type.
    case other(String)
}

/// Event amounts are exact with at most 12 fractional digits (SPEC §13.1): held as an `Int128`
/// count of 10⁻¹² units ("picos"), the one representation every amount-carrying feature shares
/// (the partition bytes of an event, sums, replacement events of §13.4).
///
/// 20 integer and 12 fractional digits stay below 10³² picos, far inside `Int128` (about
/// 1.7 × 10³⁸), so one amount never overflows; sums of many are checked.
public enum AmountScale {
    /// Fractional digits an amount may have, judged on its value.
    public static let fractionDigits = 12
    /// Integer digits an amount may have, judged on its value.
    public static let integerDigitsMax = 20
    /// One currency unit in picos.
    public static let unit: Int128 = 1_000_000_000_000
    /// Bytes one amount takes where it is stored beside an event (little-endian `Int128`).
    public static let storedBytes = 16

    /// The exact value of an amount in picos.
    public static func rational(picos: Int128) -> Rational {
        (try? Rational(numerator: picos, denominator: unit)) ?? .zero
    }
}
