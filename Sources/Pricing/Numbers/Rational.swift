/// An exact rational number: a numerator over a positive denominator, always in lowest terms.
///
/// Ratebook computes every quantity, price and amount as a `Rational`, so a value that does not
/// end in decimal (a prorated fee, a `divide_by: 3`) stays exact until it is rounded once, by a
/// stated `RoundingRule`. Both parts are `Int128`: any result that does not fit throws
/// `ArithmeticError.overflow` instead of trapping.
public struct Rational: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The numerator; carries the sign.
    public let numerator: Int128
    /// The denominator; always positive and coprime with the numerator.
    public let denominator: Int128

    public static let zero = Rational(uncheckedNumerator: 0, denominator: 1)
    public static let one = Rational(uncheckedNumerator: 1, denominator: 1)

    /// A value already known to be in lowest terms with a positive denominator.
    init(uncheckedNumerator numerator: Int128, denominator: Int128) {
        precondition(denominator > 0, "denominator must be positive")
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The whole number `value`.
    public init(_ value: Int128) {
        self.init(uncheckedNumerator: value, denominator: 1)
    }

    /// The whole number `value`.
    public init(_ value: Int) {
        self.init(uncheckedNumerator: Int128(value), denominator: 1)
    }

    /// `numerator / denominator`, reduced to lowest terms.
    public init(numerator: Int128, denominator: Int128) throws {
        guard denominator != 0 else { throw ArithmeticError.divisionByZero }
        guard numerator != Int128.min, denominator != Int128.min else {
            throw ArithmeticError.overflow(operation: "fraction")
        }
        let divisor = Rational.greatestCommonDivisor(numerator, denominator)
        var top = numerator / divisor
        var bottom = denominator / divisor
        if bottom < 0 {
            top = -top
            bottom = -bottom
        }
        self.init(uncheckedNumerator: top, denominator: bottom)
    }

    /// `significand × 10^-scale`, as a decimal with `scale` fractional digits reads.
    public init(significand: Int128, scale: Int) throws {
        precondition(scale >= 0 && scale <= 38, "decimal scale out of range")
        try self.init(numerator: significand, denominator: Rational.powerOfTen(scale))
    }

    /// Greatest common divisor of two magnitudes; 1 when both are zero.
    static func greatestCommonDivisor(_ first: Int128, _ second: Int128) -> Int128 {
        var a = first.magnitude
        var b = second.magnitude
        while b != 0 { (a, b) = (b, a % b) }
        return a == 0 ? 1 : Int128(a)
    }

    /// 10^exponent for exponent in 0...38.
    public static func powerOfTen(_ exponent: Int) -> Int128 {
        precondition(exponent >= 0 && exponent <= 38, "power of ten out of range")
        var result: Int128 = 1
        for _ in 0..<exponent { result &*= 10 }
        return result
    }

    public var isZero: Bool { numerator == 0 }
    public var isNegative: Bool { numerator < 0 }
    public var isInteger: Bool { denominator == 1 }
    public var negated: Rational {
        Rational(uncheckedNumerator: -numerator, denominator: denominator)
    }

    static func multiply(_ a: Int128, _ b: Int128, _ operation: String) throws -> Int128 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { throw ArithmeticError.overflow(operation: operation) }
        return product
    }

    static func add(_ a: Int128, _ b: Int128, _ operation: String) throws -> Int128 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { throw ArithmeticError.overflow(operation: operation) }
        return sum
    }

    public static func + (left: Rational, right: Rational) throws -> Rational {
        if left.denominator == right.denominator {
            return try Rational(
                numerator: add(left.numerator, right.numerator, "addition"),
                denominator: left.denominator)
        }
        let divisor = greatestCommonDivisor(left.denominator, right.denominator)
        let leftFactor = right.denominator / divisor
        let rightFactor = left.denominator / divisor
        let top = try add(
            multiply(left.numerator, leftFactor, "addition"),
            multiply(right.numerator, rightFactor, "addition"), "addition")
        return try Rational(
            numerator: top, denominator: multiply(left.denominator, leftFactor, "addition"))
    }

    public static func - (left: Rational, right: Rational) throws -> Rational {
        try left + right.negated
    }

    public static func * (left: Rational, right: Rational) throws -> Rational {
        if left.isZero || right.isZero { return .zero }
        let crossA = greatestCommonDivisor(left.numerator, right.denominator)
        let crossB = greatestCommonDivisor(right.numerator, left.denominator)
        let top = try multiply(left.numerator / crossA, right.numerator / crossB, "multiplication")
        let bottom = try multiply(
            left.denominator / crossB, right.denominator / crossA, "multiplication")
        return try Rational(numerator: top, denominator: bottom)
    }

    public static func / (left: Rational, right: Rational) throws -> Rational {
        guard !right.isZero else { throw ArithmeticError.divisionByZero }
        let inverse = try Rational(numerator: right.denominator, denominator: right.numerator)
        return try left * inverse
    }

    public static func < (left: Rational, right: Rational) -> Bool {
        if left.denominator == right.denominator { return left.numerator < right.numerator }
        // Compare a/b < c/d as a*d < c*b in 256-bit arithmetic so comparison never fails.
        let lhs = WideProduct(left.numerator, right.denominator)
        let rhs = WideProduct(right.numerator, left.denominator)
        return lhs < rhs
    }

    /// Rounds to a whole number by `rule`.
    public func rounded(_ rule: RoundingRule) -> Int128 {
        rule.divide(numerator, by: denominator)
    }

    /// Rounds to `scale` fractional digits by `rule`, giving the significand at that scale.
    public func significand(atScale scale: Int, rule: RoundingRule) throws -> Int128 {
        let factor = Rational.powerOfTen(scale)
        let divisor = Rational.greatestCommonDivisor(factor, denominator)
        let top = try Rational.multiply(numerator, factor / divisor, "rounding")
        return rule.divide(top, by: denominator / divisor)
    }

    /// The number of fractional digits of the decimal expansion, or nil when it does not end.
    public var terminatingScale: Int? {
        var rest = denominator
        var twos = 0
        var fives = 0
        while rest % 2 == 0 {
            rest /= 2
            twos += 1
        }
        while rest % 5 == 0 {
            rest /= 5
            fives += 1
        }
        return rest == 1 ? max(twos, fives) : nil
    }

    /// The canonical text: plain decimal notation without trailing zeros (`"0.0004"`, `"12"`,
    /// `"-3.5"`) when the expansion ends, otherwise the fraction in lowest terms (`"833/31"`).
    public var description: String {
        guard let scale = terminatingScale else { return "\(numerator)/\(denominator)" }
        // denominator divides 10^scale exactly; the scaled numerator fits because scale <= 127
        // only when the numerator is small; fall back to the fraction if it does not.
        guard scale <= 38,
            let significand = try? Rational.multiply(
                numerator, Rational.powerOfTen(scale) / denominator, "format")
        else { return "\(numerator)/\(denominator)" }
        return DecimalText.format(significand: significand, scale: scale, minimumScale: 0)
    }
}

/// A signed 256-bit product of two `Int128` values, only for exact comparison.
struct WideProduct: Comparable {
    let negative: Bool
    let high: UInt128
    let low: UInt128

    init(_ a: Int128, _ b: Int128) {
        let (high, low) = a.magnitude.multipliedFullWidth(by: b.magnitude)
        self.negative = (a < 0) != (b < 0) && (high != 0 || low != 0)
        self.high = high
        self.low = low
    }

    static func < (left: WideProduct, right: WideProduct) -> Bool {
        if left.negative != right.negative { return left.negative }
        let magnitudeLess = left.high != right.high ? left.high < right.high : left.low < right.low
        let magnitudeEqual = left.high == right.high && left.low == right.low
        if magnitudeEqual { return false }
        return left.negative ? !magnitudeLess : magnitudeLess
    }
}
