import Foundation
import Pricing
import XCTest

@testable import Formats

/// The rated-line codec (Sources/Formats/Records/RatedLineRecord.swift): what
/// `RateOutputs.ratedLine` writes, `InvoiceInputReader.ratedLines` reads back to the same values
/// and bytes, and `RatedLinesFile.decode` (for `diff`) to the same keys and figures.
final class RatedLineRecordTests: XCTestCase {
    let october = YearMonth(year: 2026, month: 10)!

    /// `lines` as `rated.ndjson`, each in its customer's October period.
    func encode(_ lines: [RatedLine], _ customers: [Customer]) -> [UInt8] {
        var writer = JSONWriter()
        for line in lines {
            let customer = customers.first { $0.id == line.customer }!
            RateOutputs.ratedLine(
                line, period: customer.billingPeriod(startingIn: october), into: &writer)
        }
        return writer.bytes
    }

    /// Every field of each line, compared one by one (`RatedLine` is not `Equatable`).
    func assertSame(
        _ left: [RatedLine], _ right: [RatedLine], file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertEqual(left.count, right.count, file: file, line: line)
        for (a, b) in zip(left, right) {
            XCTAssertEqual(
                [a.customer, a.plan, a.charge, a.kind.rawValue],
                [b.customer, b.plan, b.charge, b.kind.rawValue], file: file, line: line)
            XCTAssertEqual(a.group, b.group, file: file, line: line)
            XCTAssertEqual(a.quantity, b.quantity, file: file, line: line)
            XCTAssertEqual(a.amountExact, b.amountExact, file: file, line: line)
            XCTAssertEqual(a.amount, b.amount, file: file, line: line)
            XCTAssertEqual(a.tiers, b.tiers, file: file, line: line)
        }
    }

    func testGoldenRatedLinesRoundTrip() throws {
        let bytes = try RecordSamples.bytes("expected/rate/rated.ndjson")
        let catalog = try RecordSamples.catalog()
        let customers = try RecordSamples.customers(catalog)
        var reader = InvoiceInputReader(catalog: catalog, customers: customers)
        let lines = reader.ratedLines(bytes, file: "rated.ndjson")
        XCTAssertEqual(RecordSamples.problems(reader), [])
        XCTAssertEqual(lines.count, 48)
        RecordSamples.assertBytes(encode(lines, customers), bytes, "decode then encode")
        assertSame(reader.ratedLines(encode(lines, customers), file: "again"), lines)
        XCTAssertEqual(RecordSamples.problems(reader), [])

        // Values the golden file holds, read as what they are.
        XCTAssertEqual(lines[0].tiers.map(\.unitPrice), [Rational(0), DecimalText.exact("0.004")])
        let fraction = try XCTUnwrap(lines.first { $0.amountExact.description == "833/31" })
        XCTAssertEqual(fraction.amountExact, try Rational(numerator: 833, denominator: 31))
        XCTAssertEqual(lines.filter { $0.kind == .minimumTrueUp }.count, 1)
        // The starter storage of cus_1, cus_4 and cus_5, and cus_8's platform storage.
        XCTAssertEqual(lines.filter { $0.tiers.contains { $0.flatPrice != nil } }.count, 4)
        XCTAssertEqual(Set(lines.map(\.currency.code)), ["EUR", "JPY", "USD"])

        // The light decoder of `diff` reads the same keys and figures.
        let light = try RatedLinesFile.decode(bytes)
        XCTAssertEqual(light.count, lines.count)
        for (read, line) in zip(light, lines) {
            XCTAssertEqual(
                read.key,
                BillableLineKey(
                    customer: line.customer, plan: line.plan, charge: line.charge,
                    kind: line.kind.rawValue, group: line.group))
            XCTAssertEqual(
                read.figures,
                LineFigures(
                    quantity: line.quantity, amountExact: line.amountExact,
                    amount: line.amount.exact))
            XCTAssertEqual(read.currency, line.currency.code)
            XCTAssertEqual(read.amountScale, line.currency.minorUnitDigits)
        }
    }

