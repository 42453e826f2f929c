/// How an exact value is brought to a coarser scale. Every rescale names one; none is implied.
public enum RoundingRule: String, CaseIterable, Sendable {
    /// Half away from zero: 2.5 → 3, -2.5 → -3.
    case halfUp = "half_up"
    /// Half to even (banker's): 2.5 → 2, 3.5 → 4.
    case halfEven = "half_even"
    /// Away from zero: 2.1 → 3, -2.1 → -3.
    case up
    /// Toward zero: 2.9 → 2, -2.9 → -2.
    case down
    /// Toward positive infinity.
    case ceiling
    /// Toward negative infinity.
    case floor

    /// Divides `numerator` by the positive `denominator`, rounding the quotient by this rule.
    ///
    /// - Precondition: `denominator > 0`.
    public func divide(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator > 0, "rounding division needs a positive denominator")
        // Swift's division truncates toward zero; the remainder carries the numerator's sign.
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        if remainder == 0 { return quotient }
        let negative = numerator < 0
        let awayFromZero = negative ? quotient - 1 : quotient + 1
        switch self {
        case .down:
            return quotient
        case .up:
            return awayFromZero
        case .ceiling:
            return negative ? quotient : awayFromZero
        case .floor:
            return negative ? awayFromZero : quotient
        case .halfUp, .halfEven:
            // Compare twice the remainder's magnitude with the denominator, without overflow:
            // |r| < d, so d - |r| is positive and |r| >= d - |r| means at least one half.
            let magnitude = remainder.magnitude
            let rest = denominator.magnitude - magnitude
            if magnitude > rest { return awayFromZero }
            if magnitude < rest { return quotient }
            if self == .halfUp { return awayFromZero }
            return quotient % 2 == 0 ? quotient : awayFromZero
        }
    }
}
