import Foundation
import XCTest

@testable import Formats
@testable import Pricing

/// The grant codec (Sources/Formats/Records/GrantRecord.swift): what `RateOutputs` writes as
/// `included-credits.ndjson` (or `grantLine` as any grant), `InvoiceInputReader.grants` reads
/// back to the same grants, and those write the same bytes again.
final class GrantRecordTests: XCTestCase {
    /// `grants` as grant lines, each with its plan.
    func encode(_ grants: [(Grant, String?)]) -> [UInt8] {
        var writer = JSONWriter()
        for (grant, plan) in grants { RateOutputs.grantLine(grant, plan: plan, into: &writer) }
        return writer.bytes
    }

    /// The grants of `bytes` in line order, with the problems found.
    func decode(
        _ bytes: [UInt8], rules: InvoiceInputReader.LineRules
    ) throws -> ([Grant], [String]) {
        var reader = try RecordSamples.reader()
        var byID: [String: Grant] = [:]
        reader.grants(bytes, file: "grants.ndjson", rules: rules, into: &byID)
        var ids: [String] = []
        for line in RecordSamples.lines(bytes) {
            let value = try line.dropLast().withUnsafeBytes { try JSONValue.parse($0) }
            if case .string(let id)? = value["id"] { ids.append(id) }
        }
        return (ids.compactMap { byID[$0] }, RecordSamples.problems(reader))
    }

    func testGoldenIncludedCreditsRoundTrip() throws {
        let bytes = try RecordSamples.bytes("expected/rate/included-credits.ndjson")
        let (grants, problems) = try decode(bytes, rules: .rateOutput)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(grants.count, 4)
        // The plan is not part of a grant (billing does not use it): read it from each line.
        var plans: [String?] = []
        for line in RecordSamples.lines(bytes) {
            let value = try line.dropLast().withUnsafeBytes { try JSONValue.parse($0) }
            guard case .string(let plan)? = value["plan"] else {
                plans.append(nil)
                continue
            }
            plans.append(plan)
        }
        RecordSamples.assertBytes(encode(Array(zip(grants, plans))), bytes, "decode then encode")
        XCTAssertEqual(try decode(encode(Array(zip(grants, plans))), rules: .rateOutput).0, grants)

        let newYork = try XCTUnwrap(grants.first { $0.customer == "cus_4" })
        XCTAssertEqual(newYork.timestampText, "2026-10-15T00:00:00-04:00")
        XCTAssertEqual(newYork.instant, RFC3339.parse("2026-10-15T04:00:00Z"))
        XCTAssertEqual(newYork.expiresText, "2026-11-15T00:00:00-05:00")
        XCTAssertEqual(newYork.expires, RFC3339.parse("2026-11-15T05:00:00Z"))
        XCTAssertEqual(newYork.amount.description, "10.00")
        XCTAssertEqual(Set(grants.map(\.source)), ["included"])
        XCTAssertEqual(Set(grants.map(\.priority)), [0])
    }

    /// What rate writes for an included credit is the grant the invoice stage reads.
    func testIncludedCreditDecodesToItsGrant() throws {
        let catalog = try RecordSamples.catalog()
        let jpy = try XCTUnwrap(catalog.currency(code: "JPY"))
        let start = try XCTUnwrap(RFC3339.parse("2026-09-30T15:00:00Z"))
        let end = try XCTUnwrap(RFC3339.parse("2026-10-31T15:00:00Z"))
        let credit = IncludedCredit(
            id: "included_2026-10_cus_3_tokyo", customer: "cus_3", plan: "tokyo",
            amount: Money(minorUnits: 500, currency: jpy), start: start, end: end,
            startOffsetSeconds: 9 * 3600, endOffsetSeconds: 9 * 3600)
        var writer = JSONWriter()
        RateOutputs.includedCreditLine(credit, into: &writer)
        XCTAssertEqual(
            String(decoding: writer.bytes, as: UTF8.self),
            #"{"id":"included_2026-10_cus_3_tokyo","customer":"cus_3","#
                + #""ts":"2026-10-01T00:00:00+09:00","amount":"500","currency":"JPY","#
                + #""expires":"2026-11-01T00:00:00+09:00","source":"included","plan":"tokyo"}"#
                + "\n")
        let (grants, problems) = try decode(writer.bytes, rules: .rateOutput)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(
            grants,
            [
                Grant(
                    id: credit.id, customer: "cus_3", instant: start,
                    timestampText: "2026-10-01T00:00:00+09:00", amount: credit.amount,
                    expires: end, expiresText: "2026-11-01T00:00:00+09:00", source: "included",
                    priority: 0)
            ])
        RecordSamples.assertBytes(
            encode([(grants[0], "tokyo")]), writer.bytes, "decode then encode")
    }

