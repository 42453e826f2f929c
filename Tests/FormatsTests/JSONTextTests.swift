import XCTest

@testable import Formats

final class JSONTextTests: XCTestCase {
    private func text(_ writer: JSONWriter) -> String {
        String(decoding: writer.bytes, as: UTF8.self)
    }

    func testEscapesQuotesAndBackslash() {
        XCTAssertEqual(JSONWriter.escaped("a\"b\\c/d"), "a\\\"b\\\\c/d")
    }

    /// Named escapes for BS TAB LF FF CR; `\u00XX` (lowercase hex) for the other controls.
    func testEscapesControlCharacters() {
        XCTAssertEqual(JSONWriter.escaped("\u{08}\u{09}\u{0A}\u{0C}\u{0D}"), "\\b\\t\\n\\f\\r")
        XCTAssertEqual(JSONWriter.escaped("\u{00}\u{01}\u{0B}\u{1B}\u{1F}"),
                       "\\u0000\\u0001\\u000b\\u001b\\u001f")
    }

    /// Space, DEL and everything non-ASCII pass through as raw UTF-8 bytes.
    func testLeavesUnicodeAndDeleteRaw() {
        let escaped = JSONWriter.escaped(" \u{7F}é€😀\u{2028}")
        XCTAssertEqual(Array(escaped.utf8), [
            0x20, 0x7F, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xE2, 0x80, 0xA8,
        ])
    }

    func testStringValueAndKeyAreQuotedAndEscaped() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("k\"ey")
        writer.string("line1\nline2\t\u{01}")
        writer.endObject()
        XCTAssertEqual(text(writer), #"{"k\"ey":"line1\nline2\t\u0001"}"#)
    }

    func testCompactNestedContainersPlaceCommas() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a")
        writer.integer(1)
        writer.key("b")
        writer.beginArray()
        writer.bool(true)
        writer.null()
        writer.beginObject()
        writer.key("c")
        writer.string("d")
        writer.endObject()
        writer.beginArray()
        writer.endArray()
        writer.raw("-0.5")
        writer.endArray()
        writer.key("e")
        writer.beginObject()
        writer.endObject()
        writer.key("f")
        writer.bool(false)
        writer.endObject()
        XCTAssertEqual(text(writer), #"{"a":1,"b":[true,null,{"c":"d"},[],-0.5],"e":{},"f":false}"#)
    }

    func testKeysKeepTheOrderWritten() {
        var writer = JSONWriter()
        writer.beginObject()
        for key in ["z", "a", "m"] {
            writer.key(key)
            writer.integer(0)
        }
        writer.endObject()
        XCTAssertEqual(text(writer), #"{"z":0,"a":0,"m":0}"#)
    }

    func testEndLineSeparatesNDJSONRecords() {
        var writer = JSONWriter()
        for customer in ["cus_1", "cus_2"] {
            writer.beginObject()
            writer.key("customer")
            writer.string(customer)
            writer.key("count")
            writer.integer(Int64(-3))
            writer.endObject()
            writer.endLine()
        }
        XCTAssertEqual(
            text(writer),
            "{\"customer\":\"cus_1\",\"count\":-3}\n{\"customer\":\"cus_2\",\"count\":-3}\n")
    }

    func testPrettyOutputIsIndentedByTwoSpaces() {
        var writer = JSONWriter(pretty: true)
        writer.beginObject()
        writer.key("invoice_id")
        writer.string("inv_2026-10_cus_001")
        writer.key("group")
        writer.beginObject()
        writer.endObject()
        writer.key("lines")
        writer.beginArray()
        writer.beginObject()
        writer.key("charge")
        writer.string("api")
        writer.key("tiers")
        writer.beginArray()
        writer.endArray()
        writer.endObject()
        writer.string("x")
        writer.endArray()
        writer.key("period")
        writer.beginObject()
        writer.key("start")
        writer.string("2026-10-01")
        writer.key("end")
        writer.null()
        writer.endObject()
        writer.key("count")
        writer.raw("12")
        writer.endObject()
        writer.endLine()
        let expected = """
            {
              "invoice_id": "inv_2026-10_cus_001",
              "group": {},
              "lines": [
                {
                  "charge": "api",
                  "tiers": []
                },
                "x"
              ],
              "period": {
                "start": "2026-10-01",
                "end": null
              },
              "count": 12
            }

            """
        XCTAssertEqual(text(writer), expected)
    }

    func testTopLevelScalarsAndEmptyContainers() {
        var writer = JSONWriter(pretty: true)
        writer.beginArray()
        writer.endArray()
        writer.endLine()
        writer.string("é")
        writer.endLine()
        XCTAssertEqual(text(writer), "[]\n\"é\"\n")
    }

    func testNumberGrammar() {
        for valid in ["0", "-0", "12", "-12.50", "0.001", "1e3", "1E+3", "2.5e-10"] {
            XCTAssertTrue(JSONWriter.isNumber(valid), valid)
        }
        for invalid in ["", "-", "01", "1.", ".5", "+1", "1e", "1e+", "NaN", "1 ", "0x1", "1.2.3"] {
            XCTAssertFalse(JSONWriter.isNumber(invalid), invalid)
        }
    }
}

/// Repeated keys are refused in objects of any size: scanned while small, looked up in a set
/// once large (a 100,000-customer manifest lists 200,000 outputs).
final class JSONValueRepeatedKeyTests: XCTestCase {
    func object(_ keys: [String]) -> String {
        "{" + keys.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
    }

    func testRepeatsAreFoundOnEitherSideOfTheScanLimit() throws {
        let limit = JSONValueParser.scannedMembersMax
        for count in [2, limit - 1, limit, limit + 1, 5_000] {
            let keys = (0..<count).map { "k\($0)" }
            guard case .object(let members) = try JSONValue.parse(object(keys)) else {
                return XCTFail("not an object")
            }
            XCTAssertEqual(members.map(\.0), keys)
            // The first key again, as the last member: found by the scan or by the set.
            XCTAssertThrowsError(try JSONValue.parse(object(keys + ["k0"]))) { error in
                XCTAssertEqual(
                    "\(error)".hasPrefix("repeated key \"k0\""), true, "\(count): \(error)")
            }
            // A key repeated after the set was made from the first members.
            if count > limit {
                let late = keys + ["x", "x"]
                XCTAssertThrowsError(try JSONValue.parse(object(late)), "\(count)")
            }
        }
    }
}
