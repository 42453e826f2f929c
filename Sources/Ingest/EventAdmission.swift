import Pricing

/// Where an admitted event belongs: its customer, meter and the customer's active subscription
/// at its instant (-1 when the instant is outside the customer's billing period).
public struct AdmittedEvent {
    public let customer: Int32
    public let meter: Int32
    public let subscription: Int16
    /// The quantity in billionths; a count event without one holds one unit (SPEC §3: the same
    /// content as `"1"`).
    public let quantityNanos: Int128
    /// The event's own amount in picos (SPEC §13.1), for a `carries_amount` meter; nil otherwise.
    public let amountPicos: Int128?
}

/// The outcome of checking one event against the catalog and the customers.
public enum AdmissionOutcome {
    case admitted(AdmittedEvent)
    case rejected(RejectReason, String)
}

/// Checks events against the catalog and customers (SPEC §11 order after the line's own
/// checks: meter, quantity required by the meter, customer, subscription covering the event),
/// looking meters and customers up by their bytes.
public final class EventAdmission {
    /// Meter keys, sorted bytewise; a meter's position is its number everywhere in Ingest.
    public let meterKeys: [String]
    public let meters: [Meter]
    public let customers: [Customer]
    public let activeSubscriptions: [[ActiveSubscription]]
    private let meterTable: ByteKeyTable
    /// Per meter number, whether its aggregation needs a quantity: read per event without
    /// copying the `Meter` (whose strings would be retained and released each time).
    private let meterNeedsQuantity: [Bool]
    /// Per meter number, whether its events carry an amount (SPEC §13.1), read the same way.
    public let meterCarriesAmount: [Bool]
    private let customerTable: ByteKeyTable
    /// Per customer, its billing period: flat, so the per-event check reads two values.
    private let periodRanges: [TimeRange]
    /// Customer k's active subscriptions are `subscriptionRanges[subscriptionStarts[k]..<
    /// subscriptionStarts[k + 1]]`, in time order.
    private let subscriptionStarts: [Int]
    private let subscriptionRanges: [TimeRange]

    /// Prepares the lookups for `month`.
    public init(catalog: Catalog, customers: [Customer], month: YearMonth) {
        meterKeys = catalog.meters.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        meters = meterKeys.map { catalog.meters[$0]! }
        precondition(meterKeys.count < Int(Int32.max), "the catalog loader limits meters")
        var meterTable = ByteKeyTable(expected: meterKeys.count)
        for key in meterKeys {
            var key = key
            _ = key.withUTF8 { meterTable.intern(UnsafeRawBufferPointer($0)) }
        }
        self.meterTable = meterTable
        meterNeedsQuantity = meters.map(\.aggregation.needsQuantity)
        meterCarriesAmount = meters.map(\.carriesAmount)
        self.customers = customers
        var customerTable = ByteKeyTable(expected: customers.count)
        for customer in customers {
            var id = customer.id
            let (_, inserted) = id.withUTF8 { customerTable.intern(UnsafeRawBufferPointer($0)) }
            precondition(inserted, "the customers loader refuses repeated ids")
        }
        self.customerTable = customerTable
        let periods = customers.map { $0.billingPeriod(startingIn: month) }
        activeSubscriptions = zip(customers, periods).map { $0.activeSubscriptions(in: $1) }
        periodRanges = periods.map(\.range)
        var starts = [0]
        var ranges: [TimeRange] = []
        for spans in activeSubscriptions {
            ranges += spans.map(\.range)
            starts.append(ranges.count)
        }
        subscriptionStarts = starts
        subscriptionRanges = ranges
    }

    /// Checks one event's meter, quantity, amount (on a `carries_amount` meter only), customer
    /// and subscription.
    public func admit(
        customer: UnsafeRawBufferPointer, meter: UnsafeRawBufferPointer, instant: Instant,
        quantityNanos: Int128?, amount: AmountInput = .absent
    ) -> AdmissionOutcome {
        guard let meterPosition = meterTable.find(meter) else {
            return .rejected(
                .unknownMeter,
                "meter \"\(String(decoding: meter, as: UTF8.self))\" is not in the catalog")
        }
        if quantityNanos == nil && meterNeedsQuantity[Int(meterPosition)] {
            let meterValue = meters[Int(meterPosition)]
            return .rejected(
                .missingField,
                "missing field \"quantity\" (meter \"\(meterValue.key)\" aggregates "
                    + "\(meterValue.aggregation.rawValue))"
            )
        }
        var amountPicos: Int128?
        if meterCarriesAmount[Int(meterPosition)] {
            // SPEC §13.5: after the quantity's missing_field, before unknown_customer.
            switch amount.picos(meter: meters[Int(meterPosition)].key) {
            case .success(let picos): amountPicos = picos
            case .failure(let reason, let detail): return .rejected(reason, detail)
            }
        }
        guard let customerPosition = customerTable.find(customer) else {
            return .rejected(
                .unknownCustomer,
                "customer \"\(String(decoding: customer, as: UTF8.self))\" is not in the "
                    + "customers file")
        }
        var subscription: Int16 = -1
        if periodRanges[Int(customerPosition)].contains(instant) {
            let first = subscriptionStarts[Int(customerPosition)]
            let end = subscriptionStarts[Int(customerPosition) + 1]
            var found = first
            while found < end && !subscriptionRanges[found].contains(instant) { found += 1 }
            guard found < end else {
                return .rejected(
                    .noSubscription,
                    "no plan of customer \"\(customers[Int(customerPosition)].id)\" covers "
                        + instant.rfc3339(offsetSeconds: 0)
                )
            }
            subscription = Int16(found - first)
        }
        return .admitted(
            AdmittedEvent(
                customer: customerPosition, meter: meterPosition, subscription: subscription,
                quantityNanos: quantityNanos ?? QuantityScale.unit, amountPicos: amountPicos))
    }
}