    /// Expiry null and set, priorities at their limits, the smallest amount, a currency
    /// without minor units, a grant without a plan.
    func testEdgeGrantsRoundTrip() throws {
        let catalog = try RecordSamples.catalog()
        let usd = try XCTUnwrap(catalog.currency(code: "USD"))
        let credits = try XCTUnwrap(catalog.currency(code: "CREDITS"))
        let ts = "2026-10-04T10:00:00.5+05:30"
        let instant = try XCTUnwrap(RFC3339.parse(ts))
        let grants = [
            Grant(
                id: "g-null", customer: "cus_1", instant: instant, timestampText: ts,
                amount: Money(minorUnits: 1, currency: usd), expires: nil, expiresText: nil,
                source: "purchase", priority: -1_000_000),
            Grant(
                id: "g \"set\"", customer: "cus_1", instant: instant, timestampText: ts,
                amount: Money(minorUnits: 999_999_999_999_999_99, currency: usd),
                expires: instant, expiresText: ts, source: "promotional", priority: 1_000_000),
            Grant(
                id: "g-credits", customer: "cus_5", instant: instant, timestampText: ts,
                amount: Money(minorUnits: 7, currency: credits),
                expires: RFC3339.parse("2027-01-01T00:00:00Z"),
                expiresText: "2027-01-01T00:00:00Z", source: "included", priority: 0),
        ]
        let bytes = encode(grants.map { ($0, nil) })
        XCTAssertEqual(
            String(decoding: RecordSamples.lines(bytes)[0], as: UTF8.self),
            #"{"id":"g-null","customer":"cus_1","ts":"2026-10-04T10:00:00.5+05:30","#
                + #""amount":"0.01","currency":"USD","expires":null,"source":"purchase","#
                + #""priority":-1000000}"# + "\n")
        for rules in [InvoiceInputReader.LineRules.rateOutput, .configuration] {
            let (decoded, problems) = try decode(bytes, rules: rules)
            XCTAssertEqual(problems, [])
            XCTAssertEqual(decoded, grants, "encode then decode gives the same grants")
            RecordSamples.assertBytes(encode(decoded.map { ($0, nil) }), bytes, "\(rules)")
        }
    }

    /// The decoder keeps its problems and their texts.
    func testRefusalsNameLineAndField() throws {
        let line = String(
            decoding: RecordSamples.lines(
                try RecordSamples.bytes("expected/rate/included-credits.ndjson"))[0],
            as: UTF8.self)
        var text = ""
        for (number, (old, new)) in [
            (#""source":"included""#, #""source":"gift""#),
            (#""amount":"10.00""#, #""amount":"10.001""#),
            (#""expires":"2026-11-01T00:00:00Z""#, #""expires":"2026-09-01T00:00:00Z""#),
            (#""plan":"starter""#, #""plan":"starter","priority":"1.5""#),
            (#""plan":"starter""#, #""plan":"starter","note":"x""#),
        ].enumerated() {
            XCTAssertTrue(line.contains(old), old)
            text += line.replacingOccurrences(of: old, with: new)
                .replacingOccurrences(of: "cus_1_starter", with: "cus_1_\(number)")
        }
        let (_, problems) = try decode(Array(text.utf8), rules: .rateOutput)
        XCTAssertEqual(
            problems,
            [
                "grants.ndjson:1: source: expected purchase, promotional or included "
                    + "(grant included_2026-10_cus_1_0)",
                "grants.ndjson:2: amount: 10.001 has more decimals than USD has; expected at "
                    + "most 2 (grant included_2026-10_cus_1_1)",
                "grants.ndjson:3: expires: 2026-09-01T00:00:00Z is before ts "
                    + "2026-10-01T00:00:00Z (grant included_2026-10_cus_1_2); a grant cannot "
                    + "expire before it is granted: correct expires or ts",
                "grants.ndjson:4: priority: must be a whole number such as 0 or -5, got 1.5 "
                    + "(grant included_2026-10_cus_1_3)",
                "grants.ndjson:5: note: unknown field; expected amount, currency, customer, "
                    + "expires, id, plan, priority, source, ts",
            ])
    }
}
