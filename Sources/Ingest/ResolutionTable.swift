import Formats
import Pricing

/// The run's resolutions (SPEC §13.4) as dedupe reads them: looked up once per key group (not
/// per event) by the hash dedupe already uses, (customer number, id bytes), so a run without
/// resolutions pays nothing and one with resolutions pays a lookup per distinct key.
///
/// Built before input is read (a replacement is checked against the catalog and customers
/// then); `prepare` completes it after reading, before the finishing threads start, which
/// only read it.
final class ResolutionTable: @unchecked Sendable {
    /// What dedupe does with a resolved key.
    enum Plan {
        case keep
        case drop
        /// The replacement's record, but for its id and location (taken from the first copy).
        case replace(EventRecord)
    }

    let resolutions: [Resolution]
    /// Per resolution: its customer's number, -1 when the customer is not in the customers
    /// file (such a key has no copy: every copy of it was rejected as `unknown_customer`).
    private let customers: [Int32]
    private let ids: [[UInt8]]
    /// Dedupe's key hash → the resolutions with that hash.
    private let byHash: [UInt64: [Int]]
    private(set) var plans: [Plan]
    /// Per replacement: its canonical dims key, interned by `prepare`.
    private let replacementDims: [Int: [UInt8]]
    /// Per replacement on a `carries_amount` meter: its amount's stored bytes (SPEC §13.1),
    /// which follow its id as an input event's do (`StoredAmount`).
    private let replacementAmounts: [Int: [UInt8]]
    /// Per `keep`: the location it names, set by `prepare` (source -1: no such source).
    private(set) var keepTargets: [Int: LineLocation] = [:]

    private init(
        resolutions: [Resolution], customers: [Int32], ids: [[UInt8]], plans: [Plan],
        replacementDims: [Int: [UInt8]], replacementAmounts: [Int: [UInt8]]
    ) {
        self.replacementAmounts = replacementAmounts
        self.resolutions = resolutions
        self.customers = customers
        self.ids = ids
        self.plans = plans
        self.replacementDims = replacementDims
        var byHash: [UInt64: [Int]] = [:]
        for index in resolutions.indices where customers[index] >= 0 {
            byHash[ResolutionTable.hash(customer: customers[index], id: ids[index]), default: []]
                .append(index)
        }
        self.byHash = byHash
    }

    /// The table for `resolutions`, and the problems of every replacement that the catalog or
    /// customers refuse (reason code and detail as for an input line; `file` names the
    /// resolutions file). Out of period is allowed; no plan covering an in-period instant is
    /// not.
    static func make(
        _ resolutions: [Resolution], admission: EventAdmission, file: String
    ) -> (ResolutionTable, [ConfigError]) {
        var errors: [ConfigError] = []
        var customers: [Int32] = []
        var ids: [[UInt8]] = []
        var plans: [Plan] = []
        var replacementDims: [Int: [UInt8]] = [:]
        var replacementAmounts: [Int: [UInt8]] = [:]
        let customerNumbers = Dictionary(
            uniqueKeysWithValues: admission.customers.enumerated().map { ($1.id, Int32($0)) })
        let dimsKey = DimsKeyBuilder()
        for (index, resolution) in resolutions.enumerated() {
            customers.append(customerNumbers[resolution.customer] ?? -1)
            ids.append(Array(resolution.id.utf8))
            switch resolution.action {
            case .keep:
                plans.append(.keep)
            case .drop:
                plans.append(.drop)
            case .replace(let event):
                var meter = event.meter
                var customer = event.customer
                // Every check an input line gets from admission, the amount's included.
                let outcome = meter.withUTF8 { meter in
                    customer.withUTF8 { customer in
                        event.amount.withInput { amount in
                            admission.admit(
                                customer: UnsafeRawBufferPointer(customer),
                                meter: UnsafeRawBufferPointer(meter), instant: event.instant,
                                quantityNanos: event.quantityNanos, amount: amount)
                        }
                    }
                }
                switch outcome {
                case .rejected(let reason, let detail):
                    errors.append(
                        ConfigError(
                            file: file, line: resolution.line, column: nil, path: "event",
                            message: "\(reason.rawValue): \(detail)"))
                    plans.append(.drop)
                case .admitted(let admitted):
                    dimsKey.set(event.dims)
                    replacementDims[index] = dimsKey.withBytes { Array($0) }
                    if let picos = admitted.amountPicos {
                        replacementAmounts[index] = StoredAmount.withBytes(picos) { Array($0) }
                    }
                    let quantity = admitted.quantityNanos
                    plans.append(
                        .replace(
                            EventRecord(
                                quantityLow: UInt64(truncatingIfNeeded: quantity),
                                quantityHigh: Int64(truncatingIfNeeded: quantity >> 64),
                                seconds: event.instant.secondsSinceEpoch, line: 0, idOffset: 0,
                                customer: admitted.customer, meter: admitted.meter, dims: 0,
                                source: 0, nanoseconds: event.instant.nanoseconds,
                                subscription: admitted.subscription, idLength: 0)))
                }
            }
        }
        let table = ResolutionTable(
            resolutions: resolutions, customers: customers, ids: ids, plans: plans,
            replacementDims: replacementDims, replacementAmounts: replacementAmounts)
        return (table, errors)
    }

    /// The key's id bytes of resolution `index` (a replacement's own id: the key's), and the
    /// bytes stored after it: the replacement's amount on a `carries_amount` meter, else none.
    func storedBytes(_ index: Int) -> (id: [UInt8], amount: [UInt8]) {
        (ids[index], replacementAmounts[index] ?? [])
    }

    /// Dedupe's hash of a key: the id's bytes seeded with the customer's number.
    static func hash(customer: Int32, id: [UInt8]) -> UInt64 {
        id.withUnsafeBytes { byteHash($0, seed: UInt64(UInt32(customer))) }
    }

    /// After reading: interns the replacements' dims (after every input event's, so the
    /// numbering of the input's dims is the same with or without resolutions) and finds the
    /// source each `keep` names among `sources` (display file, archive member).
    func prepare(dims: DimsTable, sources: [(file: String, member: String?)]) {
        for index in replacementDims.keys.sorted() {
            guard case .replace(var record) = plans[index] else { continue }
            record.dims = replacementDims[index]!.withUnsafeBytes { dims.intern($0) }
            plans[index] = .replace(record)
        }
        var sourceNumbers: [SourceName: Int32] = [:]
        for (number, source) in sources.enumerated() {
            sourceNumbers[SourceName(file: source.file, member: source.member)] = Int32(number)
        }
        for (index, resolution) in resolutions.enumerated() {
            guard case .keep(let file, let member, let line) = resolution.action else { continue }
            let source = sourceNumbers[SourceName(file: file, member: member)] ?? -1
            keepTargets[index] = LineLocation(source: source, line: line)
        }
    }

    /// The resolution of the key (customer number, id bytes) whose dedupe hash is `hash`.
    func find(hash: UInt64, customer: Int32, id: UnsafeRawBufferPointer) -> Int? {
        guard let candidates = byHash[hash] else { return nil }
        for index in candidates where customers[index] == customer && ids[index].count == id.count {
            let same = ids[index].withUnsafeBytes { $0.elementsEqual(id) }
            if same { return index }
        }
        return nil
    }
}

/// A source's display name, as `rejects.ndjson` writes it: file and archive member.
private struct SourceName: Hashable {
    let file: String
    let member: String?
}
