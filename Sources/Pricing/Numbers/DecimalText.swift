/// Reading and writing exact decimals as text. Never goes through a binary floating point.
public enum DecimalText {
    /// Why a decimal text was refused.
    public enum ParseFailure: Error, Equatable, Sendable {
        /// Not of the form `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        case syntax
        /// More digits than the representation allows.
        case tooPrecise
    }

    /// A parsed decimal: `significand × 10^-scale`, with trailing fractional zeros removed.
    public struct Parsed: Equatable, Sendable {
        public var significand: Int128
        public var scale: Int
        /// The count of digits left of the decimal point once normalized (0 for values below 1).
        public var integerDigits: Int
    }

    /// Significand digits kept while parsing; beyond this the text is refused as too precise.
    static let significantDigitsMax = 38

    /// Parses `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?` exactly. Leading zeros are allowed.
    ///
    /// The result is normalized: no trailing fractional zeros, and `-0` is 0.
    public static func parse<Bytes: Collection>(_ bytes: Bytes) -> Result<Parsed, ParseFailure>
    where Bytes.Element == UInt8 {
        guard isWellFormed(bytes) else { return .failure(.syntax) }
        var index = bytes.startIndex
        let end = bytes.endIndex
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "-") {
            negative = true
            bytes.formIndex(after: &index)
        }
        // Digits as a significand, ignoring leading zeros; count fractional digits.
        var significand: Int128 = 0
        var significantDigits = 0
        var fractionDigits = 0
        var trailingZeros = 0  // pending zeros not yet multiplied in (kept exact lazily)
        var integerDigitCount = 0
        func take(_ digit: UInt8) -> Bool {
            if digit == 0 && significantDigits == 0 { return true }
            if digit == 0 {
                trailingZeros += 1
                return true
            }
            // Flush pending zeros, then the digit.
            let needed = significantDigits + trailingZeros + 1
            if needed > significantDigitsMax { return false }
            for _ in 0..<trailingZeros { significand &*= 10 }
            significand = significand &* 10 &+ Int128(digit)
            significantDigits = needed
            trailingZeros = 0
            return true
        }
        while index < end, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            if !take(bytes[index] - 0x30) { return .failure(.tooPrecise) }
            integerDigitCount += 1
            bytes.formIndex(after: &index)
        }
        if integerDigitCount == 0 { return .failure(.syntax) }
        if index < end, bytes[index] == UInt8(ascii: ".") {
            bytes.formIndex(after: &index)
            var count = 0
            while index < end, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if !take(bytes[index] - 0x30) { return .failure(.tooPrecise) }
                count += 1
                bytes.formIndex(after: &index)
            }
            if count == 0 { return .failure(.syntax) }
            fractionDigits = count
        }
        var exponent = 0
        if index < end, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            bytes.formIndex(after: &index)
            var exponentNegative = false
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                bytes.formIndex(after: &index)
            }
            var count = 0
            while index < end, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                // Saturate: an exponent beyond any representable value is "too precise".
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[index] - 0x30) }
                count += 1
                bytes.formIndex(after: &index)
            }
            if count == 0 { return .failure(.syntax) }
            if exponentNegative { exponent = -exponent }
        }
        if index != end { return .failure(.syntax) }
        if significantDigits == 0 {
            return .success(Parsed(significand: 0, scale: 0, integerDigits: 0))
        }
        // Value = significand × 10^(trailingZeros + exponent - fractionDigits).
        var power = trailingZeros + exponent - fractionDigits
        var scale = 0
        if power >= 0 {
            if significantDigits + power > significantDigitsMax { return .failure(.tooPrecise) }
            for _ in 0..<power { significand &*= 10 }
            power = 0
        } else {
            scale = -power
            // Remove trailing zeros of the significand that sit in the fraction.
            while scale > 0, significand % 10 == 0 {
                significand /= 10
                scale -= 1
            }
            if scale > significantDigitsMax { return .failure(.tooPrecise) }
        }
        let digits = decimalDigitCount(significand)
        let integerDigits = max(0, digits - scale)
        return .success(
            Parsed(
                significand: negative ? -significand : significand, scale: scale,
                integerDigits: integerDigits))
    }

    /// Whether the text matches `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    public static func isWellFormed<Bytes: Collection>(_ bytes: Bytes) -> Bool
    where Bytes.Element == UInt8 {
        var index = bytes.startIndex
        let end = bytes.endIndex
        func digits() -> Int {
            var count = 0
            while index < end, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                count += 1
                bytes.formIndex(after: &index)
            }
            return count
        }
        if index < end, bytes[index] == UInt8(ascii: "-") { bytes.formIndex(after: &index) }
        if digits() == 0 { return false }
        if index < end, bytes[index] == UInt8(ascii: ".") {
            bytes.formIndex(after: &index)
            if digits() == 0 { return false }
        }
        if index < end, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            bytes.formIndex(after: &index)
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                bytes.formIndex(after: &index)
            }
            if digits() == 0 { return false }
        }
        return index == end
    }

    /// Parses a decimal string into an exact `Rational`.
    public static func rational(_ text: String) -> Result<Rational, ParseFailure> {
        switch parse(Array(text.utf8)) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let parsed):
            guard let value = try? Rational(significand: parsed.significand, scale: parsed.scale)
            else { return .failure(.tooPrecise) }
            return .success(value)
        }
    }

    /// Parses the canonical text of an exact value: a decimal, or a fraction `n/d` as
    /// `Rational.description` writes values that do not end.
    public static func exact(_ text: String) -> Rational? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 1 {
            if case .success(let value) = rational(text) { return value }
            return nil
        }
        guard parts.count == 2, let numerator = Int128(String(parts[0])),
              let denominator = Int128(String(parts[1])), denominator > 0
        else { return nil }
        return try? Rational(numerator: numerator, denominator: denominator)
    }

    /// The count of decimal digits of a magnitude (0 for zero).
    static func decimalDigitCount(_ value: Int128) -> Int {
        var rest = value.magnitude
        var count = 0
        while rest != 0 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// Formats `significand × 10^-scale` in plain notation with at least `minimumScale`
    /// fractional digits; trailing zeros beyond `minimumScale` are removed.
    public static func format(significand: Int128, scale: Int, minimumScale: Int) -> String {
        precondition(scale >= 0 && minimumScale >= 0, "scales are never negative")
        var digits = Array(String(significand.magnitude).utf8)
        var shownScale = scale
        // Drop trailing fractional zeros down to the minimum scale.
        while shownScale > minimumScale, digits.count > 1, digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            shownScale -= 1
        }
        if digits == [UInt8(ascii: "0")] { shownScale = minimumScale }
        var padded = digits
        while padded.count <= shownScale && shownScale > 0 { padded.insert(0x30, at: 0) }
        var output: [UInt8] = []
        output.reserveCapacity(padded.count + 3 + max(0, minimumScale - shownScale))
        if significand < 0 { output.append(UInt8(ascii: "-")) }
        if shownScale == 0 {
            output.append(contentsOf: padded)
            if minimumScale > 0 {
                output.append(UInt8(ascii: "."))
                output.append(contentsOf: repeatElement(0x30, count: minimumScale))
            }
        } else {
            output.append(contentsOf: padded[0..<(padded.count - shownScale)])
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: padded[(padded.count - shownScale)...])
            if minimumScale > shownScale {
                output.append(contentsOf: repeatElement(0x30, count: minimumScale - shownScale))
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
