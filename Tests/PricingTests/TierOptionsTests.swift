import XCTest

@testable import Pricing

/// SPEC §13.6 tier options with hand-derived amounts: block-priced tiers in graduated and
/// volume charges, `flat_price_at_zero`, and tiers without a `unit_price`.
final class TierOptionsTests: XCTestCase {
    func value(_ text: String) -> Rational {
        guard case .success(let parsed) = DecimalText.rational(text) else {
            XCTFail("bad literal \(text)")
            return .zero
        }
        return parsed
    }

    func block(_ size: String, _ price: String) -> BlockPrice {
        BlockPrice(size: value(size), price: value(price))
    }

    /// A row as `quantity blocks×size@price unit_price amount flat`, absent fields as `-`.
    func describe(_ rows: [TierAmount]) -> [String] {
        rows.map { row in
            [
                row.quantity.description,
                row.blocks.map { "\($0)×\(row.blockSize!)@\(row.blockPrice!)" } ?? "-",
                row.unitPrice?.description ?? "-", row.amount.description,
                row.flatPrice?.description ?? "-",
            ].joined(separator: " ")
        }
    }

    func rows(
        _ quantity: String, _ model: PricingModel, atZero: Bool = false
    ) throws -> [String] {
        describe(
            try PriceModels.breakdown(
                value(quantity), model: model, group: [:], flatPriceAtZero: atZero))
    }

    func amount(_ quantity: String, _ model: PricingModel, atZero: Bool = false) throws -> String {
        try PriceModels.total(
            PriceModels.breakdown(
                value(quantity), model: model, group: [:], flatPriceAtZero: atZero)
        ).description
    }

    /// Messages in blocks of 1,000: up to 2,500 at 5.00 a block, beyond at 4.00 a block plus
    /// 1.00 flat on entering the tier.
    lazy var graduatedBlocks = PricingModel.graduated([
        Tier(upTo: value("2500"), unitPrice: .zero, flatPrice: nil, block: block("1000", "5.00")),
        Tier(upTo: nil, unitPrice: .zero, flatPrice: value("1.00"), block: block("1000", "4.00")),
    ])

    // MARK: Block tiers, graduated

    func testGraduatedBlocksRoundTheUnitsOfEachTierUp() throws {
        let table: [(String, String)] = [
            ("1", "5"),  // a partial block counts whole: ceil(1/1000) = 1 × 5
            ("1000", "5"),  // exactly one block
            ("1000.000000001", "10"),  // a started second block: 2 × 5
            ("2000", "10"),  // 2 × 5
            // The bound 2,500 falls inside the third block: units 2,001–2,500 are that block,
            // billed whole in the first tier: ceil(2500/1000) = 3 × 5 = 15.
            ("2500", "15"),
            // 2,500 → 15; then 0.5 unit starts a block of the second tier: 1 × 4 + 1 flat.
            ("2500.5", "20"),
            // 15; 700 units → ceil(0.7) = 1 block × 4 + 1 flat = 5.
            ("3200", "20"),
            // 15; 1,500 units → ceil(1.5) = 2 × 4 + 1 = 9.
            ("4000", "24"),
        ]
        for (quantity, expected) in table {
            XCTAssertEqual(try amount(quantity, graduatedBlocks), expected, quantity)
        }
        XCTAssertEqual(
            try rows("3200", graduatedBlocks),
            ["2500 3×1000@5 - 15 -", "700 1×1000@4 - 5 1"])
    }

