import PropertyBased
import Testing

@testable import Pricing

// Property-based checks of the exact pricing core (SPEC §5, §11 "Pricing").
//
// Every generated number is an exact decimal built from an integer significand and a scale (or
// such a decimal divided by a small integer): no binary floating point touches a test value.
// Generator sizes are chosen so that every sum and product stays within the 38 digits of the
// book; an `ArithmeticError` thrown by a property is therefore a failure, not noise.
// PropertyBased prints the failing input and the `.fixedSeed(...)` that replays it.

// MARK: - Exact draws

/// An exact decimal drawn by a generator: `significand × 10^-scale`.
struct DecimalDraw: Sendable, CustomStringConvertible {
    let significand: Int128
    let scale: Int

    var description: String {
        DecimalText.format(significand: significand, scale: scale, minimumScale: 0)
    }

    func value() throws -> Rational { try Rational(significand: significand, scale: scale) }
}

/// A rational drawn as a decimal over a small divisor, so values that do not end (`10/3`) occur.
struct RationalDraw: Sendable, CustomStringConvertible {
    let decimal: DecimalDraw
    let divisor: Int

    var description: String { "\(decimal)/\(divisor)" }

    func value() throws -> Rational { try decimal.value() / Rational(divisor) }
}

/// One tier before bounds are accumulated: its width, unit price and optional flat price.
struct TierDraw: Sendable, CustomStringConvertible {
    let width: DecimalDraw
    let unitPrice: DecimalDraw
    let flatPrice: DecimalDraw?

    var description: String {
        "width \(width) @ \(unitPrice)" + (flatPrice.map { " + \($0)" } ?? "")
    }
}

/// Ascending tiers: bounds are running sums of positive widths; the last tier is unbounded.
struct TiersDraw: Sendable, CustomStringConvertible {
    let draws: [TierDraw]

    func tiers() throws -> [Tier] {
        try #require(!draws.isEmpty, "a tier list needs its unbounded last tier")
        var bound = Rational.zero
        var tiers: [Tier] = []
        for (position, draw) in draws.enumerated() {
            bound = try bound + draw.width.value()
            let isLast = position == draws.count - 1
            tiers.append(
                Tier(
                    upTo: isLast ? nil : bound, unitPrice: try draw.unitPrice.value(),
                    flatPrice: try draw.flatPrice?.value()))
        }
        return tiers
    }

    var description: String {
        guard let tiers = try? tiers() else { return "\(draws)" }
        return tiers.map { tier in
            "up_to \(tier.upTo?.description ?? "null") @ \(tier.unitPrice)"
                + (tier.flatPrice.map { " + \($0)" } ?? "")
        }.joined(separator: "; ")
    }
}

/// Two quantities `first <= second = first + step`, with up to 9 fractional digits.
///
/// `anchor` pins `first` to a tier bound (0...7: on the bound; 8...15: one nano-unit below it),
/// because bounds are where graduated and volume prices change.
struct QuantityPairDraw: Sendable, CustomStringConvertible {
    let base: DecimalDraw
    let step: DecimalDraw
    let anchor: Int?

    var description: String {
        "base \(base), step \(step), anchor \(anchor.map(String.init) ?? "none")"
    }

    func quantities(bounds: [Rational]) throws -> (first: Rational, second: Rational) {
        var first = try base.value()
        if let anchor, !bounds.isEmpty {
            let bound = bounds[anchor % bounds.count]
            first = bound
            if anchor >= 8 {
                let nano = try Rational(significand: 1, scale: 9)
                if nano <= bound { first = try bound - nano }
            }
        }
        return (first, try first + step.value())
    }
}

enum Draw {
    /// Decimals with a drawn count of significant digits (so tiny and large magnitudes are
    /// equally likely) and a drawn scale.
    static func decimal(
        digits: ClosedRange<Int>, scales: ClosedRange<Int>, signed: Bool = false
    ) -> Generator<DecimalDraw, some Sequence> {
        precondition(digits.upperBound <= 38, "an Int128 significand holds 38 digits")
        return zip(
            Gen.int(in: digits), Gen.uint128(in: 0...UInt128.max), Gen.int(in: scales), Gen.bool
        ).map { draw in
            let (digitCount, raw, scale, negative) = draw
            let magnitude = Int128(raw % UInt128(Rational.powerOfTen(digitCount)))
            return DecimalDraw(
                significand: signed && negative ? -magnitude : magnitude, scale: scale)
        }
    }