    /// Fractions, a zero amount in a currency without minor units, several group dimensions
    /// (with characters JSON escapes), a flat price of 0, a line without tiers, large values.
    func testEdgeValuesRoundTrip() throws {
        let catalog = try RecordSamples.catalog()
        let customers = try RecordSamples.customers(catalog)
        let jpy = try XCTUnwrap(catalog.currency(code: "JPY"))
        let eur = try XCTUnwrap(catalog.currency(code: "EUR"))
        let usd = try XCTUnwrap(catalog.currency(code: "USD"))
        func exact(_ text: String) throws -> Rational { try XCTUnwrap(DecimalText.exact(text)) }
        let lines = [
            RatedLine(
                customer: "cus_3", plan: "tokyo", charge: "api", kind: .usage,
                group: [
                    Dimension(key: "region", value: "ap-northeast"),
                    Dimension(key: "tier", value: "gold"),
                    Dimension(key: "zone", value: "\"q\" \\ ü\n"),
                ],
                quantity: try exact("7/3"), amountExact: try exact("1/3"),
                amount: Money(minorUnits: 0, currency: jpy),
                tiers: [
                    TierAmount(
                        quantity: try exact("7/3"), unitPrice: try exact("1/7"),
                        amount: try exact("1/3"), flatPrice: nil),
                    TierAmount(
                        quantity: Rational(0), unitPrice: Rational(0), amount: Rational(0),
                        flatPrice: Rational(0)),
                ]),
            RatedLine(
                customer: "cus_2", plan: "pro_eur", charge: "minimum", kind: .minimumTrueUp,
                group: [], quantity: Rational(1), amountExact: try exact("12.345"),
                amount: Money(minorUnits: 1235, currency: eur), tiers: []),
            RatedLine(
                customer: "cus_1", plan: "starter", charge: "seats", kind: .recurring,
                group: [Dimension(key: "", value: "")], quantity: try exact("0.000001"),
                amountExact: try exact("123456789012.123456789"),
                amount: Money(minorUnits: 12_345_678_901_212, currency: usd),
                tiers: [
                    TierAmount(
                        quantity: try exact("0.000001"), unitPrice: try exact("-2.5"),
                        amount: try exact("123456789012.123456789"),
                        flatPrice: try exact("123456789012.123459289"))
                ]),
        ]
        let bytes = encode(lines, customers)
        var reader = InvoiceInputReader(catalog: catalog, customers: customers)
        let decoded = reader.ratedLines(bytes, file: "rated.ndjson")
        XCTAssertEqual(RecordSamples.problems(reader), [])
        assertSame(decoded, lines)
        RecordSamples.assertBytes(encode(decoded, customers), bytes, "decode then encode")
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains(#""amount_exact":"1/3","amount":"0","#), text)
        let group = #""group":{"region":"ap-northeast","tier":"gold","zone":"\"q\" \\ ü\n"}"#
        XCTAssertTrue(text.contains(group), text)
        XCTAssertTrue(text.contains(#""tiers":[]}"#), text)
    }

    /// The decoder keeps its problems and their texts.
    func testRefusalsNameLineAndField() throws {
        let golden = RecordSamples.lines(try RecordSamples.bytes("expected/rate/rated.ndjson"))[0]
        let line = String(decoding: golden, as: UTF8.self)
        func problems(_ edits: [(String, String)]) throws -> [String] {
            var reader = try RecordSamples.reader()
            var text = ""
            for (old, new) in edits {
                XCTAssertTrue(line.contains(old), old)
                text += line.replacingOccurrences(of: old, with: new)
            }
            _ = reader.ratedLines(Array(text.utf8), file: "rated.ndjson")
            return RecordSamples.problems(reader)
        }
        XCTAssertEqual(
            try problems([
                (#""currency":"USD""#, #""currency":"XXX""#),
                (#""customer":"cus_1""#, #""customer":"cus_9""#),
                (#""amount":"0.06","tiers""#, #""amount":"0.061","tiers""#),
                (#""amount_exact":"0.06","#, ""),
                (#""kind":"usage""#, #""kind":"use""#),
                (#""unit_price":"0.004""#, #""unit_price":"x""#),
            ]),
            [
                #"rated.ndjson:1: currency: unknown currency "XXX""#,
                #"rated.ndjson:2: customer: customer "cus_9" is not in the customers file"#,
                #"rated.ndjson:3: amount: "0.061" is not an amount in USD"#,
                "rated.ndjson:4: not a rated line of this Ratebook version",
                "rated.ndjson:5: not a rated line of this Ratebook version",
                "rated.ndjson:6: tiers: malformed tier",
            ])
    }
}
