import Foundation
import Pricing
import XCTest

@testable import Formats

/// The wallet codec (Sources/Formats/Records/WalletRecord.swift): the closing `wallets.ndjson`
/// that `InvoiceOutputs.wallets` writes, `InvoiceInputReader.wallets` reads back as the next
/// period's opening wallets, to the same entries and the same bytes.
final class WalletRecordTests: XCTestCase {
    func decode(_ bytes: [UInt8]) throws -> ([WalletEntry], [String]) {
        var reader = try RecordSamples.reader()
        let entries = reader.wallets(bytes, file: "wallets.ndjson")
        return (entries, RecordSamples.problems(reader))
    }

    func assertSame(
        _ left: [WalletEntry], _ right: [WalletEntry], file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertEqual(left.map(\.grant), right.map(\.grant), file: file, line: line)
        XCTAssertEqual(left.map(\.remaining), right.map(\.remaining), file: file, line: line)
    }

    func testGoldenWalletsRoundTrip() throws {
        let bytes = try RecordSamples.bytes("expected/invoice/wallets.ndjson")
        let (entries, problems) = try decode(bytes)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(entries.count, 10)
        RecordSamples.assertBytes(InvoiceOutputs.wallets(entries), bytes, "decode then encode")
        let (again, _) = try decode(InvoiceOutputs.wallets(entries))
        assertSame(again, entries)

        let first = entries[0]
        XCTAssertEqual(first.grant.id, "grant_77")
        XCTAssertEqual(first.grant.amount.description, "100.00")
        XCTAssertEqual(first.remaining.minorUnits, 0)
        XCTAssertEqual(first.grant.expires, RFC3339.parse("2027-10-04T00:00:00Z"))
        XCTAssertEqual(Set(entries.map(\.grant.currency.code)), ["EUR", "JPY", "USD"])
    }

    /// Expiry null and set, a zero remaining, a remaining equal to the amount, a fraction of a
    /// minor unit's currency, a currency without minor units, priorities not 0.
    func testEdgeWalletsRoundTrip() throws {
        let catalog = try RecordSamples.catalog()
        let eur = try XCTUnwrap(catalog.currency(code: "EUR"))
        let credits = try XCTUnwrap(catalog.currency(code: "CREDITS"))
        let ts = "2026-09-15T08:00:00+02:00"
        let instant = try XCTUnwrap(RFC3339.parse(ts))
        func grant(
            _ id: String, _ amount: Money, expires: String?, priority: Int = 0
        ) -> Grant {
            Grant(
                id: id, customer: "cus_2", instant: instant, timestampText: ts, amount: amount,
                expires: expires.flatMap { RFC3339.parse($0) }, expiresText: expires,
                source: "purchase", priority: priority)
        }
        let entries = [
            WalletEntry(
                grant: grant("a-null", Money(minorUnits: 5000, currency: eur), expires: nil),
                remaining: Money(minorUnits: 0, currency: eur)),
            WalletEntry(
                grant: grant(
                    "b-set", Money(minorUnits: 1, currency: eur),
                    expires: "2026-12-31T23:59:59.999999999+01:00", priority: -5),
                remaining: Money(minorUnits: 1, currency: eur)),
            WalletEntry(
                grant: grant(
                    "c-credits", Money(minorUnits: 1_000_000, currency: credits),
                    expires: ts, priority: 7),
                remaining: Money(minorUnits: 999_999, currency: credits)),
        ]
        let bytes = InvoiceOutputs.wallets(entries)
        XCTAssertEqual(
            String(decoding: bytes, as: UTF8.self),
            #"{"customer":"cus_2","currency":"EUR","grant":"a-null","source":"purchase","#
                + #""priority":0,"ts":"2026-09-15T08:00:00+02:00","expires":null,"#
                + #""amount":"50.00","remaining":"0.00"}"# + "\n"
                + #"{"customer":"cus_2","currency":"EUR","grant":"b-set","source":"purchase","#
                + #""priority":-5,"ts":"2026-09-15T08:00:00+02:00","#
                + #""expires":"2026-12-31T23:59:59.999999999+01:00","#
                + #""amount":"0.01","remaining":"0.01"}"# + "\n"
                + #"{"customer":"cus_2","currency":"CREDITS","grant":"c-credits","#
                + #""source":"purchase","priority":7,"ts":"2026-09-15T08:00:00+02:00","#
                + #""expires":"2026-09-15T08:00:00+02:00","amount":"1000000","#
                + #""remaining":"999999"}"# + "\n")
        let (decoded, problems) = try decode(bytes)
        XCTAssertEqual(problems, [])
        assertSame(decoded, entries)
        RecordSamples.assertBytes(InvoiceOutputs.wallets(decoded), bytes, "decode then encode")
    }

    /// The decoder keeps its problems and their texts.
    func testRefusalsNameLineAndField() throws {
        let line = String(
            decoding: RecordSamples.lines(
                try RecordSamples.bytes("expected/invoice/wallets.ndjson"))[0],
            as: UTF8.self)
        var text = ""
        for (number, (old, new)) in [
            (#""remaining":"0.00""#, #""remaining":"100.01""#),
            (#""remaining":"0.00""#, #""remaining":"-1""#),
            (#","remaining":"0.00""#, ""),
            (#""grant":"grant_77""#, #""grant":"""#),
            (#""grant":"grant_77""#, #""grant":"grant_77""#),
            (#""grant":"grant_77""#, #""grant":"grant_77""#),
        ].enumerated() {
            XCTAssertTrue(line.contains(old), old)
            text += line.replacingOccurrences(of: old, with: new)
                .replacingOccurrences(of: "grant_77", with: number < 4 ? "g\(number)" : "grant_77")
        }
        let (entries, problems) = try decode(Array(text.utf8))
        XCTAssertEqual(entries.map(\.grant.id), ["grant_77"])
        XCTAssertEqual(
            problems,
            [
                "wallets.ndjson:1: remaining: 100.01 is more than the grant's amount 100.00 "
                    + "(grant g0); a wallet row holds what is left of its grant",
                "wallets.ndjson:2: remaining: must be 0 or more, got -1 (grant g1)",
                #"wallets.ndjson:3: remaining: missing; expected what is left of grant g2, "#
                    + #"such as "0" or "100.00""#,
                "wallets.ndjson:4: grant: missing; expected the id of the grant",
                #"wallets.ndjson:6: grant: grant "grant_77" appears twice"#,
            ])
    }
}
