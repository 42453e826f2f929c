import Formats
import Pricing
import XCTest

@testable import Ingest

/// The fast path against its reference: whenever `EventScanner.scan` says true,
/// `EventLineParser.parse` must say `.event` with the same content.
final class EventScannerTests: XCTestCase {
    // MARK: Helpers

    /// Both paths over one line: whether the scanner took it, what the parser says, and a
    /// description of any difference in content (nil when equal or when the scanner declined).
    struct Verdict {
        var fast: Bool
        var slow: EventLineOutcome
        var mismatch: String?
        var scanned: ScannedEvent
    }

    static func verdict(_ bytes: [UInt8], scanner: inout EventScanner) -> Verdict {
        var scanned = ScannedEvent()
        return verdict(bytes, scanner: &scanner, reusing: &scanned)
    }

    /// As `verdict(_:scanner:)`, scanning into `scanned` as `rate` does, line after line: what
    /// the previous line left there must never show through.
    static func verdict(
        _ bytes: [UInt8], scanner: inout EventScanner, reusing scanned: inout ScannedEvent
    ) -> Verdict {
        bytes.withUnsafeBytes { line in
            let fast = scanner.scan(line, into: &scanned)
            let slow = EventLineParser().parse(line)
            var mismatch: String?
            if fast {
                if case .event(let event) = slow {
                    mismatch = difference(scanned, event, line)
                } else {
                    mismatch = "the scanner took a line the parser calls \(slow)"
                }
            }
            return Verdict(fast: fast, slow: slow, mismatch: mismatch, scanned: scanned)
        }
    }

    /// Compares bytes, never `String ==` (which would equate canonically equivalent texts).
    static func difference(
        _ scanned: ScannedEvent, _ event: UsageEvent, _ line: UnsafeRawBufferPointer
    ) -> String? {
        func same(_ span: ByteSpan, _ text: String) -> Bool {
            span.bytes(in: line).elementsEqual(text.utf8)
        }
        if !same(scanned.id, event.id) { return "id differs" }
        if !same(scanned.customer, event.customer) { return "customer differs" }
        if !same(scanned.meter, event.meter) { return "meter differs" }
        if scanned.instant != event.instant {
            return "instant \(scanned.instant) != \(event.instant)"
        }
        if scanned.quantityNanos != event.quantityNanos {
            return "quantity \(String(describing: scanned.quantityNanos)) != "
                + "\(String(describing: event.quantityNanos))"
        }
        if scanned.dimsCount != event.dims.count { return "dims count differs" }
        for (index, dimension) in event.dims.enumerated() {
            if !same(scanned.dimKey(index), dimension.key) { return "dims key \(index) differs" }
            if !same(scanned.dimValue(index), dimension.value) {
                return "dims value \(index) differs"
            }
        }
        // The same again through the copy for UsageEvent callers.
        let copy = scanned.usageEvent(in: line)
        guard copy.id.utf8.elementsEqual(event.id.utf8),
            copy.customer.utf8.elementsEqual(event.customer.utf8),
            copy.meter.utf8.elementsEqual(event.meter.utf8), copy.instant == event.instant,
            copy.quantityNanos == event.quantityNanos, copy.dims.count == event.dims.count,
            zip(copy.dims, event.dims).allSatisfy({
                $0.key.utf8.elementsEqual($1.key.utf8) && $0.value.utf8.elementsEqual($1.value.utf8)
            })
        else { return "usageEvent(in:) differs" }
        return nil
    }

    static func text(_ span: ByteSpan, _ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { String(decoding: span.bytes(in: $0), as: UTF8.self) }
    }

    /// What a line must scan to, written by hand.
    struct Expected {
        var id: String
        var customer: String
        var meter: String
        var seconds: Int64
        var nanoseconds: Int32
        var quantityNanos: Int128?
        var dims: [(String, String)] = []
    }

    func assertScans(
        _ line: String, _ expected: Expected, file: StaticString = #filePath,
        line number: UInt = #line
    ) {
        var scanner = EventScanner()
        let bytes = Array(line.utf8)
        let verdict = EventScannerTests.verdict(bytes, scanner: &scanner)
        XCTAssertTrue(verdict.fast, "fell back on \(line)", file: file, line: number)
        XCTAssertNil(verdict.mismatch, file: file, line: number)
        guard verdict.fast else { return }
        let event = verdict.scanned
        XCTAssertEqual(
            EventScannerTests.text(event.id, bytes), expected.id, file: file, line: number)
        XCTAssertEqual(
            EventScannerTests.text(event.customer, bytes), expected.customer, file: file,
            line: number)
        XCTAssertEqual(
            EventScannerTests.text(event.meter, bytes), expected.meter, file: file, line: number)
        XCTAssertEqual(
            event.instant,
            Instant(secondsSinceEpoch: expected.seconds, nanoseconds: expected.nanoseconds),
            file: file, line: number)
        XCTAssertEqual(event.quantityNanos, expected.quantityNanos, file: file, line: number)
        XCTAssertEqual(event.dimsCount, expected.dims.count, file: file, line: number)
        for (index, pair) in expected.dims.enumerated() where index < event.dimsCount {
            XCTAssertEqual(
                EventScannerTests.text(event.dimKey(index), bytes), pair.0, file: file, line: number
            )
            XCTAssertEqual(
                EventScannerTests.text(event.dimValue(index), bytes), pair.1, file: file,
                line: number)
        }
    }

    /// The scanner declines; the parser (which then decides) says `slow`.
    func assertFallsBack(
        _ bytes: [UInt8], file: StaticString = #filePath, line number: UInt = #line
    ) {
        var scanner = EventScanner()
        let verdict = EventScannerTests.verdict(bytes, scanner: &scanner)
        XCTAssertFalse(
            verdict.fast, "took \(String(decoding: bytes, as: UTF8.self))", file: file,
            line: number)
    }

