import Pricing

/// Amounts and quantities as a person reads them on an invoice page (HTML, PDF), by one
/// convention per currency and never by the machine's locale, so every machine writes the same
/// bytes. The JSON documents keep every exact value; this is display only.
///
/// Digits are grouped by three with `,` and the decimal separator is `.` for every currency,
/// since the pages are written in English. A currency with an unambiguous symbol puts it before
/// the amount (`$1,011.37`, `€1,011.37`, `£5.00`, `¥44,636`); any other currency, and every
/// catalog-defined one, is written with its code (`BHD 1,234.567`, `CHF 12.50`, `1,500
/// CREDITS`: ISO codes before, other codes after). A negative amount takes its sign before the
/// symbol (`-$1.83`).
public enum DisplayText {
    /// Currencies written with a symbol before the amount. Symbols shared by several
    /// currencies (the dollar of CAD or AUD, the yen sign of CNY, the krona) are left out: those
    /// are written with their code.
    static let symbols: [String: String] = [
        "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩", "ILS": "₪",
        "NGN": "₦", "UAH": "₴", "VND": "₫", "PHP": "₱", "TRY": "₺",
    ]

    /// The most fractional digits a quantity shows (`361409/3600000` → `0.1004`).
    public static let quantityDigits = 4

    /// The most fractional digits a unit price shows (`0.0004` as is; `1/3` → `0.333333`).
    public static let unitPriceDigits = 6

    /// `value` in `currency`, with exactly the currency's minor units (rounded half up if it
    /// has more, which an amount on a document never has).
    public static func money(_ value: Rational, currency: Currency) -> String {
        amount(
            value, currency: currency, minimumDigits: currency.minorUnitDigits,
            maximumDigits: currency.minorUnitDigits)
    }

    /// A unit price in `currency`: at least the currency's minor units, more where the price
    /// has them, up to `unitPriceDigits` (`$0.0004`, `$5.00`, `¥3`).
    public static func unitPrice(_ value: Rational, currency: Currency) -> String {
        amount(
            value, currency: currency, minimumDigits: currency.minorUnitDigits,
            maximumDigits: max(currency.minorUnitDigits, unitPriceDigits))
    }

    /// A quantity rounded half up to at most `quantityDigits` fractional digits, trailing zeros
    /// dropped, digits grouped: `1,234.5`, `0.1004`, `115`.
    public static func quantity(_ value: Rational) -> String {
        number(value, minimumDigits: 0, maximumDigits: quantityDigits)
    }

    static func amount(
        _ value: Rational, currency: Currency, minimumDigits: Int, maximumDigits: Int
    ) -> String {
        let digits = number(
            value.isNegative ? value.negated : value, minimumDigits: minimumDigits,
            maximumDigits: maximumDigits)
        // No sign on an amount that shows as zero.
        let sign =
            value.isNegative && digits.contains(where: { $0.isNumber && $0 != "0" }) ? "-" : ""
        if let symbol = symbols[currency.code] { return sign + symbol + digits }
        if Currency.iso(currency.code) != nil { return sign + currency.code + " " + digits }
        return sign + digits + " " + currency.code
    }

    /// Plain notation rounded half up to `maximumDigits`, trailing zeros dropped down to
    /// `minimumDigits`, the integer part grouped by three.
    static func number(_ value: Rational, minimumDigits: Int, maximumDigits: Int) -> String {
        // Past Int128 at this scale (never for a billed figure): the exact text, ungrouped.
        guard let significand = try? value.significand(atScale: maximumDigits, rule: .halfUp)
        else { return value.description }
        let plain = DecimalText.format(
            significand: significand, scale: maximumDigits, minimumScale: minimumDigits)
        let negative = plain.hasPrefix("-")
        let unsigned = negative ? plain.dropFirst() : Substring(plain)
        let parts = unsigned.split(separator: ".", maxSplits: 1)
        let integer = Array(parts[0])
        var grouped = ""
        for (index, digit) in integer.enumerated() {
            if index > 0, (integer.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        let fraction = parts.count > 1 ? "." + parts[1] : ""
        return (negative ? "-" : "") + grouped + fraction
    }
}
