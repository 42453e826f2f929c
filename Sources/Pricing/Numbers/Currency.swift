/// A currency and the number of fractional digits its amounts carry.
public struct Currency: Hashable, Sendable, Comparable {
    /// The ISO 4217 code (`USD`) or a catalog-defined code (`CREDITS`).
    public let code: String
    /// Digits after the decimal point in a money amount (USD 2, JPY 0, BHD 3).
    public let minorUnitDigits: Int

    public init(code: String, minorUnitDigits: Int) {
        precondition(minorUnitDigits >= 0 && minorUnitDigits <= 12, "minor units out of range")
        self.code = code
        self.minorUnitDigits = minorUnitDigits
    }

    public static func < (left: Currency, right: Currency) -> Bool { left.code < right.code }

    /// The ISO 4217 currency with this code, or nil when the code is not an active ISO currency.
    public static func iso(_ code: String) -> Currency? {
        guard let digits = isoMinorUnitDigits[code] else { return nil }
        return Currency(code: code, minorUnitDigits: digits)
    }

    /// Active ISO 4217 codes and their minor units (the standard's list, without the funds,
    /// metals and testing codes that have no minor unit).
    static let isoMinorUnitDigits: [String: Int] = {
        var table: [String: Int] = [:]
        let twoDigits = """
            AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN \
            BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN \
            ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES \
            KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK \
            MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR \
            SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD \
            TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL
            """
        for code in twoDigits.split(separator: " ") { table[String(code)] = 2 }
        for code in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
            .split(separator: " ") { table[String(code)] = 0 }
        for code in "BHD IQD JOD KWD LYD OMR TND".split(separator: " ") { table[String(code)] = 3 }
        for code in "CLF UYW".split(separator: " ") { table[String(code)] = 4 }
        return table
    }()
}

/// An amount of money rounded to its currency's minor units.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    /// The amount in minor units (cents for USD).
    public let minorUnits: Int128
    public let currency: Currency

    public init(minorUnits: Int128, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Rounds an exact amount once to the currency's minor units.
    public init(rounding exact: Rational, currency: Currency, rule: RoundingRule) throws {
        self.minorUnits = try exact.significand(atScale: currency.minorUnitDigits, rule: rule)
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money {
        Money(minorUnits: 0, currency: currency)
    }

    /// The exact value of this amount.
    public var exact: Rational {
        // Minor-unit digits are at most 12, so this never overflows.
        (try? Rational(significand: minorUnits, scale: currency.minorUnitDigits)) ?? .zero
    }

    /// Plain notation with exactly the currency's minor-unit digits: `"1234.50"`, `"980"`.
    public var description: String {
        DecimalText.format(
            significand: minorUnits, scale: currency.minorUnitDigits,
            minimumScale: currency.minorUnitDigits)
    }

    public static func + (left: Money, right: Money) throws -> Money {
        precondition(left.currency == right.currency, "adding money of two currencies")
        return Money(
            minorUnits: try Rational.add(left.minorUnits, right.minorUnits, "money addition"),
            currency: left.currency)
    }

    public static func - (left: Money, right: Money) throws -> Money {
        precondition(left.currency == right.currency, "subtracting money of two currencies")
        return Money(
            minorUnits: try Rational.add(left.minorUnits, -right.minorUnits, "money subtraction"),
            currency: left.currency)
    }

    public var negated: Money { Money(minorUnits: -minorUnits, currency: currency) }
}
