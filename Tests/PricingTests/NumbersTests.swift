import XCTest

@testable import Pricing

final class NumbersTests: XCTestCase {
    func rational(_ text: String) -> Rational {
        guard case .success(let value) = DecimalText.rational(text) else {
            XCTFail("not a decimal: \(text)")
            return .zero
        }
        return value
    }

    func testParsesExactlyAndPrintsCanonically() {
        // Text in, canonical text out: trailing zeros dropped, exponents applied exactly.
        let cases: [(String, String)] = [
            ("0", "0"), ("-0", "0"), ("007", "7"), ("1.0000000000", "1"), ("12.50", "12.5"),
            ("0.0004", "0.0004"), ("1e3", "1000"), ("1.5E-3", "0.0015"), ("-2.25", "-2.25"),
            ("123456789012345678901234567890.12345678", "123456789012345678901234567890.12345678"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(rational(input).description, expected, input)
        }
    }

    func testRejectsWhatTheGrammarRefuses() {
        for text in [
            "", "-", ".5", "5.", "1e", "1e+", "+1", "0x10", "1,5", " 1", "1 ", "NaN", "--1",
        ] {
            XCTAssertEqual(DecimalText.parse(Array(text.utf8)), .failure(.syntax), text)
        }
        // 39 significant digits do not fit; a malformed long number is syntax, not precision.
        XCTAssertEqual(
            DecimalText.parse(Array(String(repeating: "9", count: 39).utf8)), .failure(.tooPrecise))
        XCTAssertEqual(
            DecimalText.parse(Array((String(repeating: "9", count: 45) + "x").utf8)),
            .failure(.syntax))
        XCTAssertEqual(DecimalText.parse(Array("1e309".utf8)), .failure(.tooPrecise))
    }

    func testNonTerminatingValuesPrintAsLowestTermsFractions() throws {
        // 49 × 17/31 = 833/31 (the prorated fee of SPEC §11), 10/3 stays a fraction.
        let fee = try Rational(49) * Rational(numerator: 17, denominator: 31)
        XCTAssertEqual(fee.description, "833/31")
        XCTAssertEqual(try (Rational(10) / Rational(3)).description, "10/3")
        XCTAssertEqual(try Rational(numerator: 6, denominator: -4).description, "-1.5")
        XCTAssertEqual(try Rational(numerator: 1, denominator: 8).description, "0.125")
    }

    func testArithmeticIsExactAndOverflowThrows() throws {
        // 0.1 + 0.2 is exactly 0.3 (never 0.30000000000000004).
        XCTAssertEqual(try rational("0.1") + rational("0.2"), rational("0.3"))
        XCTAssertEqual(try rational("1200000") * rational("0.0004"), rational("480"))
        let huge = Rational(Int128.max / 2)
        XCTAssertThrowsError(try huge * Rational(3)) { error in
            XCTAssertEqual(error as? ArithmeticError, .overflow(operation: "multiplication"))
        }
        XCTAssertThrowsError(try Rational(1) / .zero) { error in
            XCTAssertEqual(error as? ArithmeticError, .divisionByZero)
        }
        // Comparison never overflows, even where cross products exceed 128 bits.
        let a = try Rational(numerator: Int128.max - 1, denominator: Int128.max)
        let b = try Rational(numerator: Int128.max - 2, denominator: Int128.max - 1)
        XCTAssertTrue(b < a)  // 1 - 1/(max-1) < 1 - 1/max
        XCTAssertFalse(a < b)
    }

    func testRoundingRulesOnTiesAndNegatives() throws {
        // Value, then expected result at 0 digits for half_up, half_even, up, down, ceiling, floor.
        let table: [(String, [Int128])] = [
            ("2.5", [3, 2, 3, 2, 3, 2]),
            ("3.5", [4, 4, 4, 3, 4, 3]),
            ("-2.5", [-3, -2, -3, -2, -2, -3]),
            ("2.4", [2, 2, 3, 2, 3, 2]),
            ("-2.6", [-3, -3, -3, -2, -2, -3]),
            ("7", [7, 7, 7, 7, 7, 7]),
        ]
        let rules: [RoundingRule] = [.halfUp, .halfEven, .up, .down, .ceiling, .floor]
        for (text, expected) in table {
            for (rule, value) in zip(rules, expected) {
                XCTAssertEqual(rational(text).rounded(rule), value, "\(text) \(rule)")
            }
        }
    }

    func testMoneyRoundsOnceToMinorUnits() throws {
        let usd = Currency.iso("USD")!
        let jpy = Currency.iso("JPY")!
        let bhd = Currency.iso("BHD")!
        // 0.125 USD: half_up 0.13, half_even 0.12 (2 is even).
        XCTAssertEqual(
            try Money(rounding: rational("0.125"), currency: usd, rule: .halfUp).description, "0.13"
        )
        XCTAssertEqual(
            try Money(rounding: rational("0.125"), currency: usd, rule: .halfEven).description,
            "0.12")
        // JPY has no minor unit: 1234.5 → 1235 (half_up), 1234 (half_even).
        XCTAssertEqual(
            try Money(rounding: rational("1234.5"), currency: jpy, rule: .halfUp).description,
            "1235")
        XCTAssertEqual(
            try Money(rounding: rational("1234.5"), currency: jpy, rule: .halfEven).description,
            "1234")
        // BHD has three: 1.2345 → 1.235 (half_up), 1.234 (half_even).
        XCTAssertEqual(
            try Money(rounding: rational("1.2345"), currency: bhd, rule: .halfUp).description,
            "1.235")
        XCTAssertEqual(
            try Money(rounding: rational("1.2345"), currency: bhd, rule: .halfEven).description,
            "1.234")
        // 833/31 = 26.870967… → 26.87; a discount of -48.505 rounds away from zero to -48.51.
        let fee = try Rational(numerator: 833, denominator: 31)
        XCTAssertEqual(try Money(rounding: fee, currency: usd, rule: .halfUp).description, "26.87")
        XCTAssertEqual(
            try Money(rounding: rational("-48.505"), currency: usd, rule: .halfUp).description,
            "-48.51")
        XCTAssertEqual(Money(minorUnits: -5, currency: usd).description, "-0.05")
        XCTAssertEqual(Money.zero(jpy).description, "0")
    }

    func testIsoTableKnowsMinorUnits() {
        let expected: [String: Int] = [
            "USD": 2, "EUR": 2, "JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "CLF": 4, "ISK": 0,
            "TND": 3,
        ]
        for (code, digits) in expected {
            XCTAssertEqual(Currency.iso(code)?.minorUnitDigits, digits, code)
        }
        XCTAssertNil(Currency.iso("XXX"))
        XCTAssertNil(Currency.iso("usd"))
    }
}