    func testGraduatedMixesUnitAndBlockTiers() throws {
        // First 100 free per unit, then blocks of 50 at 2.00: 175 → 0 + ceil(75/50) = 2 × 2.
        let model = PricingModel.graduated([
            Tier(upTo: value("100"), unitPrice: value("0"), flatPrice: nil),
            Tier(upTo: nil, unitPrice: .zero, flatPrice: nil, block: block("50", "2")),
        ])
        XCTAssertEqual(try rows("175", model), ["100 - 0 0 -", "75 2×50@2 - 4 -"])
        XCTAssertEqual(try amount("100", model), "0")  // the block tier is not entered
        // A fractional block size: 100.3 → 0.3 units in blocks of 0.25 → 2 blocks × 2.
        let fine = PricingModel.graduated([
            Tier(upTo: value("100"), unitPrice: value("0"), flatPrice: nil),
            Tier(upTo: nil, unitPrice: .zero, flatPrice: nil, block: block("0.25", "2")),
        ])
        XCTAssertEqual(try rows("100.3", fine), ["100 - 0 0 -", "0.3 2×0.25@2 - 4 -"])
    }

    // MARK: Block tiers, volume

    func testVolumeBlocksPriceTheWholeQuantityAtItsTier() throws {
        let model = PricingModel.volume([
            Tier(upTo: value("10000"), unitPrice: .zero, flatPrice: nil, block: block("1000", "2")),
            Tier(
                upTo: nil, unitPrice: .zero, flatPrice: value("10"), block: block("1000", "1.50")),
        ])
        let table: [(String, String)] = [
            ("0", "0"),  // zero costs nothing (no flat_price_at_zero)
            ("999.5", "2"),  // ceil(0.9995) = 1 × 2
            ("10000", "20"),  // 10 × 2, still the first tier
            ("10000.5", "26.5"),  // ceil(10.0005) = 11 × 1.5 + 10
            ("12345", "29.5"),  // ceil(12.345) = 13 × 1.5 + 10
        ]
        for (quantity, expected) in table {
            XCTAssertEqual(try amount(quantity, model), expected, quantity)
        }
        XCTAssertEqual(try rows("12345", model), ["12345 13×1000@1.5 - 29.5 10"])
    }

    // MARK: flat_price_at_zero

    func testFlatPriceAtZeroBillsTheFirstTiersFlatPriceInGraduated() throws {
        // The first tier has no unit_price (0) and a flat 10.00; beyond 1,000 at 0.01.
        let model = PricingModel.graduated([
            Tier(upTo: value("1000"), unitPrice: .zero, flatPrice: value("10.00")),
            Tier(upTo: nil, unitPrice: value("0.01"), flatPrice: nil),
        ])
        XCTAssertEqual(try rows("0", model, atZero: true), ["0 - 0 10 10"])
        XCTAssertEqual(try amount("0", model, atZero: true), "10")
        // Default off: zero costs nothing and has no rows (§5).
        XCTAssertEqual(try rows("0", model), [])
        // Above zero the option changes nothing: 0 × 1,000 + 10 flat, then 500 × 0.01 = 5.
        XCTAssertEqual(try amount("1500", model, atZero: true), "15")
        XCTAssertEqual(try amount("1500", model), "15")
    }

    func testFlatPriceAtZeroBillsTheFirstTiersFlatPriceInVolume() throws {
        let model = PricingModel.volume([
            Tier(upTo: value("1000"), unitPrice: value("0.02"), flatPrice: value("3")),
            Tier(upTo: nil, unitPrice: value("0.015"), flatPrice: value("5.00")),
        ])
        // The first tier's row at quantity 0: 0 × 0.02 + 3.
        XCTAssertEqual(try rows("0", model, atZero: true), ["0 - 0.02 3 3"])
        XCTAssertEqual(try rows("0", model), [])  // §11: a volume charge at zero costs 0
        XCTAssertEqual(try amount("2000", model, atZero: true), "35")  // 2000 × 0.015 + 5
    }

    func testFlatPriceAtZeroOnABlockTierAndWithoutAFlatPrice() throws {
        // A first block tier: 0 blocks, the flat price is the amount.
        let blocks = PricingModel.graduated([
            Tier(upTo: nil, unitPrice: .zero, flatPrice: value("7"), block: block("100", "3")),
        ])
        XCTAssertEqual(try rows("0", blocks, atZero: true), ["0 0×100@3 - 7 7"])
        // A first tier without a flat price: its row, amount 0.
        let plain = PricingModel.volume([
            Tier(upTo: nil, unitPrice: value("0.5"), flatPrice: nil)
        ])
        XCTAssertEqual(try rows("0", plain, atZero: true), ["0 - 0.5 0 -"])
        // Other models ignore it (the catalog refuses it there).
        XCTAssertEqual(try rows("0", .perUnit(.single(value("1"))), atZero: true), [])
    }

