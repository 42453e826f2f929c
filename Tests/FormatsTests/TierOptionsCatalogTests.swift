import Pricing
import XCTest

@testable import Formats

/// SPEC §13.6 in the catalog: block-priced tiers, `unit_price` omitted on a tier with a flat or
/// block price, `flat_price_at_zero` on graduated and volume charges only; every error with
/// its line and YAML path.
final class TierOptionsCatalogTests: XCTestCase {
    /// The errors of a catalog that must fail, as `line path: message`.
    func errors(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            _ = try CatalogLoader.load(text: text, file: "catalog.yaml")
            XCTFail("the catalog loaded", file: file, line: line)
            return []
        } catch let errors as ConfigErrors {
            return errors.errors.map {
                "\($0.line.map(String.init) ?? "-") \($0.path): \($0.message)"
            }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return []
        }
    }

    /// Lines 1–8: head and plan; the charges start on line 9.
    func withCharges(_ charges: String) -> String {
        """
        version: 1
        currency: USD
        meters:
          calls: { aggregation: count }
          gb: { aggregation: sum }
        plans:
          pro:
            charges:

        """ + charges
    }

    func value(_ text: String) -> Rational {
        guard case .success(let parsed) = DecimalText.rational(text) else {
            XCTFail("bad literal \(text)")
            return .zero
        }
        return parsed
    }

    func usage(_ catalog: Catalog, _ key: String) throws -> UsageCharge {
        guard case .usage(let charge)? = catalog.plans["pro"]?.charges.first(where: {
            $0.key == key
        }) else {
            XCTFail("no usage charge \(key)")
            throw CancellationError()
        }
        return charge
    }

    func testBlockTiersOmittedUnitPriceAndFlatPriceAtZeroLoad() throws {
        let text = withCharges("""
                  - key: messages
                    meter: calls
                    model: graduated
                    tiers:
                      - { up_to: 2500, block_size: 1000, block_price: "5.00" }
                      - { up_to: 5000, flat_price: "2" }
                      - { up_to: null, block_size: "0.5", block_price: 0.000000000001 }
                  - key: storage
                    meter: gb
                    model: volume
                    flat_price_at_zero: true
                    tiers:
                      - { up_to: null, unit_price: "0.02", flat_price: "3" }
                  - key: off
                    meter: gb
                    model: graduated
                    flat_price_at_zero: false
                    tiers:
                      - { up_to: null, unit_price: "1" }
            """)
        let catalog = try CatalogLoader.load(text: text, file: "catalog.yaml")
        let messages = try usage(catalog, "messages")
        XCTAssertFalse(messages.flatPriceAtZero)  // the default
        XCTAssertEqual(
            messages.model,
            .graduated([
                Tier(
                    upTo: value("2500"), unitPrice: .zero, flatPrice: nil,
                    block: BlockPrice(size: value("1000"), price: value("5"))),
                // unit_price omitted beside a flat price: 0.
                Tier(upTo: value("5000"), unitPrice: .zero, flatPrice: value("2")),
                // 12 fractional digits pass; a fractional block size is allowed.
                Tier(
                    upTo: nil, unitPrice: .zero, flatPrice: nil,
                    block: BlockPrice(size: value("0.5"), price: value("0.000000000001"))),
            ]))
        XCTAssertTrue(try usage(catalog, "storage").flatPriceAtZero)
        XCTAssertFalse(try usage(catalog, "off").flatPriceAtZero)
    }

    func testEveryTierPricingErrorWithItsPath() {
        let text = withCharges("""
                  - key: a
                    meter: calls
                    model: graduated
                    tiers:
                      - { up_to: 10, unit_price: "1", block_size: 5, block_price: "2" }
                      - { up_to: 20, block_size: 5 }
                      - { up_to: 30, block_price: "2" }
                      - { up_to: 40 }
                      - { up_to: 50, block_size: 0, block_price: "1" }
                      - { up_to: 60, block_size: 5, block_price: "-1" }
                      - { up_to: 70, block_size: 5, block_price: "0.0000000000001" }
                      - { up_to: 80, unit_price: "1", block_size: 5 }
                      - { up_to: null, block_size: -2, block_price: "1" }
            """)
        let tiers = "plans.pro.charges[0].tiers"
        XCTAssertEqual(
            errors(text),
            [
                "13 \(tiers)[0].block_price: not allowed with unit_price; a tier prices units "
                    + "or whole blocks, not both",
                "14 \(tiers)[1].block_price: missing; block_size needs a block_price",
                "15 \(tiers)[2].block_size: missing; block_price needs a block_size",
                "16 \(tiers)[3].unit_price: missing; a tier needs a unit_price, a flat_price, "
                    + "or block_size and block_price",
                "17 \(tiers)[4].block_size: must be greater than 0",
                "18 \(tiers)[5].block_price: expected a number >= 0, found -1",
                "19 \(tiers)[6].block_price: at most 12 fractional digits are allowed",
                "20 \(tiers)[7].block_price: missing; block_size needs a block_price",
                "21 \(tiers)[8].block_size: expected a number >= 0, found -2",
            ])
    }

    func testFlatPriceAtZeroOnlyOnGraduatedAndVolume() {
        let text = withCharges("""
                  - key: a
                    meter: calls
                    model: per_unit
                    unit_price: "1"
                    flat_price_at_zero: true
                  - key: b
                    meter: calls
                    model: package
                    package_size: 5
                    package_price: "1"
                    flat_price_at_zero: false
                  - key: c
                    amount: "1"
                    schedule: monthly
                    flat_price_at_zero: true
                  - key: d
                    meter: calls
                    model: volume
                    flat_price_at_zero: yes
                    tiers: [{ up_to: null, unit_price: "1" }]
            """)
        XCTAssertEqual(
            errors(text),
            [
                "13 plans.pro.charges[0].flat_price_at_zero: not used by model per_unit",
                "19 plans.pro.charges[1].flat_price_at_zero: not used by model package",
                "23 plans.pro.charges[2].flat_price_at_zero: not allowed on a recurring charge",
                "27 plans.pro.charges[3].flat_price_at_zero: expected true or false, found \"yes\"",
            ])
    }

    func testBlockCountsTakePartInTheLoadTimeOverflowCheck() {
        // The largest event quantity (20 integer, 9 fractional digits) in blocks of 1e-9 is
        // 99999999999999999999999999999 blocks (29 digits); × 2.5 stays within 38 digits,
        // × 1234567890.5 (41 digits) does not.
        let text = withCharges("""
                  - key: fine
                    meter: gb
                    model: volume
                    tiers:
                      - { up_to: null, block_size: "0.000000001", block_price: "2.5" }
                  - key: huge
                    meter: gb
                    model: volume
                    tiers:
                      - { up_to: null, block_size: "0.000000001", block_price: "1234567890.5" }
            """)
        XCTAssertEqual(
            errors(text),
            [
                "14 plans.pro.charges[1]: the largest event quantity "
                    + "99999999999999999999.999999999 priced by volume tiers [up_to null, "
                    + "block_size 0.000000001, block_price 1234567890.5] overflows 38 "
                    + "significant digits; use prices with fewer digits"
            ])
    }
}
