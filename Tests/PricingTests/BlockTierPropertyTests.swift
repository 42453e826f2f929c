import PropertyBased
import Testing

@testable import Pricing

/// Drawn tiers with some of them priced by blocks (SPEC §13.6): the drawn unit price becomes
/// the block price of the tiers `mask` selects, all with one drawn block size.
func blockTiers(_ draw: TiersDraw, mask: Int, size: DecimalDraw) throws -> [Tier] {
    let blockSize = try size.value()
    return try draw.tiers().enumerated().map { position, tier in
        guard mask & (1 << position) != 0 else { return tier }
        return Tier(
            upTo: tier.upTo, unitPrice: .zero, flatPrice: tier.flatPrice,
            block: BlockPrice(size: blockSize, price: tier.unitPrice))
    }
}

/// Block sizes from 0.001 to 9,999 (so at most 10^14 blocks of a drawn quantity: every amount
/// stays within 38 digits).
var blockSizes: Generator<DecimalDraw, some Sequence> {
    Draw.positiveDecimal(digits: 1...4, scales: 0...3)
}

@Suite("Block tiers: whole blocks, rows that add up, prices that never fall")
struct BlockTierProperties {
    @Test("graduated with block tiers: the same rows as per unit, each in whole blocks")
    func graduatedBlockRows() async {
        await propertyCheck(
            count: 300, input: Draw.tiers, Gen.int(in: 0...31), blockSizes, Draw.quantityPair
        ) { draw, mask, size, pair in
            let tiers = try blockTiers(draw, mask: mask, size: size)
            let (quantity, _) = try pair.quantities(bounds: bounds(tiers))
            let line = try usageLine(quantity, charge: usageCharge(.graduated(tiers)))
            // The units per tier do not depend on how a tier prices them.
            let plain = try PriceModels.breakdown(
                quantity, model: .graduated(try draw.tiers()), group: [:])
            #expect(line.tiers.map(\.quantity) == plain.map(\.quantity))
            var sum = Rational.zero
            for (position, row) in line.tiers.enumerated() {
                #expect(try RateInvariants.blockRowFailure(row) == nil, "row \(row)")
                if let block = tiers[position].block {
                    // ceil(units / size) whole blocks: they cover the units, one block fewer
                    // does not.
                    let blocks = try #require(row.blocks)
                    #expect(try blocks * block.size >= row.quantity)
                    #expect(try (blocks - .one) * block.size < row.quantity)
                    #expect(row.unitPrice == nil)
                } else {
                    #expect(row.blocks == nil)
                }
                sum = try sum + row.amount
            }
            #expect(sum == line.amountExact)
        }
    }

    @Test("graduated and volume block prices never fall as the quantity rises inside a tier")
    func blockPricesAreMonotone() async {
        await propertyCheck(
            count: 300, input: Draw.tiers, Gen.int(in: 0...31), blockSizes, Draw.quantityPair
        ) { draw, mask, size, pair in
            let tiers = try blockTiers(draw, mask: mask, size: size)
            let (first, second) = try pair.quantities(bounds: bounds(tiers))
            #expect(
                try exactPrice(first, .graduated(tiers))
                    <= exactPrice(second, .graduated(tiers)))
            // Volume falls only across a bound (a cheaper tier), as per unit.
            let sameTier = tiers.first { $0.upTo.map { first <= $0 } ?? true }
                == tiers.first { $0.upTo.map { second <= $0 } ?? true }
            if sameTier {
                #expect(
                    try exactPrice(first, .volume(tiers)) <= exactPrice(second, .volume(tiers)))
            }
        }
    }
}
