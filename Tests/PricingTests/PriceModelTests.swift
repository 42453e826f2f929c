import XCTest

@testable import Pricing

/// Table-driven checks of every model with hand-computed expectations (SPEC §5, §11).
final class PriceModelTests: XCTestCase {
    func value(_ text: String) -> Rational {
        guard case .success(let parsed) = DecimalText.rational(text) else {
            XCTFail("bad literal \(text)")
            return .zero
        }
        return parsed
    }

    /// The sample API tiers: first 10,000 free, to 1,000,000 at 0.0004, beyond at 0.0002.
    lazy var apiTiers = [
        Tier(upTo: value("10000"), unitPrice: value("0"), flatPrice: nil),
        Tier(upTo: value("1000000"), unitPrice: value("0.0004"), flatPrice: nil),
        Tier(upTo: nil, unitPrice: value("0.0002"), flatPrice: nil),
    ]

    func amount(
        _ quantity: String, _ model: PricingModel, group: [String: String] = [:]
    ) throws
        -> String
    {
        try PriceModels.total(PriceModels.breakdown(value(quantity), model: model, group: group))
            .description
    }

    func testGraduatedAtBoundsAndOneStepPast() throws {
        let model = PricingModel.graduated(apiTiers)
        // (quantity, exact amount, derivation)
        let table: [(String, String)] = [
            ("0", "0"),  // zero costs nothing
            ("10000", "0"),  // the whole first tier, free
            ("10000.000000001", "0.0000000000004"),  // 1e-9 × 0.0004
            ("1000000", "396"),  // 990,000 × 0.0004
            ("1000001", "396.0002"),  // + 1 × 0.0002
            ("1200000", "436"),  // 396 + 200,000 × 0.0002 = 396 + 40 (SPEC §8.2's 436.00)
            ("10000.5", "0.0002"),  // 0.5 × 0.0004: fractional split at the bound
        ]
        for (quantity, expected) in table {
            XCTAssertEqual(try amount(quantity, model), expected, quantity)
        }
    }

    func testGraduatedFlatPriceIsAddedOnceWhenTheTierIsEntered() throws {
        let model = PricingModel.graduated([
            Tier(upTo: value("100"), unitPrice: value("0"), flatPrice: nil),
            Tier(upTo: nil, unitPrice: value("0.002"), flatPrice: value("1.00")),
        ])
        XCTAssertEqual(try amount("100", model), "0")  // the second tier is not entered
        XCTAssertEqual(try amount("101", model), "1.002")  // 1 × 0.002 + 1.00
        XCTAssertEqual(try amount("600", model), "2")  // 500 × 0.002 + 1.00
        let rows = try PriceModels.breakdown(value("600"), model: model, group: [:])
        XCTAssertEqual(rows.map(\.quantity.description), ["100", "500"])
        XCTAssertEqual(rows.map(\.amount.description), ["0", "2"])
        XCTAssertEqual(rows.map { $0.flatPrice?.description }, [nil, "1"])
    }

    func testVolumePricesTheWholeQuantityInOneTier() throws {
        let model = PricingModel.volume([
            Tier(upTo: value("1000"), unitPrice: value("0.02"), flatPrice: value("0")),
            Tier(upTo: nil, unitPrice: value("0.015"), flatPrice: value("5.00")),
        ])
        XCTAssertEqual(try amount("0", model), "0")  // zero: no flat price either
        XCTAssertEqual(try amount("1000", model), "20")  // 1000 × 0.02 + 0
        XCTAssertEqual(try amount("1000.000000001", model), "20.000000000015")  // × 0.015 + 5
        XCTAssertEqual(try amount("2000", model), "35")  // 2000 × 0.015 + 5
    }

