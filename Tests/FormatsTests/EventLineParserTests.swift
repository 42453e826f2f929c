import Pricing
import XCTest

@testable import Formats

/// The event line parser against SPEC §2 and the check order of §11.
final class EventLineParserTests: XCTestCase {
    // MARK: Helpers

    /// A valid line's fields; tests replace one or two of them.
    static let base = #""id":"e1","customer":"c1","meter":"m","ts":"2026-10-01T00:00:00Z""#

    func outcome(_ bytes: [UInt8]) -> EventLineOutcome {
        bytes.withUnsafeBytes { EventLineParser().parse($0) }
    }

    func outcome(_ text: String) -> EventLineOutcome { outcome(Array(text.utf8)) }

    /// The reason code, "blank", or "event".
    func code(_ bytes: [UInt8]) -> String {
        switch outcome(bytes) {
        case .blank: return "blank"
        case .event: return "event"
        case .rejected(let reason, _): return reason.rawValue
        }
    }

    func code(_ text: String) -> String { code(Array(text.utf8)) }

    /// The parsed event, failing the test when the line is not one.
    func event(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> UsageEvent? {
        guard case .event(let event) = outcome(text) else {
            XCTFail("not an event: \(outcome(text))", file: file, line: line)
            return nil
        }
        return event
    }

    /// The quantity in billionths of a line `{base, "quantity": <json>}`; nil when absent.
    func nanos(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> Int128? {
        event("{\(Self.base),\"quantity\":\(json)}", file: file, line: line)?.quantityNanos
    }

    func withQuantity(_ json: String) -> String { "{\(Self.base),\"quantity\":\(json)}" }

    func withTimestamp(_ text: String) -> String {
        #"{"id":"e1","customer":"c1","meter":"m","ts":"\#(text)"}"#
    }

    // MARK: Every reason code the parser decides

    func testValidLineIsAnEventWithEveryField() throws {
        let line = #"{"id":"e1","customer":"c1","meter":"m","ts":"2026-10-01T00:00:01.5+02:00","#
            + #""quantity":"12.5","dims":{"z":"2","a":"1"},"extra":[1,{"x":null}]}"#
        let parsed = try XCTUnwrap(event(line))
        XCTAssertEqual(parsed.id, "e1")
        XCTAssertEqual(parsed.customer, "c1")
        XCTAssertEqual(parsed.meter, "m")
        // 2026-10-01T00:00:01.5+02:00 = 2026-09-30T22:00:01.5Z; 2026-09-30 is day 20726 since
        // 1970-01-01, so 20726 × 86400 + 22 × 3600 + 1 = 1_790_805_601 s, plus 500_000_000 ns.
        XCTAssertEqual(
            parsed.instant, Instant(secondsSinceEpoch: 1_790_805_601, nanoseconds: 500_000_000))
        // 12.5 = 12_500_000_000 billionths.
        XCTAssertEqual(parsed.quantityNanos, 12_500_000_000)
        // Dims sorted by key.
        XCTAssertEqual(
            parsed.dims, [Dimension(key: "a", value: "1"), Dimension(key: "z", value: "2")])
    }

    func testMinimalLineForEachReasonCode() {
        XCTAssertEqual(code(#"{"id":"e1""#), "malformed_json")
        XCTAssertEqual(code("[1,2]"), "not_an_object")
        XCTAssertEqual(code(#""text""#), "not_an_object")
        XCTAssertEqual(code("null"), "not_an_object")
        XCTAssertEqual(code([0x7B, 0xFF, 0x7D]), "invalid_utf8")
        XCTAssertEqual(code(#"{"customer":"c1","meter":"m","ts":"2026-10-01T00:00:00Z"}"#),
                       "missing_field")
        XCTAssertEqual(code(#"{"id":1,"customer":"c1","meter":"m","ts":"2026-10-01T00:00:00Z"}"#),
                       "invalid_field_type")
        XCTAssertEqual(code(withTimestamp("2026-10-01 00:00:00Z")), "invalid_timestamp")
        XCTAssertEqual(code(withQuantity(#""1,5""#)), "invalid_quantity")
        XCTAssertEqual(code(withQuantity("-1")), "negative_quantity")
        XCTAssertEqual(code(withQuantity(#""0.0000000001""#)), "quantity_precision")
        XCTAssertEqual(code("{\(Self.base)}"), "event")
    }

    func testNullCountsAsMissingForEachRequiredField() {
        for field in ["id", "customer", "meter", "ts"] {
            let line = "{\(Self.base)}".replacingOccurrences(
                of: #""\#(field)":""#, with: #""\#(field)":null,"old_\#(field)":""#)
            XCTAssertEqual(code(line), "missing_field", line)
        }
    }

    func testEachRequiredFieldMustBeAString() {
        for (field, value) in [("customer", "true"), ("meter", "[]"), ("ts", "1790805600")] {
            let line = "{\(Self.base)}".replacingOccurrences(
                of: #""\#(field)":""#, with: #""\#(field)":\#(value),"old_\#(field)":""#)
            XCTAssertEqual(code(line), "invalid_field_type", line)
        }
        XCTAssertEqual(code(withQuantity("true")), "invalid_field_type")
        XCTAssertEqual(code(withQuantity("{}")), "invalid_field_type")
    }

    // MARK: §11 check order

    func testInvalidUTF8BeatsMalformedJSON() {
        // Not JSON at all and a lone continuation byte: invalid_utf8 is checked first.
        XCTAssertEqual(code([0x6E, 0x6F, 0x80, 0x7B]), "invalid_utf8")
        // Overlong encoding of "/" and an encoded UTF-16 surrogate (ED A0 80) are invalid too.
        XCTAssertEqual(code([0x22, 0xC0, 0xAF, 0x22]), "invalid_utf8")
        XCTAssertEqual(code([0x22, 0xED, 0xA0, 0x80, 0x22]), "invalid_utf8")
        // A truncated sequence at the very end of the line.
        XCTAssertEqual(code([0x7B, 0x7D, 0xE2, 0x82]), "invalid_utf8")
    }

    func testValidMultibyteUTF8IsAccepted() throws {
        // "€" (E2 82 AC) and "😀" (F0 9F 98 80) in an id, past the 8-byte ASCII fast path.
        let parsed = try XCTUnwrap(
            event(#"{"id":"abcdefgh€😀","customer":"c1","meter":"m","#
                + #""ts":"2026-10-01T00:00:00Z"}"#))
        XCTAssertEqual(parsed.id, "abcdefgh€😀")
    }

    func testBlankIsCheckedBeforeUTF8AndOnlyASCIIWhitespace() {
        XCTAssertEqual(code(""), "blank")
        XCTAssertEqual(code(" \t\r\n"), "blank")
        XCTAssertEqual(code("\u{0B}\u{0C} "), "blank")
        // NBSP (C2 A0) is whitespace to Unicode but not to SPEC §11: it is content, so the line
        // is rejected as JSON.
        XCTAssertEqual(code("\u{A0}"), "malformed_json")
        XCTAssertEqual(code(" \u{A0} "), "malformed_json")
        // VT inside a JSON line is not JSON whitespace.
        XCTAssertEqual(code("{\(Self.base)}\u{0B}"), "malformed_json")
    }

    func testMissingIDBeatsBadTimestamp() {
        XCTAssertEqual(code(#"{"customer":"c1","meter":"m","ts":"yesterday"}"#), "missing_field")
    }

    func testMissingFieldBeatsWrongTypeOfAnEarlierField() {
        // id has the wrong type but ts is missing: missing_field comes first in §11.
        XCTAssertEqual(code(#"{"id":5,"customer":"c1","meter":"m"}"#), "missing_field")
    }

    func testWrongTypeBeatsBadTimestamp() {
        XCTAssertEqual(code(#"{"id":"e1","customer":7,"meter":"m","ts":"bad"}"#),
                       "invalid_field_type")
    }

    func testInvalidTimestampBeatsBadQuantity() {
        let line = #"{"id":"e1","customer":"c1","meter":"m","ts":"bad","quantity":"x"}"#
        XCTAssertEqual(code(line), "invalid_timestamp")
        let negative = #"{"id":"e1","customer":"c1","meter":"m","ts":"bad","quantity":-1}"#
        XCTAssertEqual(code(negative), "invalid_timestamp")
    }

    func testNegativeBeatsPrecision() {
        // -1e309 is both negative and has 310 integer digits: negative is judged first.
        XCTAssertEqual(code(withQuantity("-1e309")), "negative_quantity")
        XCTAssertEqual(code(withQuantity(#""-1e309""#)), "negative_quantity")
        // -0.0000000001 is negative with 10 fractional digits.
        XCTAssertEqual(code(withQuantity(#""-0.0000000001""#)), "negative_quantity")
        // Invalid beats negative: a minus sign does not rescue a malformed text.
        XCTAssertEqual(code(withQuantity(#""-1x""#)), "invalid_quantity")
    }

    // MARK: Repeated keys, surrogates

    func testRepeatedKeysAreMalformedAtEveryLevel() {
        XCTAssertEqual(code("{\(Self.base),\"id\":\"e2\"}"), "malformed_json")
        // Repeated ignored key at the top level.
        XCTAssertEqual(code("{\(Self.base),\"x\":1,\"x\":1}"), "malformed_json")
        // Repeated key in an ignored nested object.
        XCTAssertEqual(code("{\(Self.base),\"props\":{\"a\":1,\"a\":2}}"), "malformed_json")
        XCTAssertEqual(code("{\(Self.base),\"props\":[{\"a\":1,\"b\":{\"c\":1,\"c\":1}}]}"),
                       "malformed_json")
        // Repeated key inside dims.
        XCTAssertEqual(code("{\(Self.base),\"dims\":{\"a\":\"1\",\"a\":\"2\"}}"), "malformed_json")
        // The same key spelled with an escape is the same key.
        XCTAssertEqual(code("{\(Self.base),\"props\":{\"a\":1,\"\\u0061\":2}}"), "malformed_json")
        // Same keys in sibling objects are fine.
        XCTAssertEqual(code("{\(Self.base),\"p\":{\"a\":1},\"q\":{\"a\":1}}"), "event")
    }

    func testRepeatedDimsKeyIsMalformedEvenWhenTheFirstValueIsNotAString() {
        // malformed_json comes before invalid_field_type: the repeat must be noticed although
        // the first "a" holds a number.
        XCTAssertEqual(code("{\(Self.base),\"dims\":{\"a\":1,\"a\":\"2\"}}"), "malformed_json")
    }

    func testRepeatedKeysAmongManyKeysAreFound() {
        // Past the 16-key linear scan: 40 distinct keys, then a repeat of the first.
        let keys = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        XCTAssertEqual(code("{\(Self.base),\(keys)}"), "event")
        XCTAssertEqual(code("{\(Self.base),\(keys),\"k0\":1}"), "malformed_json")
    }

    func testManyKeysStayFast() {
        // 60_000 distinct keys (≈ 0.6 MB, under the 1 MiB line limit) must parse in linear time;
        // a quadratic duplicate check would take minutes here.
        let keys = (0..<60_000).map { "\"k\($0)\":0" }.joined(separator: ",")
        let line = "{\(Self.base),\(keys)}"
        let start = ContinuousClock.now
        XCTAssertEqual(code(line), "event")
        // The same inside dims, whose values are captured.
        let dims = (0..<60_000).map { "\"d\($0)\":\"v\"" }.joined(separator: ",")
        XCTAssertEqual(code("{\(Self.base),\"dims\":{\(dims)}}"), "event")
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(5))
    }

    func testUnpairedSurrogateEscapesAreInvalidUTF8() {
        XCTAssertEqual(code("{\(Self.base),\"x\":\"\\uD800\"}"), "invalid_utf8")
        XCTAssertEqual(code("{\(Self.base),\"x\":\"\\uDC00\"}"), "invalid_utf8")
        XCTAssertEqual(code("{\(Self.base),\"x\":\"\\uD800\\u0041\"}"), "invalid_utf8")
        XCTAssertEqual(code("{\(Self.base),\"x\":\"\\uD800x\"}"), "invalid_utf8")
        // In a key, nested, and in a captured field.
        XCTAssertEqual(code("{\(Self.base),\"\\udbff\":1}"), "invalid_utf8")
        XCTAssertEqual(code("{\(Self.base),\"p\":[\"\\uD800\"]}"), "invalid_utf8")
        XCTAssertEqual(
            code(#"{"id":"\uD800","customer":"c1","meter":"m","ts":"2026-10-01T00:00:00Z"}"#),
            "invalid_utf8")
    }

    func testPairedSurrogatesDecode() throws {
        // U+1F600 is \uD83D\uDE00; decoded to F0 9F 98 80.
        let parsed = try XCTUnwrap(
            event(#"{"id":"a\uD83D\uDE00b","customer":"c1","meter":"m","#
                + #""ts":"2026-10-01T00:00:00Z"}"#))
        XCTAssertEqual(parsed.id, "a😀b")
        XCTAssertEqual(Array(parsed.id.utf8), [0x61, 0xF0, 0x9F, 0x98, 0x80, 0x62])
    }

    func testEscapesDecodeInCapturedStrings() throws {
        let parsed = try XCTUnwrap(
            event(#"{"id":"a\"\\\/\b\f\n\r\t\u00e9","customer":"c1","meter":"m","#
                + #""ts":"2026-10-01T00:00:00Z"}"#))
        XCTAssertEqual(parsed.id, "a\"\\/\u{08}\u{0C}\n\r\t\u{E9}")
    }

    func testStrictJSONSyntax() {
        XCTAssertEqual(code("{\(Self.base),}"), "malformed_json")
        XCTAssertEqual(code("{\(Self.base)} {}"), "malformed_json")
        XCTAssertEqual(code("{\(Self.base),\"x\":'a'}"), "malformed_json")
        XCTAssertEqual(code("{\(Self.base),\"x\":\"a\tb\"}"), "malformed_json")
        XCTAssertEqual(code("{\(Self.base),\"x\":\"\\x\"}"), "malformed_json")
        XCTAssertEqual(code("{\(Self.base),\"x\":tru}"), "malformed_json")
        XCTAssertEqual(code("{\(Self.base),\"x\":1.}"), "malformed_json")
        XCTAssertEqual(code("{\(Self.base),\"x\":+1}"), "malformed_json")
        XCTAssertEqual(code("{\(Self.base),\"x\":[1,]}"), "malformed_json")
        XCTAssertEqual(code("{\(Self.base),\"x\":1e}"), "malformed_json")
        // JSON whitespace (space, tab, CR, LF) is allowed around tokens.
        XCTAssertEqual(code(" {\t\"id\" : \"e1\" ,\"customer\":\"c1\",\"meter\":\"m\",\r"
                            + "\"ts\":\"2026-10-01T00:00:00Z\" } "), "event")
    }

    func testNestingLimit() {
        // depthMax is 64: the top object is level 1, so 63 nested arrays pass and 64 fail.
        let passing = "{\(Self.base),\"x\":" + String(repeating: "[", count: 63)
            + String(repeating: "]", count: 63) + "}"
        XCTAssertEqual(code(passing), "event")
        let failing = "{\(Self.base),\"x\":" + String(repeating: "[", count: 64)
            + String(repeating: "]", count: 64) + "}"
        XCTAssertEqual(code(failing), "malformed_json")
        // A hostile line of 500_000 brackets must not exhaust the stack.
        XCTAssertEqual(code(String(repeating: "[", count: 500_000)), "malformed_json")
    }

    // MARK: id and customer length

    func testIDOf256BytesPassesAnd257Fails() {
        let id256 = String(repeating: "a", count: 256)
        let id257 = String(repeating: "a", count: 257)
        func line(_ id: String) -> String {
            #"{"id":"\#(id)","customer":"c1","meter":"m","ts":"2026-10-01T00:00:00Z"}"#
        }
        XCTAssertEqual(code(line(id256)), "event")
        XCTAssertEqual(code(line(id257)), "invalid_field_type")
        XCTAssertEqual(code(line("")), "invalid_field_type")
        // Bytes, not characters: 128 × "é" (2 bytes each) = 256 bytes passes; one more fails.
        XCTAssertEqual(code(line(String(repeating: "é", count: 128))), "event")
        XCTAssertEqual(code(line(String(repeating: "é", count: 128) + "a")), "invalid_field_type")
        // Counted after unescaping: 256 × "\u0041" is 256 bytes.
        XCTAssertEqual(code(line(String(repeating: "\\u0041", count: 256))), "event")
    }

    func testCustomerOf257BytesFails() {
        let customer = String(repeating: "c", count: 257)
        XCTAssertEqual(
            code(#"{"id":"e","customer":"\#(customer)","meter":"m","ts":"2026-10-01T00:00:00Z"}"#),
            "invalid_field_type")
        XCTAssertEqual(
            code(#"{"id":"e","customer":"","meter":"m","ts":"2026-10-01T00:00:00Z"}"#),
            "invalid_field_type")
    }

    // MARK: Quantities

    func testQuantityForms() {
        // "1.0000000000" has 10 fractional digits but its value is 1: passes as 1e9 nanos.
        XCTAssertEqual(nanos(#""1.0000000000""#), 1_000_000_000)
        // Leading zeros are allowed in strings.
        XCTAssertEqual(nanos(#""007""#), 7_000_000_000)
        // A JSON number may not have leading zeros.
        XCTAssertEqual(code(withQuantity("007")), "malformed_json")
        // "-0" is zero, not negative; so are "-0.0" and 0e5.
        XCTAssertEqual(nanos(#""-0""#), 0)
        XCTAssertEqual(nanos("-0.0"), 0)
        XCTAssertEqual(nanos("0e5"), 0)
        // null quantity is an absent quantity.
        XCTAssertNil(nanos("null"))
        XCTAssertNil(event("{\(Self.base)}")?.quantityNanos)
        // Exponents: 1.5e3 = 1500; 25e-2 = 0.25; 1E+2 = 100.
        XCTAssertEqual(nanos("1.5e3"), 1_500_000_000_000)
        XCTAssertEqual(nanos(#""25e-2""#), 250_000_000)
        XCTAssertEqual(nanos("1E+2"), 100_000_000_000)
        // Many trailing integer zeros undone by a negative exponent: 1 followed by 42 zeros,
        // times 10^-40, is 100.
        XCTAssertEqual(nanos(#""1"# + String(repeating: "0", count: 42) + #"e-40""#),
                       100_000_000_000)
    }

    func testQuantityTextThatIsNotADecimal() {
        for text in ["", " 1", "1 ", "+1", "1.", ".5", "0x10", "1e", "1,5", "NaN", "Infinity",
                     "1_000", "--1", "١"]
        {
            XCTAssertEqual(code(withQuantity("\"\(text)\"")), "invalid_quantity", text)
        }
    }

    func testQuantityExponentPrecision() {
        // 1e309 has 310 integer digits: quantity_precision, as a number and as a string.
        XCTAssertEqual(code(withQuantity("1e309")), "quantity_precision")
        XCTAssertEqual(code(withQuantity(#""1e309""#)), "quantity_precision")
        XCTAssertEqual(code(withQuantity("1e-10")), "quantity_precision")
        XCTAssertEqual(code(withQuantity("1e-99999999999")), "quantity_precision")
        // 1e19 has 20 integer digits: passes; 1e20 has 21: fails.
        XCTAssertEqual(nanos("1e19"), 10_000_000_000_000_000_000_000_000_000)
        XCTAssertEqual(code(withQuantity("1e20")), "quantity_precision")
    }

    func testFractionalDigitsNineAndTen() {
        // 9 fractional digits: 0.123456789 = 123_456_789 nanos.
        XCTAssertEqual(nanos(#""0.123456789""#), 123_456_789)
        XCTAssertEqual(code(withQuantity(#""0.1234567891""#)), "quantity_precision")
        // 10 digits whose last is zero is 9 significant digits: passes.
        XCTAssertEqual(nanos(#""0.1234567890""#), 123_456_789)
        XCTAssertEqual(nanos("0.000000001"), 1)
    }

    func testIntegerDigitsTwentyAndTwentyOne() {
        let twenty = "12345678901234567890"
        // 12345678901234567890 × 10^9 nanos.
        XCTAssertEqual(nanos("\"\(twenty)\""), 12_345_678_901_234_567_890_000_000_000)
        XCTAssertEqual(code(withQuantity("\"\(twenty)1\"")), "quantity_precision")
        XCTAssertEqual(code(withQuantity("\(twenty)1")), "quantity_precision")
        // Largest allowed value: 20 nines and 9 fractional nines.
        let largest = String(repeating: "9", count: 20) + "." + String(repeating: "9", count: 9)
        XCTAssertEqual(nanos("\"\(largest)\""), 99_999_999_999_999_999_999_999_999_999)
        // Leading zeros do not count as integer digits: 21 characters, value 1.
        XCTAssertEqual(nanos("\"" + String(repeating: "0", count: 20) + "1\""), 1_000_000_000)
        // 40 significant digits: too many for any representation; precision, not a crash.
        XCTAssertEqual(code(withQuantity("\"" + String(repeating: "7", count: 40) + "\"")),
                       "quantity_precision")
        // A zero with 60 fractional zeros is still 0.
        XCTAssertEqual(nanos("\"0." + String(repeating: "0", count: 60) + "\""), 0)
        XCTAssertEqual(nanos("\"-0." + String(repeating: "0", count: 60) + "\""), 0)
    }

    func testQuantityTextDirectly() {
        XCTAssertEqual(QuantityText.nanos(Array("2.5".utf8)), .success(2_500_000_000))
        guard case .failure(.invalidQuantity, _) = QuantityText.nanos(Array("abc".utf8)) else {
            return XCTFail("abc must be invalid_quantity")
        }
    }

    // MARK: dims

    func testDims() throws {
        // null dims = no dims = {}.
        XCTAssertEqual(event("{\(Self.base),\"dims\":null}")?.dims, [])
        XCTAssertEqual(event("{\(Self.base),\"dims\":{}}")?.dims, [])
        XCTAssertEqual(event("{\(Self.base)}")?.dims, [])
        // An empty string value is kept.
        XCTAssertEqual(event("{\(Self.base),\"dims\":{\"a\":\"\"}}")?.dims,
                       [Dimension(key: "a", value: "")])
        // Keys sorted bytewise: "B" (0x42) before "a" (0x61) before "é" (0xC3 0xA9).
        XCTAssertEqual(event("{\(Self.base),\"dims\":{\"é\":\"3\",\"a\":\"2\",\"B\":\"1\"}}")?
            .dims.map(\.key), ["B", "a", "é"])
        for bad in ["{\"a\":1}", "{\"a\":null}", "{\"a\":[\"x\"]}", "{\"a\":\"1\",\"b\":true}",
                    "[]", "\"x\"", "1", "true"]
        {
            XCTAssertEqual(code("{\(Self.base),\"dims\":\(bad)}"), "invalid_field_type", bad)
        }
    }

    func testBadDimsAreCheckedBeforeTimestamp() {
        // Both are wrong; invalid_field_type comes before invalid_timestamp.
        XCTAssertEqual(code(#"{"id":"e","customer":"c","meter":"m","ts":"x","dims":{"a":1}}"#),
                       "invalid_field_type")
    }

    // MARK: Timestamps

    func testTimestampForms() throws {
        // 2026-10-01T00:00:00Z is 20727 days × 86400 = 1_790_812_800.
        let midnight = Instant(secondsSinceEpoch: 1_790_812_800)
        XCTAssertEqual(event(withTimestamp("2026-10-01T00:00:00Z"))?.instant, midnight)
        XCTAssertEqual(event(withTimestamp("2026-10-01t00:00:00z"))?.instant, midnight)
        XCTAssertEqual(event(withTimestamp("2026-10-01T00:00:00-00:00"))?.instant, midnight)
        XCTAssertEqual(event(withTimestamp("2026-10-01T00:00:00+00:00"))?.instant, midnight)
        // +23:59 means 23 h 59 min ahead of UTC: subtract 86_340 s.
        XCTAssertEqual(event(withTimestamp("2026-10-01T23:59:00+23:59"))?.instant, midnight)
        // -23:59: add 86_340 s.
        XCTAssertEqual(event(withTimestamp("2026-09-30T00:01:00-23:59"))?.instant, midnight)
        // 9 fractional digits pass; 0 digits too.
        XCTAssertEqual(event(withTimestamp("2026-10-01T00:00:00.000000001Z"))?.instant,
                       Instant(secondsSinceEpoch: 1_790_812_800, nanoseconds: 1))
        XCTAssertEqual(event(withTimestamp("2026-10-01T00:00:00.1Z"))?.instant,
                       Instant(secondsSinceEpoch: 1_790_812_800, nanoseconds: 100_000_000))
        XCTAssertNotNil(event(withTimestamp("0001-01-01T00:00:00Z")))
        XCTAssertNotNil(event(withTimestamp("9999-12-31T23:59:59Z")))
        XCTAssertNotNil(event(withTimestamp("2028-02-29T12:00:00Z")))
    }

    func testTimestampRejections() {
        for text in [
            "2026-10-01T00:00:60Z",  // second 60
            "2026-12-31T23:59:60Z",  // even on a leap-second date
            "2026-10-01T00:00:00",  // no offset
            "2026-10-01T00:00:00+24:00",  // offset hour 24
            "2026-10-01T00:00:00+23:60",  // offset minute 60
            "2026-10-01T00:00:00+0200",  // offset without colon
            "2026-10-01T00:00:00+02",
            "2026-10-01T00:00:00.Z",  // point without digits
            "2026-10-01T00:00:00.0000000001Z",  // 10 fractional digits
            "2026-10-01 00:00:00Z",
            "2026-10-01T24:00:00Z",
            "2026-10-01T00:60:00Z",
            "2026-02-29T00:00:00Z",  // not a leap year
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "0000-01-01T00:00:00Z",  // year 0
            "2026-10-01T00:00:00ZZ",
            "2026-10-1T00:00:00Z",
            "+2026-10-01T00:00:00Z",
            "",
        ] {
            XCTAssertEqual(code(withTimestamp(text)), "invalid_timestamp", text)
        }
    }
}
