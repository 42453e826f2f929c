import Formats
import XCTest

@testable import Pipeline

/// `rate explain`'s line steps for the rows of SPEC §13: each reads as what it is, never as an
/// empty `quantity × unit price`.
final class ExplainRowsTests: XCTestCase {
    func line(_ tiers: String, exact: String, amount: String) throws -> JSONValue {
        let text =
            #"{"customer":"c1","plan":"pro","charge":"llm","kind":"usage","group":{},"#
            + #""quantity":"3","currency":"USD","amount_exact":"\#(exact)","#
            + #""amount":"\#(amount)","tiers":\#(tiers)}"#
        return try JSONValue.parse(text)
    }

    /// Three events whose amounts sum to 1.67708333; × 1.2 = 2.012499996, rounded to 2.01.
    func testADynamicRowShowsItsEventsAmountAndMarkup() throws {
        let object = try line(
            #"[{"quantity":"3","markup":"1.2","amount":"1.67708333"}]"#, exact: "2.012499996",
            amount: "2.01")
        XCTAssertEqual(
            Explain.rated(object),
            "llm (pro) usage: quantity 3; 3 events carrying 1.67708333 × markup 1.2; "
                + "exact 2.012499996 → 2.01 USD")
    }
}