    /// Strictly positive decimals (a zero significand becomes 1).
    ///
    /// Positive by construction, not by `filter`: a filtered element of an array generator is
    /// dropped while shrinking, which could leave a tier list empty.
    static func positiveDecimal(
        digits: ClosedRange<Int>, scales: ClosedRange<Int>
    )
        -> Generator<DecimalDraw, some Sequence>
    {
        decimal(digits: digits, scales: scales).map { draw in
            DecimalDraw(significand: max(1, draw.significand), scale: draw.scale)
        }
    }

    /// Up to 5 ascending tiers: widths up to 999,999.999, unit prices up to 99,999 with up to 12
    /// fractional digits (SPEC §5), flat prices up to 99,999.99.
    static var tiers: Generator<TiersDraw, some Sequence> {
        zip(
            positiveDecimal(digits: 1...9, scales: 0...3),
            decimal(digits: 0...5, scales: 0...12),
            decimal(digits: 0...7, scales: 0...2).optional(valueRate: 0.5)
        ).map { draw in
            TierDraw(width: draw.0, unitPrice: draw.1, flatPrice: draw.2)
        }.array(of: 1...5).map { TiersDraw(draws: $0) }
    }

    /// Quantities up to 10^11 with up to 9 fractional digits (SPEC §11: 9 significant
    /// fractional digits), half of the time pinned to a tier bound.
    static var quantityPair: Generator<QuantityPairDraw, some Sequence> {
        zip(
            decimal(digits: 0...11, scales: 0...9),
            decimal(digits: 0...11, scales: 0...9),
            Gen.int(in: 0...15).optional(valueRate: 0.5)
        ).map { draw in
            QuantityPairDraw(base: draw.0, step: draw.1, anchor: draw.2)
        }
    }

    static var quantity: Generator<DecimalDraw, some Sequence> {
        decimal(digits: 0...11, scales: 0...9)
    }

    /// Signed rationals: up to 18 digits, scale up to 9, over a divisor up to 1,000.
    static var rational: Generator<RationalDraw, some Sequence> {
        zip(
            decimal(digits: 0...18, scales: 0...9, signed: true), Gen.int(in: 1...1000)
        ).map { decimal, divisor in RationalDraw(decimal: decimal, divisor: divisor) }
    }
}

// MARK: - Helpers

/// The currencies of the rounding properties: 0, 2 and 3 minor units.
let roundingCurrencies = [
    Currency(code: "JPY", minorUnitDigits: 0), Currency(code: "USD", minorUnitDigits: 2),
    Currency(code: "BHD", minorUnitDigits: 3),
]

/// The exact price of `quantity` under `model`.
func exactPrice(_ quantity: Rational, _ model: PricingModel) throws -> Rational {
    try PriceModels.total(PriceModels.breakdown(quantity, model: model, group: [:]))
}

/// The upper bounds of the bounded tiers, ascending.
func bounds(_ tiers: [Tier]) -> [Rational] { tiers.compactMap(\.upTo) }

/// A one-plan, one-charge catalog's usage line for `quantity`, as `rate` prices it.
func usageLine(
    _ quantity: Rational, charge: UsageCharge, currency: Currency = roundingCurrencies[1],
    rule: RoundingRule = .halfUp
) throws -> RatedLine {
    let plan = Plan(
        key: "pro", currency: currency, charges: [.usage(charge)], minimumCommitment: nil,
        includedCredits: nil)
    let catalog = Catalog(
        version: 1, seller: nil, currency: currency, rounding: rule, currencies: [:],
        meters: [charge.meter: Meter(key: charge.meter, aggregation: .sum, field: nil)],
        plans: ["pro": plan], accounts: AccountNames())
    let month = try #require(YearMonth(year: 2026, month: 10))
    let aggregate = UsageAggregate(
        customer: "cus_001", plan: "pro", charge: charge.key, group: [], quantity: quantity,
        events: 1)
    return try Rater(catalog: catalog, month: month).usageLine(aggregate)
}

func usageCharge(
    _ model: PricingModel, free: Rational? = nil, divideBy: Rational? = nil,
    roundQuantity: QuantityRounding = .none
) -> UsageCharge {
    UsageCharge(
        key: "api", meter: "api_calls", groupBy: [], filter: [], model: model,
        freeQuantity: free, divideBy: divideBy, roundQuantity: roundQuantity, minimum: nil,
        maximum: nil)
}

/// Checks what every line's breakdown promises: each row is `quantity × unit price + flat`,
/// the rows add up exactly to the line's exact amount, and the amount is that rounded once.
func expectBreakdownAddsUp(
    _ line: RatedLine, rule: RoundingRule = .halfUp,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    var sum = Rational.zero
    for row in line.tiers {
        let unitPrice = try #require(row.unitPrice, "row \(row) is priced per unit")
        let rowExpected = try row.quantity * unitPrice + (row.flatPrice ?? .zero)
        #expect(row.amount == rowExpected, "row \(row)", sourceLocation: sourceLocation)
        sum = try sum + row.amount
    }
    #expect(sum == line.amountExact, "rows add to \(sum)", sourceLocation: sourceLocation)
    let rounded = try Money(rounding: line.amountExact, currency: line.currency, rule: rule)
    #expect(line.amount == rounded, sourceLocation: sourceLocation)
}