    func testFlatPriceAtZeroAppliesAfterTheTransforms() throws {
        // 80 units less 100 free is 0 (never below 0); 0.4 / 1 rounded down is 0: both bill
        // the first tier's flat 10.00, rounded to 10.00 USD.
        let tiers = [
            Tier(upTo: value("1000"), unitPrice: .zero, flatPrice: value("10.00")),
            Tier(upTo: nil, unitPrice: value("0.01"), flatPrice: nil),
        ]
        let usd = Currency(code: "USD", minorUnitDigits: 2)
        for (quantity, free, round) in [
            ("80", "100", QuantityRounding.none), ("0.4", nil, QuantityRounding.down),
        ] {
            let charge = UsageCharge(
                key: "api", meter: "calls", groupBy: [], filter: [], model: .graduated(tiers),
                freeQuantity: free.map(value), divideBy: nil, roundQuantity: round,
                minimum: nil, maximum: nil, flatPriceAtZero: true)
            let priced = try Rater.price(
                value(quantity), charge: charge, group: [:], currency: usd, rounding: .halfUp)
            XCTAssertEqual(priced.quantity, .zero, quantity)
            XCTAssertEqual(describe(priced.tiers), ["0 - 0 10 10"], quantity)
            XCTAssertEqual(priced.amount.description, "10.00", quantity)
        }
    }

    // MARK: Messages and self-checks

    func testOverflowSummaryNamesBlockPrices() {
        let text = graduatedBlocks.priceSummary(for: [:])
        XCTAssertEqual(
            text,
            "graduated tiers [up_to 2500, block_size 1000, block_price 5] "
                + "[up_to null, block_size 1000, block_price 4, flat_price 1]")
    }

    func testSelfCheckRefusesABlockRowThatDoesNotAddUp() throws {
        let good = TierAmount(
            quantity: value("2500"), unitPrice: nil, amount: value("16"), flatPrice: value("1"),
            blocks: value("3"), blockSize: value("1000"), blockPrice: value("5"))
        XCTAssertNil(try RateInvariants.blockRowFailure(good))  // 3 × 5 + 1
        let wrongBlocks = TierAmount(
            quantity: value("2500"), unitPrice: nil, amount: value("11"), flatPrice: value("1"),
            blocks: value("2"), blockSize: value("1000"), blockPrice: value("5"))
        XCTAssertEqual(
            try RateInvariants.blockRowFailure(wrongBlocks),
            "blocks 2 != quantity 2500 in whole blocks of 1000 (3)")
        let wrongAmount = TierAmount(
            quantity: value("2500"), unitPrice: nil, amount: value("15"), flatPrice: value("1"),
            blocks: value("3"), blockSize: value("1000"), blockPrice: value("5"))
        XCTAssertEqual(
            try RateInvariants.blockRowFailure(wrongAmount),
            "amount 15 != 3 blocks × 5 + flat 1 (16)")
        let withUnitPrice = TierAmount(
            quantity: value("1"), unitPrice: value("5"), amount: value("5"), flatPrice: nil,
            blocks: value("1"), blockSize: value("1000"), blockPrice: value("5"))
        XCTAssertEqual(
            try RateInvariants.blockRowFailure(withUnitPrice),
            "a block row needs blocks, block_size > 0 and block_price, and no unit_price")
        // A plain row has no block fields to check.
        XCTAssertNil(
            try RateInvariants.blockRowFailure(
                TierAmount(
                    quantity: value("1"), unitPrice: value("5"), amount: value("5"),
                    flatPrice: nil)))
    }
}