    func assertFallsBack(_ line: String, file: StaticString = #filePath, line number: UInt = #line)
    {
        assertFallsBack(Array(line.utf8), file: file, line: number)
    }

    // MARK: Lines the scanner takes

    /// `{"id":"e","customer":"c","meter":"m","ts":"2026-10-01T00:00:00Z"` + `rest` + `}`.
    static func line(_ rest: String) -> String {
        #"{"id":"e","customer":"c","meter":"m","ts":"2026-10-01T00:00:00Z""# + rest + "}"
    }

    /// 2026-10-01T00:00:00Z: 20,727 days after 1970-01-01 × 86,400 s.
    static let october: Int64 = 1_790_812_800

    static func plain(_ quantity: Int128?, _ dims: [(String, String)] = []) -> Expected {
        Expected(
            id: "e", customer: "c", meter: "m", seconds: october, nanoseconds: 0,
            quantityNanos: quantity, dims: dims)
    }

    func testTypicalLineWithDimsSortedByKey() {
        // 2026-10-03T14:22:05Z = 1,790,812,800 + 2 days (172,800) + 14:22:05 (51,725).
        assertScans(
            #"{"id":"e1","customer":"c1","meter":"api_calls","ts":"2026-10-03T14:22:05.123Z","#
                + #""quantity":"12.5","dims":{"region":"eu","endpoint":"/v1"}}"#,
            Expected(
                id: "e1", customer: "c1", meter: "api_calls", seconds: 1_791_037_325,
                nanoseconds: 123_000_000, quantityNanos: 12_500_000_000,
                dims: [("endpoint", "/v1"), ("region", "eu")]))
    }

    func testOtherKeyOrderWhitespaceAndNumberQuantity() {
        // 05:30 at +05:30 is midnight UTC; JSON whitespace (space, tab, CR, LF) anywhere.
        assertScans(
            " \t{ \"dims\" : { } ,\"ts\":\"2026-10-01t05:30:00+05:30\", \"quantity\" :\n7 ,"
                + "\"meter\":\"m\",\r\n\"customer\":\"c\", \"id\":\"e\" }\r ",
            EventScannerTests.plain(7_000_000_000))
    }

    func testPropsWithNestedValuesEscapesAndNonASCIIAreSkipped() {
        // 2024-02-29T23:59:59Z (a leap day) = 1,709,251,199; the lower-case z is accepted.
        assertScans(
            #"{"id":"é1","customer":"c","meter":"m","ts":"2024-02-29T23:59:59.999999999z","#
                + #""props":{"a":[1,-2.5e+3,0,0.5E-7,true,false,null,{"b":{}},[]],"#
                + #""note":"caf\u00e9 \ud83d\ude00 \uD83D\uDE00 \"q\" \/ \\ \b\f\n\r\t ☕ 😀","#
                + #""id":{"id":{"quantity":[{"x":1},{"x":2}]}},"customer":"cus_0"}}"#,
            Expected(
                id: "é1", customer: "c", meter: "m", seconds: 1_709_251_199,
                nanoseconds: 999_999_999, quantityNanos: nil))
    }

    func testNullAndAbsentQuantityAndDims() {
        assertScans(EventScannerTests.line(#","quantity":null,"dims":null"#), Self.plain(nil))
        assertScans(EventScannerTests.line(""), Self.plain(nil))
        assertScans(EventScannerTests.line(#","dims":{}"#), Self.plain(nil))
    }

    func testQuantityForms() {
        let cases: [(String, Int128)] = [
            (#""1""#, 1_000_000_000),
            ("1", 1_000_000_000),
            (#""0""#, 0),
            ("0", 0),
            (#""0.5""#, 500_000_000),
            ("0.5", 500_000_000),
            (#""0.000000001""#, 1),  // the smallest: one billionth
            (#""2311.015""#, 2_311_015_000_000),
            (#""12.500""#, 12_500_000_000),  // trailing zeros within 9 digits
            (#""0.000000000""#, 0),
            // 20 integer and 9 fractional digits: the largest form, 10^29 − 1 billionths.
            (#""99999999999999999999.999999999""#, 99_999_999_999_999_999_999_999_999_999),
            ("12345678901234567890.123456789", 12_345_678_901_234_567_890_123_456_789),
            // 19 digits, the most a UInt64 holds before the wide path.
            (#""9999999999999999999""#, 9_999_999_999_999_999_999_000_000_000),
        ]
        for (text, nanos) in cases {
            assertScans(EventScannerTests.line(#","quantity":"# + text), Self.plain(nanos))
        }
    }

    func testTimestampForms() {
        let cases: [(String, Int64, Int32)] = [
            ("2026-10-01T00:00:00Z", 1_790_812_800, 0),
            ("2026-10-01T00:00:00.5Z", 1_790_812_800, 500_000_000),
            ("2026-10-01T00:00:00.000000001Z", 1_790_812_800, 1),
            ("2026-09-30T19:00:00-05:00", 1_790_812_800, 0),
            ("2026-10-01T00:00:00-00:00", 1_790_812_800, 0),  // -00:00 means UTC
            ("1969-12-31T23:59:59Z", -1, 0),
            ("0001-01-01T00:00:00Z", -62_135_596_800, 0),  // the first instant allowed
            // 0001-01-01T23:59 at -23:59 is 23:59 + 23:59 later in UTC: −62,135,596,800 +
            // 86,340 + 86,340.
            ("0001-01-01T23:59:00-23:59", -62_135_424_120, 0),
            ("9999-12-31T23:59:59+23:59", 253_402_214_459, 0),  // 253,402,300,799 − 86,340
            ("2024-02-29T23:59:59Z", 1_709_251_199, 0),
        ]
        for (text, seconds, nanos) in cases {
            var expected = Self.plain(nil)
            expected.seconds = seconds
            expected.nanoseconds = nanos
            assertScans(
                #"{"id":"e","customer":"c","meter":"m","ts":""# + text + #""}"#, expected)
        }
    }

    /// Every combination of edge dates, times, fractions and offsets: the scanner reads `ts`
    /// exactly as `RFC3339.parse` (takes the line whenever it parses, with the same instant).
    /// One scanner for all, so its cache of the last date is crossed in every way.
    func testTimestampsAgreeWithRFC3339() {
        var scanner = EventScanner()
        var scanned = ScannedEvent()
        var checked = 0
        let years = [
            "0000", "0001", "0004", "0100", "0400", "1900", "1969", "1970", "2000",
            "2024", "2026", "2100", "9999", "20x6",
        ]
        let months = ["00", "01", "02", "04", "09", "10", "12", "13", "1a"]
        let days = ["00", "01", "28", "29", "30", "31", "32"]
        let times = [
            "T00:00:00", "t23:59:59", "T24:00:00", "T12:60:00", "T12:00:60", "T1:00:000",
            " 12:00:00", "T12-00:00",
        ]
        let fractions = ["", ".5", ".123", ".123456789", ".1234567890", ".", ".x"]
        let zones = [
            "Z", "z", "+00:00", "-00:00", "+05:30", "-23:59", "+24:00", "-05:60", "+0530",
            "", "Zx", "+05:30:00", "\\u005a",
        ]
        func check(_ text: String) {
            let bytes = Array(
                (#"{"id":"e","customer":"c","meter":"m","ts":""# + text + #""}"#).utf8)
            let verdict = EventScannerTests.verdict(bytes, scanner: &scanner, reusing: &scanned)
            XCTAssertNil(verdict.mismatch, text)
            let expected = Array(text.utf8).withUnsafeBytes { RFC3339.parse($0) }
            XCTAssertEqual(verdict.fast, expected != nil, text)
            if verdict.fast { XCTAssertEqual(verdict.scanned.instant, expected, text) }
            checked += 1
        }
        for year in years {
            for month in months {
                for day in days { check(year + "-" + month + "-" + day + "T10:20:30Z") }
            }
        }
        for time in times {
            for fraction in fractions {
                for zone in zones { check("2024-02-29" + time + fraction + zone) }
            }
        }
        for text in [
            "2026-10-01T00:00:00", "2026-10-01", "", "2026-10-01T00:00:00.Z",
            "2026/10/01T00:00:00Z", "2026-10-01T00:00:00.000000000Z",
        ] {
            check(text)
        }
        XCTAssertEqual(checked, 14 * 9 * 7 + 8 * 7 * 13 + 6)
    }

    /// Strings ending in the line's last eight bytes are found with one load of those bytes:
    /// every length and content there, against the parser.
    func testStringsNearTheLineEnd() {
        var scanner = EventScanner()
        for length in 1...12 {
            let meter = String(repeating: "m", count: length)
            let text =
                #"{"id":"e","customer":"c","ts":"2026-10-01T00:00:00Z","meter":""# + meter
                + #""}"#
            var expected = Self.plain(nil)
            expected.meter = meter
            assertScans(text, expected)
            for tail in ["", #"\n"#, "é", #"\""#, "\u{01}", #"\ud83d"#, "\u{7F}"] {
                for padding in 0...9 {
                    let line = EventScannerTests.line(
                        #","x":""# + String(repeating: "a", count: padding) + tail + #"""#)
                    let verdict = EventScannerTests.verdict(Array(line.utf8), scanner: &scanner)
                    XCTAssertNil(verdict.mismatch, line)
                    let valid = tail != "\u{01}" && tail != #"\ud83d"#
                    XCTAssertEqual(verdict.fast, valid, line)
                }
            }
            // A meter cut short by a bad byte would leave valid JSON after it: refused.
            for bad: [UInt8] in [
                [0x5C, 0x2C], [0x01, 0x2C], [0x80, 0x2C], [0x1F, 0x2C], [0xC3, 0x2C],
            ] {
                for padding in 1...9 {
                    let line =
                        Array(
                            #"{"id":"e","customer":"c","ts":"2026-10-01T00:00:00Z","meter":""#.utf8)
                        + Array(repeating: UInt8(ascii: "m"), count: padding) + bad
                        + Array(#""":1}"#.utf8)
                    assertFallsBack(line)
                }
            }
        }
    }

    func testLimitsOnTheTakenSide() {
        // id and customer of 256 bytes; 16 dims; 16 keys in one nested object.
        let long = String(repeating: "x", count: EventLineParser.keyBytesMax)
        var expected = Self.plain(nil)
        expected.id = long
        expected.customer = long
        assertScans(
            #"{"id":""# + long + #"","customer":""# + long
                + #"","meter":"m","ts":"2026-10-01T00:00:00Z"}"#, expected)
        let keys = (0..<ScannedEvent.dimsCountMax).map { String(UnicodeScalar(UInt8(0x70 - $0))) }
        let dims = keys.map { #""\#($0)":"v\#($0)""# }.joined(separator: ",")
        assertScans(
            EventScannerTests.line(#","dims":{"# + dims + "}"),
            Self.plain(nil, keys.sorted().map { ($0, "v" + $0) }))
        let props = (0..<EventScanner.keysPerObjectMax).map { #""k\#($0)":\#($0)"# }
        assertScans(
            EventScannerTests.line(#","props":{"# + props.joined(separator: ",") + "}"),
            Self.plain(nil))
        // Values nested 64 deep: 63 arrays inside the top-level object (depth 2 to 64).
        let nested = String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        assertScans(EventScannerTests.line(#","props":"# + nested), Self.plain(nil))
    }

    func testDimsOrderIsBytewiseUnsigned() {
        // "B" (0x42) < "a" (0x61) < "ab" < "é" (0xC3 0xA9): bytes, not locale or length.
        assertScans(
            EventScannerTests.line(#","dims":{"é":"4","ab":"3","a":"2","B":"1","":"0"}"#),
            Self.plain(nil, [("", "0"), ("B", "1"), ("a", "2"), ("ab", "3"), ("é", "4")]))
    }

    func testFieldNamesAreRecognisedByWord() {
        let names = ["id", "customer", "meter", "ts", "quantity", "dims"]
        let bits = [
            EventField.id, EventField.customer, EventField.meter, EventField.timestamp,
            EventField.quantity, EventField.dims,
        ]
        let near = ["ie", "customes", "meteR", "tS", "quantitx", "dimz", "dim", "meters", "i"]
        for (name, bit) in zip(names, bits) {
            Array(name.utf8).withUnsafeBytes { raw in
                let cursor = LineCursor(base: raw.baseAddress!, end: raw.count)
                XCTAssertEqual(cursor.eventField(start: 0, count: raw.count), bit, name)
            }
        }
        for name in near {
            Array(name.utf8).withUnsafeBytes { raw in
                let cursor = LineCursor(base: raw.baseAddress!, end: raw.count)
                XCTAssertEqual(cursor.eventField(start: 0, count: raw.count), 0, name)
            }
        }
    }

    // MARK: Lines left to the parser

    func testFallsBackOnRejectsAndUnusualForms() {
        let lines = [
            "", "   ", "\t\r", "{}", "[]", "null", #""id""#,
            EventScannerTests.line("") + " x",  // text after the object
            "\u{0B}" + EventScannerTests.line(""),  // VT is blank-space but not JSON whitespace
            #"{"id":"e","customer":"c","meter":"m"}"#,  // missing ts
            #"{"id":null,"customer":"c","meter":"m","ts":"2026-10-01T00:00:00Z"}"#,
            #"{"id":1,"customer":"c","meter":"m","ts":"2026-10-01T00:00:00Z"}"#,
            #"{"id":"","customer":"c","meter":"m","ts":"2026-10-01T00:00:00Z"}"#,
            #"{"id":"e","customer":"c","meter":"","ts":"2026-10-01T00:00:00Z"}"#,  // parser: event
            #"{"id":"e\u0031","customer":"c","meter":"m","ts":"2026-10-01T00:00:00Z"}"#,
            #"{"i\u0064":"e","customer":"c","meter":"m","ts":"2026-10-01T00:00:00Z"}"#,
            #"{"id":"e","customer":"c\"","meter":"m","ts":"2026-10-01T00:00:00Z"}"#,
            #"{"id":"e","customer":"c","meter":"m","ts":"2026-10-01T00:00:60Z"}"#,
            #"{"id":"e","customer":"c","meter":"m","ts":"2026-02-29T00:00:00Z"}"#,
            #"{"id":"e","customer":"c","meter":"m","ts":"2026-10-01T00:00:00+24:00"}"#,
            #"{"id":"e","customer":"c","meter":"m","ts":"2026-10-01T00:00:00.1234567890Z"}"#,
            #"{"id":"e","customer":"c","meter":"m","ts":"0000-01-01T00:00:00Z"}"#,
            #"{"id":"e","customer":"c","meter":"m","ts":"2026-10-01T00:00:00\u005a"}"#,
            #"{"id":"e","customer":"c","meter":"m","ts":1790812800}"#,
            EventScannerTests.line(#","id":"f""#),  // repeated top-level key
            EventScannerTests.line(#","x":1,"x":2"#),  // repeated unknown key
            EventScannerTests.line(#","props":{"a":{"b":1,"b":2}}"#),  // repeated nested key
            EventScannerTests.line(#","dims":{"a":"1","a":"2"}"#),
            EventScannerTests.line(#","dims":{"a":1}"#),
            EventScannerTests.line(#","dims":{"a":"\u0031"}"#),  // parser: event, dims a=1
            EventScannerTests.line(#","dims":["a"]"#),
            EventScannerTests.line(#","dims":"a""#),
            EventScannerTests.line(#","props":{"a":"\ud800"}"#),  // lone high surrogate
            EventScannerTests.line(#","props":{"a":"\udc00"}"#),  // lone low surrogate
            EventScannerTests.line(#","props":{"a":"\ud800\u0041"}"#),
            EventScannerTests.line(#","props":{"a":"\ud800x"}"#),
            EventScannerTests.line(#","props":{"a":"\u00g0"}"#),
            EventScannerTests.line(#","props":{"a":"\x"}"#),
            EventScannerTests.line(#","props":"a"#) + "\u{01}\"",  // a control byte
            EventScannerTests.line(#","props":[1,]"#),
            EventScannerTests.line(#","props":01"#),
            EventScannerTests.line(#","props":1."#),
            EventScannerTests.line(#","props":1e"#),
            EventScannerTests.line(#","props":-"#),
            EventScannerTests.line(#","props":+1"#),
            EventScannerTests.line(#","props":tru"#),
            EventScannerTests.line(#","props":nul"#),
            EventScannerTests.line(#","props":{"a" 1}"#),
            EventScannerTests.line(#","props":{,}"#),
            EventScannerTests.line(#","props":{"a":1,}"#),
            EventScannerTests.line(#",,"x":1"#),
        ]
        for line in lines { assertFallsBack(line) }
    }

    func testFallsBackOnQuantitiesOutsideThePlainForm() {
        let quantities = [
            #""-1""#, "-1", #""-0""#, "-0", #""+1""#, #""007""#, #""00""#, #""1e3""#, "1e3", "1E3",
            "1.5e0", #""1.""#, #"".5""#, #""""#, #"" 1""#, #""1 ""#, #""1,5""#,
            #""1.1234567890""#,  // 10 fraction digits (the parser takes it: 1.123456789)
            #""1.0000000000""#,
            #""100000000000000000000""#,  // 21 integer digits
            #""\u0031""#, "true", "{}", "[]", #""0x1""#, "1e309",
        ]
        for quantity in quantities {
            assertFallsBack(EventScannerTests.line(#","quantity":"# + quantity))
        }
    }

    func testLimitsOnTheFallBackSide() {
        let long = String(repeating: "x", count: EventLineParser.keyBytesMax + 1)
        assertFallsBack(
            #"{"id":""# + long + #"","customer":"c","meter":"m","ts":"2026-10-01T00:00:00Z"}"#)
        assertFallsBack(
            #"{"id":"e","customer":""# + long + #"","meter":"m","ts":"2026-10-01T00:00:00Z"}"#)
        let dims = (0...ScannedEvent.dimsCountMax).map { #""k\#($0)":"v""# }
        assertFallsBack(EventScannerTests.line(#","dims":{"# + dims.joined(separator: ",") + "}"))
        let props = (0...EventScanner.keysPerObjectMax).map { #""k\#($0)":\#($0)"# }
        assertFallsBack(
            EventScannerTests.line(#","props":{"# + props.joined(separator: ",") + "}"))
        // 64 arrays put the innermost at depth 65: malformed for the parser.
        let nested = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        assertFallsBack(EventScannerTests.line(#","props":"# + nested))
        let objects =
            String(repeating: #"{"a":"#, count: 63) + "1" + String(repeating: "}", count: 63)
        assertFallsBack(EventScannerTests.line(#","props":"# + objects))
    }

    func testFallsBackOnInvalidUTF8Anywhere() {
        let good = Array(EventScannerTests.line(#","props":{"a":"xy"}"#).utf8)
        let position = good.firstIndex(of: UInt8(ascii: "y"))!
        let sequences: [[UInt8]] = [
            [0x80], [0xC3], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xE2, 0x98],
            [0xF0, 0x9F, 0x98],
        ]
        for sequence in sequences {
            var bytes = good
            bytes.insert(contentsOf: sequence, at: position)
            assertFallsBack(bytes)
            // At the very end of a line too (a sequence cut by the line's end).
            assertFallsBack(Array(good.dropLast()) + sequence)
        }
        // Outside strings, any non-ASCII byte is malformed JSON.
        assertFallsBack(Array(good.dropLast()) + [0xC3, 0xA9, UInt8(ascii: "}")])
    }

    func testByteSpanBytes() {
        Array("abcdef".utf8).withUnsafeBytes { line in
            let span = ByteSpan(start: 2, count: 3)
            XCTAssertEqual(Array(span.bytes(in: line)), Array("cde".utf8))
            XCTAssertEqual(Array(ByteSpan(start: 6, count: 0).bytes(in: line)), [])
        }
    }

    // MARK: Real lines

    /// Lines of the benchmark data (`gen_events.py --seed 42`, first 200,000 lines): every kind
    /// the generator writes except non-UTF-8 (which a Swift literal cannot hold). `\#` at a
    /// line's end joins it with the next.
    static let realLines = #"""
        {"ts":"2026-10-01T00:07:19.948Z","meter":"api_calls","quantity":"1","customer":"cus_388"\#
        ,"id":"evt_889dd9db8b366ca6","dims":{"endpoint":"/v1/completions","region":"ap-south-1"}\#
        }
        {"id":"evt_7c35d656ef3a82d7","customer":"cus_7293","meter":"gpu_seconds","ts":"2026-10-0\#
        1T00:04:17.075Z","quantity":"2311.015","dims":{"gpu":"l4","model":"m-large","region":"eu\#
        -central-1"}}
        {"id":"evt_6fcdd2d2533e9908","customer":"cus_1742","meter":"tokens_in","ts":"2026-10-01T\#
        00:05:59.258Z","quantity":"6105","dims":{"model":"m-medium","region":"ap-south-1"}}
        {"id":"evt_6365cf4db742af39","customer":"cus_9467","meter":"tokens_out","ts":"2026-10-01\#
        T00:08:00.121Z","quantity":"540","dims":{"model":"m-large","region":"eu-west-1"}}
        {"id":"evt_56fdcbc91b46c56a","customer":"cus_388","meter":"api_calls","ts":"2026-10-01T0\#
        0:06:01.631Z","quantity":"1","dims":{"endpoint":"/v1/images","region":"ap-northeast-1"}}
        {"id":"evt_77ad8c76239054dc","customer":"cus_447","meter":"storage_gb_hours","ts":"2026-\#
        10-01T00:07:59.399Z","quantity":"13.118311","dims":{"tier":"archive","region":"us-east-1\#
        "}}
        {"id":"evt_6b4588f187946b0d","customer":"cus_9467","meter":"tokens_in","ts":"2026-10-01T\#
        00:00:35.726Z","quantity":"103311","dims":{"model":"m-large","region":"ap-south-1"},"pro\#
        ps":{"retries":0,"latency_ms":64.4,"billable":false}}
        {"id":"evt_4ded380783f26974","customer":"cus_2744","meter":"api_calls","ts":"2026-10-01T\#
        00:07:42.060Z","quantity":"1","dims":{"endpoint":"/v1/completions","region":"ap-northeas\#
        t-1"},"props":{"request_id":"req_848f5851185d","quantity":"999999","customer":"cus_0"}}
        {"id":"evt_41853482e7f67fa5","customer":"cus_9384","meter":"seats","ts":"2026-10-01T00:0\#
        4:26.308Z","quantity":"209","dims":{"plan":"team"}}
        {"id":"evt_3094e71d805067db","customer":"cus_9294","meter":"api_calls","ts":"2026-10-01T\#
        00:00:03.587Z","quantity":"1","dims":{"endpoint":"/v1/chat","region":"eu-west-1"},"props\#
        ":{"request_id":"req_49638dfdddc0","sdk":"python/1.42.0"}}
        {"id":"evt_40545a6520f3df83","customer":"cus_4900","meter":"tokens_out","ts":"2026-10-01\#
        T00:03:30.120Z","quantity":"1611","dims":{"model":"m-small","region":"us-east-1"},"props\#
        ":{"trace":{"span":"req_0f19c98115e9","tags":["a","b"],"depth":3},"ok":true,"n":null}}
        {"id":"evt_e97c41c4dd107ada","customer":"cus_5703","meter":"api_calls","ts":"2026-10-01T\#
        00:07:34.293Z","quantity":"1","dims":{"endpoint":"/v1/images","region":"eu-central-1"},"\#
        props":{"note":"café ☕ \"quoted\" \u00e9\n","request_id":"req_24b270a14326"}}
        {"id": "evt_5013cdacc197572b", "customer": "cus_1112", "meter": "api_calls", "ts": "2026\#
        -10-01T00:08:10.972Z", "quantity": "1", "dims": {"endpoint": "/v1/files", "region": "eu-\#
        central-1"}}
        {"id":"evt_120bbc15b5abc620","customer":"cus_9467","meter":"tokens_in","ts":"2026-09-29T\#
        04:59:05.834Z","quantity":"50260","dims":{"model":"m-small","region":"us-east-1"}}
        {"id":"evt_ce4a8680171366f8","customer":"cus_3027","meter":"tokens_in","ts":"2026-10-01T\#
        00:01:42.945Z","quantity":"37459","dims":{"model":"m-medium","region":"ap-northeast-1"},\#
        "props":{"note":"café ☕ \"quoted\" \u00e9\n","request_id":"req_762b0b535ca3"}}
        {"id": "evt_ec2255c4f097110c", "customer": "cus_9467", "meter": "tokens_out", "ts": "202\#
        6-10-01T00:40:29.878Z", "quantity": "3426", "dims": {"model": "m-large", "region": "ap-s\#
        outh-1"}, "props": {"trace":{"span":"req_ead69147e4f7","tags":["a","b"],"depth":3},"ok":\#
        true,"n":null}}
        {"id": "evt_9cb3b99bdc44c31d", "customer": "cus_3597", "meter": "tokens_in", "ts": "2026\#
        -10-01T00:56:40.888Z", "quantity": "84289", "dims": {"model": "m-small", "region": "ap-n\#
        ortheast-1"}, "props": {"note":"café ☕ \"quoted\" \u00e9\n","request_id":"req_ec10a1b844\#
        2f"}}
        {"id":"evt_5936e3cac32db9e3","customer":"cus_7794","meter":"tokens_out","ts":"2026-09-30\#
        T21:05:48.637Z","quantity":"1974","dims":{"model":"m-small","region":"us-west-2"},"props\#
        ":{"note":"café ☕ \"quoted\" \u00e9\n","request_id":"req_4fbd4c013a4e"}}
        {"id":"evt_e7ac8e408f2ee9d3","customer":"cus_925","meter":"tokens_out","ts":"2026-10-01T\#
        03:17:30.102+01:00","quantity":"8328","dims":{"model":"m-small","region":"eu-central-1"}\#
        }
        {"ts":"2026-10-01T02:46:19.064Z","meter":"gpu_seconds","quantity":"854","customer":"cus_\#
        9467","id":"evt_ac85af3fe72a4187","dims":{"gpu":"h100","model":"m-medium","region":"ap-n\#
        ortheast-1"},"props":{"trace":{"span":"req_081016e15f8d","tags":["a","b"],"depth":3},"ok\#
        ":true,"n":null}}
        {"id":"evt_64f6ccbaa329af6c","customer":"cus_1855","meter":"tokens_out","ts":"2026-10-01\#
        T08:34:03.066+05:30","quantity":"5290","dims":{"model":"m-small","region":"us-east-1"}}
        {"id":"evt_adc90bba186ee86b","customer":"cus_2128","meter":"api_call","ts":"2026-10-01T0\#
        4:02:28.286Z","quantity":"1","dims":{"endpoint":"/v1/embeddings","region":"ap-south-1"}}
        {"id":"evt_85c250f24ad64901","customer":"cus_3068","meter":"tokens_out","ts":"1790000000\#
        ","quantity":"4868","dims":{"model":"m-small","region":"eu-west-1"}}
        {"id":"evt_9d6abf0bf0ec7fde","customer":"cus_9076","meter":"tokens_out","ts":"2026-10-01\#
        T06:08:01.761Z","quantity":"-2031","dims":{"model":"m-medium","region":"eu-central-1"}}
        {"id":"evt_eee095ce91e6731a","customer":"cus_1894","meter":"tokens_out","ts":"2026-10-01\#
        T08:22:13.446Z","quantity":1e309,"dims":{"model":"m-medium","region":"ap-northeast-1"}}
        {"id":"evt_7af48c08cfe262c6","customer":"cus_8953","meter":"gpu_seconds","ts":"","quanti\#
        ty":"2817.74","dims":{"gpu":"h100","model":"embed-v2","region":"eu-central-1"}}

        {"id":"evt_360dcfafb154edb0","customer":"cus_9384","meter":"api_calls","ts":"2026-10-01T\#
        16:52:44.341-04:00","quantity":"1","dims":{"endpoint":"/v1/chat","region":"ap-northeast-\#
        1"},"props":{"note":"café ☕ \"quoted\" \u00e9\n","request_id":"req_2aa51c0a3972"}}
        {"id":"evt_4498d158795b86ef","customer":"cus_388","meter":"api_calls","ts":"2026-10-02T0\#
        1:49:12.607Z","quantity":"1","dims":{"endpoint":"/v1/embeddings"
        {"id":"evt_f0df1c10fbabe465","customer":"cus_6172","meter":"api_calls","ts":"2026-10-02T\#
        12:54:14.839Z","quantity":"1","d
        {"id":"evt_1bba30bfe6702ae6","meter":"api_calls","ts":"2026-10-02T15:55:38.009Z","quanti\#
        ty":"1","dims":{"endpoint":"/v1/embeddings","region":"ap-northeast-1"}}
        {"id":"evt_c58c44e070794156","meter":"tokens_in","ts":"2026-10-03T01:32:21.667Z","quanti\#
        ty":"109022","dims":{"model":"embed-v2","region":"us-west-2"}}
        """#

    func testRealLines() {
        var scanner = EventScanner()
        var scanned = ScannedEvent()
        var taken = 0
        var events = 0
        let lines = EventScannerTests.realLines.split(
            separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 32)
        for line in lines {
            let verdict = EventScannerTests.verdict(
                Array(line.utf8), scanner: &scanner, reusing: &scanned)
            XCTAssertNil(verdict.mismatch, String(line))
            if case .event = verdict.slow {
                events += 1
                // Every event line of the generator takes the fast path.
                XCTAssertTrue(verdict.fast, String(line))
            }
            if verdict.fast { taken += 1 }
        }
        // 32 lines: 9 the parser rejects (2 truncated, 2 without a customer, a negative
        // quantity, 1e309, 2 bad timestamps, the blank line) and 23 events (an unknown meter is
        // still an event at this stage).
        XCTAssertEqual(events, 23)
        XCTAssertEqual(taken, 23)
    }

    // MARK: Differential test

    /// SplitMix64: a seeded generator, so a failure repeats.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
    }

    /// Makes event lines: mostly the generator's shapes, then random changes to them.
    struct LineMaker {
        var random: SplitMix64

        mutating func chance(_ percent: Int) -> Bool {
            Int.random(in: 0..<100, using: &random) < percent
        }
        mutating func pick<T>(_ options: [T]) -> T { options.randomElement(using: &random)! }
        mutating func count(_ range: ClosedRange<Int>) -> Int {
            Int.random(in: range, using: &random)
        }

        static let meters = ["api_calls", "tokens_in", "tokens_out", "storage_gb_hours", "seats"]
        static let oddStrings = [
            "", "é", "日本", "a\\u0062", "a\\\"b", "\u{7F}", "a b", "\\ud83d\\ude00", "😀",
            String(repeating: "k", count: 256), String(repeating: "k", count: 257),
        ]
        static let timestamps = [
            "2026-10-03T14:22:05.123Z", "2026-10-01T05:30:00+05:30", "2026-10-01t00:00:00z",
            "2024-02-29T23:59:59.999999999Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+23:59",
            "2026-10-01T00:00:00-00:00", "1969-12-31T23:59:59.5Z",
        ]
        static let badTimestamps = [
            "2026-02-29T00:00:00Z", "2026-10-01T00:00:60Z", "2026-10-01T24:00:00Z",
            "2026-10-01T00:00:00+24:00", "2026-10-01T00:00:00", "2026-10-01 00:00:00Z",
            "2026-10-01T00:00:00.Z", "2026-10-01T00:00:00.1234567890Z", "0000-01-01T00:00:00Z",
            "", "1790000000", "2026-13-01T00:00:00Z", "2026-10-01T00:00:00+05:30x",
        ]
        static let quantities = [
            #""1""#, #""12.5""#, #""0""#, "0", "7", "2311.015", #""12.500""#, #""0.000000001""#,
            #""99999999999999999999.999999999""#, "12345678901234567890",
        ]
        static let oddQuantities = [
            "null", #""-1""#, "-0", #""007""#, "1e3", #""1E+2""#, #""1.""#, #"".5""#, #""""#,
            #""1.1234567890""#, #""1.0000000000""#, #""100000000000000000000""#, "1e309",
            #""\u0031""#, "true", "{}", "[1]", "01", "1.5e", "-", #""１""#,
        ]
        static let keys = ["id", "customer", "meter", "ts", "quantity", "dims", "props", "x"]
        static let interesting: [UInt8] = [
            0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C,
            0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xA9, 0xED, 0xF4, 0xFF, 0x30, 0x31, 0x39, 0x65,
            0x2D, 0x2E, 0x2B, 0x75, 0x6E,
        ]

        /// UTF-8 edges: the first and last of each length, surrogates, overlong forms, past
        /// U+10FFFF, cut sequences.
        static let sequences: [[UInt8]] = [
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
            [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xED, 0xA0, 0x80],
            [0xED, 0xBF, 0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x9F, 0xBF],
            [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
            [0xE2, 0x98], [0x80], [0xFF],
        ]

        mutating func quoted(_ text: String) -> String { "\"" + text + "\"" }

        mutating func whitespace() -> String {
            // VT and FF are blank-space but not JSON whitespace: rare, or every line breaks.
            if chance(90) { return "" }
            return chance(97) ? pick([" ", "\t", "\r\n", "  "]) : pick(["\u{0B}", "\u{0C}"])
        }

        /// A string body: mostly plain, sometimes escapes (valid or not) and non-ASCII.
        mutating func stringBody() -> String {
            if chance(70) { return pick(["a", "req_5f3e", "café ☕", "", "x y", "/v1/chat"]) }
            var text = ""
            for _ in 0..<count(1...4) {
                if chance(80) {
                    text += pick([
                        "a", "é", "😀", "\\\"", "\\\\", "\\/", "\\b", "\\n", "\\u00e9",
                        "\\ud83d\\ude00", "\\uD83D\\uDE00", "\\u0000",
                    ])
                } else {
                    text += pick([
                        "\\ud83d", "\\ude00", "\\ud83d\\u0041", "\\u12", "\\uZZZZ", "\\x", "\t",
                        "\u{01}", "\\ud83d\\ud83d",
                    ])
                }
            }
            return text
        }

        /// Any JSON value (or near one) at a nesting budget.
        mutating func value(depth: Int) -> String {
            let kind = depth <= 0 ? count(0...3) : count(0...7)
            switch kind {
            case 0: return quoted(stringBody())
            case 1:
                if chance(80) { return pick(["0", "1", "-2.5e+3", "3.25", "1E9", "-0.0e-0"]) }
                return pick(["01", "1.", "-", "+1", "1e", ".5", "1e+"])
            case 2: return chance(90) ? pick(["true", "false", "null"]) : pick(["tru", "nul"])
            case 3: return quoted(pick(["x", "y"]))
            case 4, 5:
                // Mostly distinct keys; sometimes from a small pool, so some repeat.
                let members = (0..<count(0...4)).map { index in
                    quoted(chance(90) ? "k\(index)" : pick(["a", "id", "a\\u0062", "é"]))
                        + whitespace() + ":" + whitespace() + value(depth: depth - 1)
                }
                return "{" + members.joined(separator: "," + whitespace()) + "}"
            default:
                let items = (0..<count(0...4)).map { _ in value(depth: depth - 1) }
                return "[" + items.joined(separator: ",") + "]"
            }
        }

        /// One line: the generator's shape with random changes.
        mutating func line() -> [UInt8] {
            var fields: [(String, String)] = [
                (
                    "id",
                    quoted(chance(95) ? "evt_\(count(0...999_999))" : pick(LineMaker.oddStrings))
                ),
                (
                    "customer",
                    quoted(chance(95) ? "cus_\(count(1...10_000))" : pick(LineMaker.oddStrings))
                ),
                ("meter", quoted(chance(95) ? pick(LineMaker.meters) : pick(LineMaker.oddStrings))),
                (
                    "ts",
                    quoted(chance(95) ? pick(LineMaker.timestamps) : pick(LineMaker.badTimestamps))
                ),
            ]
            if chance(90) {
                fields.append(
                    (
                        "quantity",
                        chance(92) ? pick(LineMaker.quantities) : pick(LineMaker.oddQuantities)
                    ))
            }
            if chance(85) {
                let pairs = chance(5) ? count(15...18) : count(0...3)
                var members: [String] = []
                for index in 0..<pairs {
                    let key = chance(10) ? pick(["a", "b", "é", "a\\u0062", ""]) : "k\(index)"
                    let value =
                        chance(93)
                        ? quoted(pick(["v", "eu-west-1", "é", ""]))
                        : pick(["1", "null", "\"a\\u0062\"", "{}", "[\"v\"]"])
                    members.append(quoted(key) + ":" + whitespace() + value)
                }
                fields.append(
                    (
                        "dims",
                        chance(95)
                            ? "{" + members.joined(separator: ",") + "}"
                            : pick(["null", "[]", "\"v\""])
                    ))
            }
            if chance(25) {
                let deep = count(60...66)
                let props =
                    chance(10)
                    ? String(repeating: "[", count: deep) + String(repeating: "]", count: deep)
                    : value(depth: 4)
                fields.append(("props", props))
            }
            if chance(5) { fields.remove(at: count(0...(fields.count - 1))) }
            if chance(5) { fields.append(fields[count(0...(fields.count - 1))]) }
            if chance(5) { fields[count(0...(fields.count - 1))].1 = value(depth: 2) }
            if chance(3) { fields[count(0...(fields.count - 1))].0 = pick(LineMaker.keys) }
            if chance(15) { fields.shuffle(using: &random) }
            let members = fields.map {
                whitespace() + quoted($0.0) + whitespace() + ":" + whitespace() + $0.1
            }
            var bytes = Array(
                (whitespace() + "{" + members.joined(separator: ",") + whitespace() + "}"
                    + whitespace()).utf8)
            if chance(10) {
                for _ in 0..<count(1...3) where !bytes.isEmpty {
                    let position = count(0...(bytes.count - 1))
                    switch count(0...3) {
                    case 0: bytes.remove(at: position)
                    case 1: bytes.insert(pick(LineMaker.interesting), at: position)
                    case 2: bytes[position] = pick(LineMaker.interesting)
                    default: bytes.removeSubrange(position...)
                    }
                }
            }
            if chance(5), !bytes.isEmpty {
                // A multi-byte sequence, valid or not, just inside some string.
                let position = count(0...(bytes.count - 1))
                let quote = bytes[position...].firstIndex(of: 0x22) ?? position
                bytes.insert(contentsOf: pick(LineMaker.sequences), at: min(quote + 1, bytes.count))
            }
            return bytes
        }
    }

    func testDifferentialAgainstEventLineParser() {
        let seed: UInt64 = 0x5CA4_2026_1201_0009
        var maker = LineMaker(random: SplitMix64(state: seed))
        var scanner = EventScanner()
        var scanned = ScannedEvent()
        var events = 0
        var taken = 0
        var lines = 0
        var reasons: [String: Int] = [:]
        for _ in 0..<20_000 {
            let line = maker.line()
            let verdict = EventScannerTests.verdict(line, scanner: &scanner, reusing: &scanned)
            lines += 1
            if let mismatch = verdict.mismatch {
                XCTFail(
                    "seed \(seed), line \(lines): \(mismatch): "
                        + String(decoding: line, as: UTF8.self))
                return
            }
            switch verdict.slow {
            case .event: events += 1
            case .blank: reasons["blank", default: 0] += 1
            case .rejected(let reason, _): reasons["\(reason)", default: 0] += 1
            }
            if verdict.fast { taken += 1 }
        }
        print(
            "EventScanner differential: seed \(seed), \(lines) lines, \(events) events, "
                + "\(taken) taken by the scanner; the parser's other outcomes: "
                + reasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                    separator: ", "))
        // A test that cannot fail is a defect: the mix must hold both kinds in numbers.
        XCTAssertGreaterThan(taken, lines / 4)
        XCTAssertGreaterThan(events - taken, 100)
        XCTAssertGreaterThan(lines - events, lines / 10)
    }
}