/// `value` rounded to whole minor units by `rule`, back as an exact value.
func roundedExact(
    _ value: Rational, _ currency: Currency, _ rule: RoundingRule
) throws
    -> Rational
{
    try Money(rounding: value, currency: currency, rule: rule).exact
}

func magnitude(_ value: Rational) -> Rational { value.isNegative ? value.negated : value }

/// Reference order of `n1/d1` and `n2/d2` (positive denominators) by continued fractions:
/// -1, 0 or 1. Only floor divisions of the inputs' own size, so it never overflows; independent
/// of `Rational.<` and its 256-bit cross products.
func referenceOrder(_ n1: Int128, _ d1: Int128, _ n2: Int128, _ d2: Int128) -> Int {
    func floorDivide(_ n: Int128, _ d: Int128) -> (quotient: Int128, remainder: Int128) {
        var quotient = n / d
        var remainder = n % d
        if remainder < 0 {
            quotient -= 1
            remainder += d
        }
        return (quotient, remainder)
    }
    var (a, b, c, d) = (n1, d1, n2, d2)
    while true {
        let (q1, r1) = floorDivide(a, b)
        let (q2, r2) = floorDivide(c, d)
        if q1 != q2 { return q1 < q2 ? -1 : 1 }
        if r1 == 0 && r2 == 0 { return 0 }
        if r1 == 0 { return -1 }
        if r2 == 0 { return 1 }
        // r1/b < r2/d exactly when d/r2 < b/r1: compare the reciprocals, roles swapped.
        (a, b, c, d) = (d, r2, b, r1)
    }
}

// MARK: - 1, 2. Monotonicity

@Suite("Price models: monotonicity")
struct MonotonicityProperties {
    @Test("graduated prices never fall as the quantity rises")
    func graduatedIsMonotone() async {
        await propertyCheck(count: 500, input: Draw.tiers, Draw.quantityPair) { draw, pair in
            let tiers = try draw.tiers()
            let (first, second) = try pair.quantities(bounds: bounds(tiers))
            let low = try exactPrice(first, .graduated(tiers))
            let high = try exactPrice(second, .graduated(tiers))
            #expect(low <= high, "price(\(first)) = \(low) > price(\(second)) = \(high)")
            // Every rounding rule is a monotone function, so rounded amounts never fall either.
            for rule in RoundingRule.allCases {
                let currency = roundingCurrencies[1]
                #expect(
                    try roundedExact(low, currency, rule) <= roundedExact(high, currency, rule),
                    "\(rule)")
            }
        }
    }

    @Test("package prices never fall as the quantity rises")
    func packageIsMonotone() async {
        await propertyCheck(
            count: 500, input: Draw.positiveDecimal(digits: 1...7, scales: 0...3),
            Draw.decimal(digits: 0...7, scales: 0...2), Gen.bool, Draw.quantityPair
        ) { size, price, roundDown, pair in
            let packageSize = try size.value()
            let model = PricingModel.package(
                size: packageSize, price: try price.value(), roundPackagesDown: roundDown)
            // Anchor on multiples of the package size: where the package count steps.
            let multiples = try (1...8).map { try Rational($0) * packageSize }
            let (first, second) = try pair.quantities(bounds: multiples)
            let low = try exactPrice(first, model)
            let high = try exactPrice(second, model)
            #expect(low <= high, "price(\(first)) = \(low) > price(\(second)) = \(high)")
        }
    }

    @Test("volume prices never fall while the quantity stays inside one tier")
    func volumeIsMonotoneWithinATier() async {
        await propertyCheck(count: 500, input: Draw.tiers, Draw.quantityPair) { draw, pair in
            let tiers = try draw.tiers()
            let (first, second) = try pair.quantities(bounds: bounds(tiers))
            let tierOf = { (quantity: Rational) in
                tiers.firstIndex { $0.upTo.map { quantity <= $0 } ?? true }
            }
            // Zero is free (no flat price), so it is below every price of tier 1 as well.
            guard tierOf(first) == tierOf(second) || first.isZero else { return }
            let low = try exactPrice(first, .volume(tiers))
            let high = try exactPrice(second, .volume(tiers))
            #expect(low <= high, "price(\(first)) = \(low) > price(\(second)) = \(high)")
        }
    }

    /// Volume pricing is not monotone, by design (SPEC §5: the whole quantity takes the price of
    /// the one tier containing it). This pins the behaviour so that nobody "fixes" it.
    @Test("volume prices can fall when the quantity crosses into a cheaper tier")
    func volumeFallsAcrossABound() throws {
        let model = PricingModel.volume([
            Tier(
                upTo: Rational(1000), unitPrice: try Rational(significand: 2, scale: 2),
                flatPrice: nil),
            Tier(upTo: nil, unitPrice: try Rational(significand: 15, scale: 3), flatPrice: nil),
        ])
        // 1000 × 0.02 = 20; 1001 × 0.015 = 15.015: one more unit costs 4.985 less.
        let atBound = try exactPrice(Rational(1000), model)
        let past = try exactPrice(Rational(1001), model)
        #expect(atBound == Rational(20))
        #expect(past == (try Rational(significand: 15015, scale: 3)))
        #expect(past < atBound)
    }
}