    func testPackageCountsStartedPackagesUnlessRoundedDown() throws {
        let up = PricingModel.package(
            size: value("5"), price: value("20.00"), roundPackagesDown: false)
        let down = PricingModel.package(
            size: value("5"), price: value("20.00"), roundPackagesDown: true)
        let table: [(String, String, String)] = [
            ("0", "0", "0"), ("1", "20", "0"), ("5", "20", "20"), ("5.000000001", "40", "20"),
            ("10", "40", "40"), ("11", "60", "40"),
        ]
        for (quantity, upAmount, downAmount) in table {
            XCTAssertEqual(try amount(quantity, up), upAmount, "up \(quantity)")
            XCTAssertEqual(try amount(quantity, down), downAmount, "down \(quantity)")
        }
    }

    func testZeroQuantityHasNoRowsInAnyModel() throws {
        // A zero quantity costs nothing and lists nothing, whatever the model (a line's
        // `minimum` may still bill it; that is applied to the line, not to the rows).
        let tiers = [Tier(upTo: nil, unitPrice: value("1"), flatPrice: value("5"))]
        let models: [PricingModel] = [
            .perUnit(.single(value("0.5"))), .graduated(tiers), .volume(tiers),
            .package(size: value("5"), price: value("20"), roundPackagesDown: false),
            .package(size: value("5"), price: value("20"), roundPackagesDown: true),
        ]
        for model in models {
            XCTAssertEqual(
                try PriceModels.breakdown(.zero, model: model, group: [:]), [], "\(model)")
        }
    }

    func testDimensionPricesFallBackToTheDefault() throws {
        let model = PricingModel.perUnit(
            .byDimension(
                dimension: "model", prices: ["m-large": value("0.012")],
                defaultPrice: value("0.004")))
        XCTAssertEqual(try amount("1000", model, group: ["model": "m-large"]), "12")
        XCTAssertEqual(try amount("1000", model, group: ["model": "other"]), "4")
        XCTAssertEqual(try amount("1000", model, group: ["model": ""]), "4")
    }

    func charge(
        free: String? = nil, divide: String? = nil, round: QuantityRounding = .none
    )
        -> UsageCharge
    {
        UsageCharge(
            key: "c", meter: "m", groupBy: [], filter: [],
            model: .perUnit(.single(value("1"))), freeQuantity: free.map(value),
            divideBy: divide.map(value), roundQuantity: round, minimum: nil, maximum: nil)
    }

    func testTransformsApplyFreeThenDivideThenRound() throws {
        // 2500 - 100 = 2400; / 1000 = 2.4; up → 3, down → 2, none → 2.4.
        XCTAssertEqual(
            try PriceModels.transform(
                value("2500"), charge: charge(free: "100", divide: "1000", round: .up)),
            value("3"))
        XCTAssertEqual(
            try PriceModels.transform(
                value("2500"), charge: charge(free: "100", divide: "1000", round: .down)),
            value("2"))
        XCTAssertEqual(
            try PriceModels.transform(value("2500"), charge: charge(free: "100", divide: "1000")),
            value("2.4"))
        // Free quantity never drives the quantity below zero.
        XCTAssertEqual(try PriceModels.transform(value("40"), charge: charge(free: "100")), .zero)
        // divide_by 3 without rounding stays exact: 10/3.
        XCTAssertEqual(
            try PriceModels.transform(value("10"), charge: charge(divide: "3")).description, "10/3")
        // Already whole: rounding up changes nothing.
        XCTAssertEqual(
            try PriceModels.transform(value("3000"), charge: charge(divide: "1000", round: .up)),
            value("3"))
    }

    func testMinimumAndMaximumBoundTheExactAmount() {
        XCTAssertEqual(
            PriceModels.bounded(value("12"), minimum: value("20"), maximum: nil), value("20"))
        XCTAssertEqual(
            PriceModels.bounded(value("25"), minimum: value("20"), maximum: value("22")),
            value("22"))
        XCTAssertEqual(
            PriceModels.bounded(value("21"), minimum: value("20"), maximum: value("22")),
            value("21"))
    }
}
