import XCTest

@testable import Formats

final class CSVTextTests: XCTestCase {
    func testPlainFieldsAreNotQuoted() {
        XCTAssertEqual(CSVText.row(["inv_1", "cus_001", "436.00", "EUR"]),
                       "inv_1,cus_001,436.00,EUR\n")
    }

    func testEmptyFieldsStayEmpty() {
        XCTAssertEqual(CSVText.row(["a", "", "c", ""]), "a,,c,\n")
        XCTAssertEqual(CSVText.row(["", ""]), ",\n")
    }

    /// A lone empty field would otherwise be a blank line, which readers skip.
    func testSingleEmptyFieldIsQuoted() {
        XCTAssertEqual(CSVText.row([""]), "\"\"\n")
        XCTAssertEqual(CSVText.row([]), "\n")
    }

    func testCommaQuotesField() {
        XCTAssertEqual(CSVText.row(["Acme, Inc.", "x"]), "\"Acme, Inc.\",x\n")
    }

    /// Inner quotes are doubled: `say "hi"` → `"say ""hi"""`.
    func testQuoteIsDoubled() {
        XCTAssertEqual(CSVText.row(["say \"hi\""]), "\"say \"\"hi\"\"\"\n")
        XCTAssertEqual(CSVText.row(["\""]), "\"\"\"\"\n")
    }

    func testLineBreaksQuoteField() {
        XCTAssertEqual(CSVText.row(["a\nb", "c"]), "\"a\nb\",c\n")
        XCTAssertEqual(CSVText.row(["a\rb"]), "\"a\rb\"\n")
        XCTAssertEqual(CSVText.row(["a\r\nb"]), "\"a\r\nb\"\n")
    }

    func testLeadingAndTrailingWhitespaceQuoteField() {
        XCTAssertEqual(CSVText.row([" a", "b ", "c d", "\tx"]), "\" a\",\"b \",c d,\"\tx\"\n")
    }

    func testUnicodeIsRawAndUnquoted() {
        XCTAssertEqual(CSVText.row(["Müller", "東京", "😀"]), "Müller,東京,😀\n")
        XCTAssertEqual(Array(CSVText.row(["é"]).utf8), [0xC3, 0xA9, 0x0A])
    }

    func testNegativeAmountIsNotQuoted() {
        XCTAssertEqual(CSVText.row(["-48.50"]), "-48.50\n")
    }
}