// MARK: - 3. Breakdowns add up

@Suite("Rated lines: the breakdown adds up to the exact amount")
struct BreakdownProperties {
    @Test("graduated: rows fill whole tiers in order and their quantities sum to the quantity")
    func graduatedBreakdown() async {
        await propertyCheck(count: 500, input: Draw.tiers, Draw.quantityPair) { draw, pair in
            let tiers = try draw.tiers()
            let (quantity, _) = try pair.quantities(bounds: bounds(tiers))
            let line = try usageLine(quantity, charge: usageCharge(.graduated(tiers)))
            try expectBreakdownAddsUp(line)
            var quantitySum = Rational.zero
            for row in line.tiers { quantitySum = try quantitySum + row.quantity }
            #expect(quantitySum == quantity)
            // One row per tier whose lower bound lies below the quantity, in tier order.
            var lower = Rational.zero
            var entered = 0
            for tier in tiers where lower < quantity {
                entered += 1
                lower = tier.upTo ?? quantity
            }
            try #require(line.tiers.count == entered)
            lower = .zero
            for (position, row) in line.tiers.enumerated() {
                let tier = tiers[position]
                #expect(row.unitPrice == tier.unitPrice)
                #expect(row.flatPrice == tier.flatPrice)
                #expect(row.quantity > .zero, "an entered tier holds some quantity")
                let isLastRow = position == line.tiers.count - 1
                if let upper = tier.upTo {
                    let width = try upper - lower
                    // Rows below the last fill their tier; the last holds the rest.
                    #expect(isLastRow ? row.quantity <= width : row.quantity == width)
                    lower = upper
                }
            }
        }
    }

    @Test("volume: one row, the whole quantity, priced in the first tier whose bound holds it")
    func volumeBreakdown() async {
        await propertyCheck(count: 500, input: Draw.tiers, Draw.quantityPair) { draw, pair in
            let tiers = try draw.tiers()
            let (quantity, _) = try pair.quantities(bounds: bounds(tiers))
            let line = try usageLine(quantity, charge: usageCharge(.volume(tiers)))
            try expectBreakdownAddsUp(line)
            if quantity.isZero {
                #expect(line.tiers.isEmpty, "zero costs nothing, no flat price")
                #expect(line.amountExact == .zero)
                return
            }
            let row = try #require(line.tiers.count == 1 ? line.tiers.first : nil)
            #expect(row.quantity == quantity)
            let index = try #require(tiers.firstIndex { $0.upTo.map { quantity <= $0 } ?? true })
            #expect(row.unitPrice == tiers[index].unitPrice)
            #expect(row.flatPrice == tiers[index].flatPrice)
            if index > 0, let below = tiers[index - 1].upTo {
                #expect(below < quantity, "the tier below does not hold \(quantity)")
            }
        }
    }

    @Test("per_unit: one row, quantity × unit price; none at zero")
    func perUnitBreakdown() async {
        await propertyCheck(
            count: 300, input: Draw.quantity, Draw.decimal(digits: 0...5, scales: 0...12)
        ) { quantityDraw, priceDraw in
            let quantity = try quantityDraw.value()
            let price = try priceDraw.value()
            let line = try usageLine(quantity, charge: usageCharge(.perUnit(.single(price))))
            try expectBreakdownAddsUp(line)
            // A zero quantity costs nothing and has no rows, whatever the model.
            if quantity.isZero {
                #expect(line.tiers.isEmpty)
                #expect(line.amountExact == .zero)
                return
            }
            let row = try #require(line.tiers.count == 1 ? line.tiers.first : nil)
            #expect(row.quantity == quantity)
            #expect(row.unitPrice == price)
            #expect(row.flatPrice == nil)
            #expect(line.amountExact == (try quantity * price))
        }
    }

    @Test(
        "package: one row counting the started (or, rounded down, complete) packages; none at zero")
    func packageBreakdown() async {
        await propertyCheck(
            count: 500, input: Draw.positiveDecimal(digits: 1...7, scales: 0...3),
            Draw.decimal(digits: 0...7, scales: 0...2), Gen.bool, Draw.quantityPair
        ) { sizeDraw, priceDraw, roundDown, pair in
            let size = try sizeDraw.value()
            let price = try priceDraw.value()
            let multiples = try (1...8).map { try Rational($0) * size }
            let (quantity, _) = try pair.quantities(bounds: multiples)
            let model = PricingModel.package(size: size, price: price, roundPackagesDown: roundDown)
            let line = try usageLine(quantity, charge: usageCharge(model))
            try expectBreakdownAddsUp(line)
            if quantity.isZero {
                #expect(line.tiers.isEmpty)
                #expect(line.amountExact == .zero)
                return
            }
            let row = try #require(line.tiers.count == 1 ? line.tiers.first : nil)
            let count = row.quantity
            #expect(count.isInteger && !count.isNegative, "\(count) packages")
            #expect(row.unitPrice == price)
            let covered = try count * size
            if roundDown {
                // Complete packages only: count × size <= q < (count + 1) × size.
                #expect(covered <= quantity)
                #expect(quantity < (try covered + size))
            } else {
                // A started package counts whole: (count - 1) × size < q <= count × size.
                #expect(quantity <= covered)
                #expect((try covered - size) < quantity || count.isZero)
            }
        }
    }

    @Test("transforms: round_quantity up >= none >= down, less than one apart, never negative")
    func quantityTransforms() async {
        await propertyCheck(
            count: 300, input: Draw.quantity,
            Draw.decimal(digits: 0...8, scales: 0...3).optional(valueRate: 0.5),
            Draw.positiveDecimal(digits: 1...5, scales: 0...2).optional(valueRate: 0.7)
        ) { quantityDraw, freeDraw, divideDraw in
            let quantity = try quantityDraw.value()
            let free = try freeDraw?.value()
            let divisor = try divideDraw?.value()
            let results = try [QuantityRounding.none, .up, .down].map { rounding in
                try PriceModels.transform(
                    quantity,
                    charge: usageCharge(
                        .perUnit(.single(.one)), free: free, divideBy: divisor,
                        roundQuantity: rounding))
            }
            let (exact, up, down) = (results[0], results[1], results[2])
            #expect(!exact.isNegative)
            #expect(up.isInteger && down.isInteger)
            #expect(down <= exact && exact <= up)
            #expect((try up - down) <= .one)
            // The unrounded result times the divisor gives back max(0, quantity - free).
            var freed = try quantity - (free ?? .zero)
            if freed.isNegative { freed = .zero }
            #expect((try exact * (divisor ?? .one)) == freed)
        }
    }
}

// MARK: - 4. Rounding

@Suite("Rounding to minor units")
struct RoundingProperties {
    /// Exact amounts that often do not end: signed decimals over divisors up to 1,000.
    static var amounts: Generator<RationalDraw, some Sequence> {
        zip(
            Draw.decimal(digits: 0...20, scales: 0...6, signed: true), Gen.int(in: 1...1000)
        ).map { decimal, divisor in RationalDraw(decimal: decimal, divisor: divisor) }
    }

    @Test("every rule lands within one minor unit, between floor and ceiling, on the right side")
    func roundingStaysWithinOneMinorUnit() async {
        await propertyCheck(count: 1000, input: RoundingProperties.amounts) { draw in
            let exact = try draw.value()
            for currency in roundingCurrencies {
                try checkRounding(exact, currency)
            }
        }
    }

    @Test("exact ties: half_up goes away from zero, half_even to the even neighbour")
    func roundingOnExactTies() async {
        // (2k + 1) / 2 minor units: exactly halfway between two neighbours.
        await propertyCheck(
            count: 500, input: Gen.int64(in: -1_000_000_000_000...1_000_000_000_000),
            Gen.int(in: 0...2)
        ) { k, currencyIndex in
            let currency = roundingCurrencies[currencyIndex]
            let tie = try Rational(
                numerator: 2 * Int128(k) + 1,
                denominator: 2 * Rational.powerOfTen(currency.minorUnitDigits))
            try checkRounding(tie, currency)
            let halfUp = try Money(rounding: tie, currency: currency, rule: .halfUp)
            let halfEven = try Money(rounding: tie, currency: currency, rule: .halfEven)
            let up = try Money(rounding: tie, currency: currency, rule: .up)
            #expect(halfUp == up, "half_up is away from zero on a tie")
            #expect(halfEven.minorUnits % 2 == 0, "half_even picks the even neighbour")
            #expect((halfUp.minorUnits - halfEven.minorUnits).magnitude <= 1)
        }
    }

    /// The rounding contract for one exact value and currency.
    func checkRounding(_ exact: Rational, _ currency: Currency) throws {
        let unit = try Rational(significand: 1, scale: currency.minorUnitDigits)
        var rounded: [RoundingRule: Rational] = [:]
        for rule in RoundingRule.allCases {
            let money = try Money(rounding: exact, currency: currency, rule: rule)
            rounded[rule] = money.exact
            let distance = magnitude(try money.exact - exact)
            #expect(distance < unit, "\(rule) \(currency.code): \(money) is a unit or more away")
            if rule == .halfUp || rule == .halfEven {
                let half = try unit / Rational(2)
                #expect(distance <= half, "\(rule) \(currency.code): \(money) past the half")
            }
        }
        let ceiling = try #require(rounded[.ceiling])
        let floor = try #require(rounded[.floor])
        let up = try #require(rounded[.up])
        let down = try #require(rounded[.down])
        let halfUp = try #require(rounded[.halfUp])
        let halfEven = try #require(rounded[.halfEven])
        let context = "\(exact) in \(currency.code)"
        #expect(floor <= exact && exact <= ceiling, "\(context)")
        // The two neighbours coincide exactly when the value is a whole number of minor units.
        let isWhole = (try exact / unit).isInteger
        #expect((try ceiling - floor) == (isWhole ? .zero : unit), "\(context)")
        for value in rounded.values {
            #expect(value == floor || value == ceiling, "\(context)")
        }
        #expect(magnitude(down) <= magnitude(exact), "down goes toward zero: \(context)")
        #expect(magnitude(exact) <= magnitude(up), "up goes away from zero: \(context)")
        // Directed rules never cross zero: the result has the value's sign (or is zero).
        let downSign = try down * exact
        let upSign = try up * exact
        #expect(!downSign.isNegative, "\(context)")
        #expect(!upSign.isNegative, "\(context)")
        // half_up and half_even differ only on an exact tie, i.e. exact - floor = unit / 2.
        let isTie = (try exact - floor) == (try unit / Rational(2))
        if !isTie {
            #expect(halfUp == halfEven, "not a tie yet the half rules differ: \(context)")
        }
    }
}

// MARK: - 5. Rational arithmetic

@Suite("Rational arithmetic")
struct RationalProperties {
    @Test("(a + b) - b == a, a × b / b == a, commutativity, lowest terms")
    func inversesAndLowestTerms() async {
        await propertyCheck(count: 1000, input: Draw.rational, Draw.rational) { drawA, drawB in
            let a = try drawA.value()
            let b = try drawB.value()
            let sum = try a + b
            let product = try a * b
            #expect((try sum - b) == a)
            #expect(sum == (try b + a))
            #expect(product == (try b * a))
            if !b.isZero {
                #expect((try product / b) == a)
            } else {
                #expect(throws: ArithmeticError.divisionByZero) { try a / b }
            }
            for value in [a, b, sum, product] {
                #expect(value.denominator > 0, "\(value)")
                let divisor = Rational.greatestCommonDivisor(value.numerator, value.denominator)
                #expect(divisor == 1, "\(value) is not in lowest terms")
            }
        }
    }

    @Test("comparison is a total order that agrees with the sign of the difference")
    func comparisonAgreesWithSubtraction() async {
        await propertyCheck(
            count: 1000, input: Draw.rational, Draw.rational, Draw.rational
        ) { drawA, drawB, drawC in
            let a = try drawA.value()
            let b = try drawB.value()
            let c = try drawC.value()
            for (x, y) in [(a, b), (b, c), (a, c), (a, a)] {
                let difference = try x - y
                #expect((x < y) == difference.isNegative, "\(x) < \(y)")
                #expect((x == y) == difference.isZero, "\(x) == \(y)")
                #expect((y < x) == (!difference.isNegative && !difference.isZero), "\(y) < \(x)")
                // Exactly one of <, ==, > holds; negation reverses the order.
                #expect([x < y, x == y, y < x].filter { $0 }.count == 1)
                #expect((x < y) == (y.negated < x.negated))
            }
            if a <= b && b <= c { #expect(a <= c, "transitivity \(a) <= \(b) <= \(c)") }
            if c <= b && b <= a { #expect(c <= a, "transitivity \(c) <= \(b) <= \(a)") }
        }
    }

    @Test("comparison is exact where cross products exceed 128 bits")
    func comparisonOfHugeFractions() async {
        // Numerators and denominators of up to 38 digits, and neighbours a few units away.
        let part = Draw.decimal(digits: 0...38, scales: 0...0, signed: true)
        await propertyCheck(
            count: 1000, input: part, Draw.positiveDecimal(digits: 1...38, scales: 0...0),
            Gen.int(in: -2...2), Gen.int(in: 0...2)
        ) { numeratorDraw, denominatorDraw, numeratorStep, denominatorStep in
            let n1 = numeratorDraw.significand
            let d1 = denominatorDraw.significand
            let n2 = n1 + Int128(numeratorStep)
            let d2 = d1 + Int128(denominatorStep)
            let a = try Rational(numerator: n1, denominator: d1)
            let b = try Rational(numerator: n2, denominator: d2)
            let expected = referenceOrder(n1, d1, n2, d2)
            #expect((a < b) == (expected < 0), "\(n1)/\(d1) < \(n2)/\(d2)")
            #expect((a == b) == (expected == 0), "\(n1)/\(d1) == \(n2)/\(d2)")
            #expect((b < a) == (expected > 0), "\(n2)/\(d2) < \(n1)/\(d1)")
            #expect((a < b) == (b.negated < a.negated))
        }
    }

    @Test("terminating values print as plain decimals that parse back to the same value")
    func descriptionRoundTrips() async {
        // Decimals, their sums and products, and halvings and fifths (which still end).
        let decimal = Draw.decimal(digits: 0...18, scales: 0...10, signed: true)
        await propertyCheck(
            count: 1000, input: decimal, decimal, Gen.int(in: 0...10), Gen.int(in: 0...6)
        ) { drawA, drawB, twos, fives in
            let a = try drawA.value()
            let b = try drawB.value()
            var divisor = Rational.one
            for _ in 0..<twos { divisor = try divisor * Rational(2) }
            for _ in 0..<fives { divisor = try divisor * Rational(5) }
            for value in [a, b, try a + b, try a * b, try a / divisor] {
                try #require(value.terminatingScale != nil, "\(value) ends")
                let text = value.description
                #expect(!text.contains("/"), "\(text)")
                #expect(DecimalText.isWellFormed(Array(text.utf8)), "\(text)")
                #expect(DecimalText.rational(text) == .success(value), "\(text)")
            }
        }
    }

    @Test("values that do not end print as n/d in lowest terms")
    func nonTerminatingDescription() async {
        await propertyCheck(count: 500, input: Draw.rational) { draw in
            let value = try draw.value()
            guard value.terminatingScale == nil else { return }
            #expect(value.description == "\(value.numerator)/\(value.denominator)")
            #expect(DecimalText.rational(value.description) == .failure(.syntax))
        }
    }
}

// MARK: - 6. Decimal text

@Suite("Decimal text")
struct DecimalTextProperties {
    @Test("format then parse gives back the value, normalized, in plain and exponent notation")
    func formatParseRoundTrip() async {
        await propertyCheck(
            count: 2000, input: Draw.decimal(digits: 0...38, scales: 0...38, signed: true),
            Gen.int(in: 0...12)
        ) { draw, minimumScale in
            // Normalized: no trailing fractional zeros.
            var significand = draw.significand
            var scale = draw.scale
            while scale > 0, significand % 10 == 0 {
                significand /= 10
                scale -= 1
            }
            let text = DecimalText.format(
                significand: draw.significand, scale: draw.scale, minimumScale: minimumScale)
            let bytes = Array(text.utf8)
            #expect(DecimalText.isWellFormed(bytes), "\(text)")
            // The text shows exactly max(minimumScale, normalized scale) fractional digits.
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            let fractionDigits = parts.count == 2 ? parts[1].count : 0
            #expect(fractionDigits == max(minimumScale, scale), "\(text)")
            // The integer part has no leading zero except a lone one.
            let integerPart = parts[0].drop { $0 == "-" }
            #expect(integerPart == "0" || integerPart.first != "0", "\(text)")
            #expect(text.hasPrefix("-") == (significand < 0), "\(text)")
            let integerDigits = integerPart == "0" ? 0 : integerPart.count
            #expect(
                DecimalText.parse(bytes)
                    == .success(
                        DecimalText.Parsed(
                            significand: significand, scale: scale,
                            integerDigits: integerDigits)),
                "\(text)")
            // The same value in exponent notation parses to the same result.
            let scientific = "\(draw.significand)e-\(draw.scale)"
            let expected = try Rational(significand: significand, scale: scale)
            #expect(DecimalText.rational(scientific) == .success(expected), "\(scientific)")
        }
    }

    @Test("minimum scale 0 gives the canonical text: the same for equal values")
    func canonicalTextIsUnique() async {
        await propertyCheck(
            count: 500, input: Draw.decimal(digits: 0...30, scales: 0...8, signed: true),
            Gen.int(in: 0...8)
        ) { draw, extraZeros in
            // Appending zeros to the significand and the scale keeps the value and the text.
            let padded = draw.significand * Rational.powerOfTen(extraZeros)
            let plain = DecimalText.format(
                significand: draw.significand, scale: draw.scale, minimumScale: 0)
            let paddedText = DecimalText.format(
                significand: padded, scale: draw.scale + extraZeros, minimumScale: 0)
            #expect(plain == paddedText)
            let value = try draw.value()
            #expect(plain == value.description)
        }
    }
}

// MARK: - Rating does not depend on input order

@Suite("Rating: input order")
struct RatingOrderProperties {
    /// Two plans with included credits and a commitment; customers subscribe to one or both.
    static func catalog() throws -> Catalog {
        let usd = roundingCurrencies[1]
        let api = usageCharge(.perUnit(.single(try Rational(significand: 4, scale: 4))))
        let fee = RecurringCharge(
            key: "platform_fee", amount: Rational(49), schedule: .monthly, prorate: true,
            minimum: nil, maximum: nil)
        var plans: [String: Plan] = [:]
        for key in ["basic", "pro"] {
            plans[key] = Plan(
                key: key, currency: usd, charges: [.usage(api), .recurring(fee)],
                minimumCommitment: Rational(100), includedCredits: Rational(10))
        }
        return Catalog(
            version: 1, seller: nil, currency: usd, rounding: .halfUp, currencies: [:],
            meters: [api.meter: Meter(key: api.meter, aggregation: .sum, field: nil)],
            plans: plans, accounts: AccountNames())
    }

    /// Customer `number` in UTC: even numbers switch from basic to pro on the 10th.
    static func customer(_ number: Int) throws -> Customer {
        let start = try #require(CivilDate(year: 2026, month: 9, day: 1))
        let switchDay = try #require(CivilDate(year: 2026, month: 10, day: 10))
        let subscriptions =
            number % 2 == 0
            ? [
                Subscription(plan: "basic", start: start, end: switchDay),
                Subscription(plan: "pro", start: switchDay, end: nil),
            ]
            : [Subscription(plan: "pro", start: start, end: nil)]
        return Customer(
            id: "cus_\(number)", name: nil, address: nil, taxID: nil,
            timeZone: FixedOffsetZone.utc, anchorDay: nil, currency: nil, tax: nil,
            discounts: [], subscriptions: subscriptions)
    }

    /// A printable digest of everything `rate` produced, in its order.
    static func digest(_ result: RatingResult) -> [String] {
        result.lines.map { line in
            "\(line.customer) \(line.plan) \(line.charge) \(line.amountExact) \(line.amount)"
        } + result.includedCredits.map { "\($0.id) \($0.amount)" }
    }

    @Test("lines and included credits come out in the same order whatever the input order")
    func outputIgnoresInputOrder() async throws {
        let catalog = try RatingOrderProperties.catalog()
        let month = try #require(YearMonth(year: 2026, month: 10))
        await propertyCheck(
            count: 200, input: Gen.int(in: 0...999).array(of: 1...6),
            Draw.decimal(digits: 0...9, scales: 0...3)
        ) { numbers, quantityDraw in
            // Distinct customers in the drawn (unsorted) order.
            var seen: Set<Int> = []
            let order = numbers.filter { seen.insert($0).inserted }
            let customers = try order.map(RatingOrderProperties.customer)
            let quantity = try quantityDraw.value()
            var aggregates: [UsageAggregate] = []
            for customer in customers {
                for subscription in customer.subscriptions {
                    aggregates.append(
                        UsageAggregate(
                            customer: customer.id, plan: subscription.plan, charge: "api",
                            group: [], quantity: quantity, events: 1))
                }
            }
            let rater = Rater(catalog: catalog, month: month)
            let drawn = try rater.rate(customers: customers, aggregates: aggregates)
            let reversed = try rater.rate(
                customers: customers.reversed(), aggregates: aggregates.reversed())
            #expect(
                RatingOrderProperties.digest(drawn) == RatingOrderProperties.digest(reversed))
            // The documented order: credits by customer, then plan (byte order, like lines).
            let creditKeys = drawn.includedCredits.map { [$0.customer, $0.plan] }
            let sortedKeys = creditKeys.sorted {
                $0.lexicographicallyPrecedes($1) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            }
            #expect(creditKeys == sortedKeys)
        }
    }
}
