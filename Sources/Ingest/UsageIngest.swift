import Formats
import Foundation
import Pricing

/// How much memory `rate`'s event state may use, and where it spills beyond that.
public struct IngestLimits: Sendable {
    /// The whole run's memory target (`--memory-limit`). A quarter of it is the budget for
    /// event records held in memory; past that budget they go to spill files, since the array
    /// of records may briefly hold twice its length while growing, and dedupe, aggregation and
    /// the outputs need the rest.
    public var memoryBytes: Int = 1 << 30
    /// Where spill files are created (unlinked at once).
    public var spillFolder: String = IngestLimits.defaultSpillFolder
    /// How many partitions events are hashed into, by (customer, id). Results never depend on
    /// it.
    public var partitionCount: Int = 256
    /// Threads that take events while reading: 1, or 2 to keep admitted events (intern dims,
    /// partition, append, spill) on a thread of their own while the caller's thread scans and
    /// admits (`RecordKeeper`). Results never depend on it.
    public var intakeThreads: Int = 1
    /// Bytes per block handed to the keeping thread (tests make it tiny so that few events
    /// fill a block).
    var handOverBlockBytes = 1 << 20
    /// Threads that dedupe and aggregate partitions at the end (reading is over by then, so
    /// both cores of a small machine are free). Results never depend on it.
    public var finishThreads: Int = 2

    /// `TMPDIR`, or `/tmp`.
    public static var defaultSpillFolder: String {
        let value = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        return value.isEmpty ? "/tmp" : value
    }

    /// The defaults: 1 GiB, `TMPDIR`, 256 partitions.
    public init() {}

    /// The records' budget in bytes.
    var recordBudget: Int { max(memoryBytes / 4, 1) }
    /// The records one partition keeps in memory between writes once spilling.
    var chunkRecords: Int { max(min(recordBudget / partitionCount / 128, 2048), 16) }
}

/// Everything `rate` does with events after a line has been read as one: admission against the
/// catalog and customers (`EventAdmission`), compact records partitioned by a hash of
/// (customer, id) (`EventPartition`, spilled past the memory budget), and at the end, partition
/// by partition, dedupe (`Deduplication`) and aggregation (`AggregationStates`, merged by value
/// in `AggregateMerge`).
///
/// Dedupe runs after reading, so a conflicting copy read last takes back an event read first,
/// and the result never depends on the order lines were read in, on the memory limit, on the
/// number of partitions or of finishing threads: every copy of a key is in one partition, every
/// aggregation merges exactly, and the aggregates are sorted at the end.
public final class UsageIngest {
    public let admission: EventAdmission
    private let catalog: Catalog
    private let limits: IngestLimits
    /// The dims, partitions and spilling; the keeper's alone while it runs.
    private let store: RecordStore
    /// Keeps admitted events on a thread of its own (`IngestLimits.intakeThreads` 2), or nil.
    private let keeper: RecordKeeper?
    /// Whether records now go to spill files (once `finish` has run when a keeping thread
    /// holds them).
    public var isSpilling: Bool { store.isSpilling }
    private let dimsKey = DimsKeyBuilder()
    /// Counts of lines seen so far (dedupe's share is added by `finish`).
    public private(set) var counts = LineCounts()
    /// Customer number → the hash of its id (partitions by customer for gauges).
    private let customerHashes: [UInt64]
    /// The gauges' levels at the period start (`rate --gauges`), checked against the same
    /// catalog and customers; set before `finish`.
    public var openingGauges: [GaugeLevel] = []
    /// The run's resolutions (SPEC §13.4); nil when it has none.
    private var resolutionTable: ResolutionTable?

    public init(
        catalog: Catalog, customers: [Customer], month: YearMonth,
        limits: IngestLimits = IngestLimits()
    ) {
        precondition(limits.partitionCount > 0, "at least one partition")
        self.catalog = catalog
        self.limits = limits
        admission = EventAdmission(catalog: catalog, customers: customers, month: month)
        let customerHashes = customers.map { customer in
            var id = customer.id
            return id.withUTF8 { byteHash(UnsafeRawBufferPointer($0)) }
        }
        self.customerHashes = customerHashes
        store = RecordStore(limits: limits, customerHashes: customerHashes)
        keeper =
            limits.intakeThreads > 1
            ? RecordKeeper(store: store, blockBytes: limits.handOverBlockBytes) : nil
        for key in RejectReason.allCases { counts.rejected[key] = 0 }
    }

    deinit {
        keeper?.stop()
    }

    /// The partition of an event: a hash of its id seeded with the hash of its customer id, the
    /// same on every machine (see `byteHash`). Every copy of a (customer, id) key falls in the
    /// same partition; one customer's events spread over all of them.
    public static func partition(
        customer: UnsafeRawBufferPointer, id: UnsafeRawBufferPointer, count: Int
    ) -> Int {
        partition(customerHash: byteHash(customer), id: id, count: count)
    }

    /// `partition(customer:id:count:)` with the customer id's hash already made.
    static func partition(customerHash: UInt64, id: UnsafeRawBufferPointer, count: Int) -> Int {
        Int(byteHash(id, seed: customerHash) % UInt64(count))
    }

    /// Counts a blank line.
    public func addBlank() {
        counts.lines += 1
        counts.blank += 1
    }

    /// Counts a line rejected before it became an event (syntax, field rules, too long).
    public func addRejected(_ reason: RejectReason) {
        counts.lines += 1
        counts.rejected[reason, default: 0] += 1
    }

    /// Checks one event given as bytes and keeps it when admitted. `dims` is its canonical key
    /// (`DimsKeyBuilder`); `amount` its `amount` member, read only on a `carries_amount` meter.
    /// Throws only when a spill file cannot be written.
    public func add(
        id: UnsafeRawBufferPointer, customer: UnsafeRawBufferPointer,
        meter: UnsafeRawBufferPointer, instant: Instant, quantityNanos: Int128?,
        amount: AmountInput = .absent, dims dimsBytes: UnsafeRawBufferPointer,
        at location: LineLocation
    ) throws -> AdmissionOutcome {
        counts.lines += 1
        let outcome = admission.admit(
            customer: customer, meter: meter, instant: instant, quantityNanos: quantityNanos,
            amount: amount)
        switch outcome {
        case .rejected(let reason, _):
            counts.rejected[reason, default: 0] += 1
        case .admitted(let event):
            let quantity = event.quantityNanos
            let record = EventRecord(
                quantityLow: UInt64(truncatingIfNeeded: quantity),
                quantityHigh: Int64(truncatingIfNeeded: quantity >> 64),
                seconds: instant.secondsSinceEpoch, line: location.line, idOffset: 0,
                customer: event.customer, meter: event.meter, dims: 0,
                source: location.source, nanoseconds: instant.nanoseconds,
                subscription: event.subscription, idLength: UInt16(id.count))
            if let picos = event.amountPicos {
                // The amount rides after the id in the partition's bytes (`StoredAmount`).
                try StoredAmount.withBytes(picos) { amountBytes in
                    if let keeper {
                        try keeper.keep(record, id: id, amount: amountBytes, dims: dimsBytes)
                    } else {
                        try store.keep(record, id: id, amount: amountBytes, dims: dimsBytes)
                    }
                }
            } else if let keeper {
                try keeper.keep(record, id: id, amount: StoredAmount.none, dims: dimsBytes)
            } else {
                try store.keep(record, id: id, amount: StoredAmount.none, dims: dimsBytes)
            }
        }
        return outcome
    }

    /// Checks one event from the slow parser (Strings) and keeps it when admitted.
    public func add(_ event: UsageEvent, at location: LineLocation) throws -> AdmissionOutcome {
        dimsKey.set(event.dims)
        var id = event.id
        var customer = event.customer
        var meter = event.meter
        return try id.withUTF8 { id in
            try customer.withUTF8 { customer in
                try meter.withUTF8 { meter in
                    try dimsKey.withBytes { dims in
                        try event.amount.withInput { amount in
                            try add(
                                id: UnsafeRawBufferPointer(id),
                                customer: UnsafeRawBufferPointer(customer),
                                meter: UnsafeRawBufferPointer(meter), instant: event.instant,
                                quantityNanos: event.quantityNanos, amount: amount, dims: dims,
                                at: location)
                        }
                    }
                }
            }
        }
    }

    /// Sets the run's resolutions, before any event is read (SPEC §13.4), and returns the
    /// problems of the replacement events the catalog or customers refuse (every one, each
    /// naming `file` and its line). The run must not go on when there are any.
    public func setResolutions(_ resolutions: [Resolution], file: String) -> [ConfigError] {
        precondition(counts.lines == 0, "resolutions are set before input is read")
        guard !resolutions.isEmpty else {
            resolutionTable = nil
            return []
        }
        let (table, errors) = ResolutionTable.make(resolutions, admission: admission, file: file)
        resolutionTable = table
        return errors
    }

    /// Dedupes and aggregates partition by partition, and lists the conflicts. `sources`
    /// names every source by its index (file display name, archive member), for the
    /// locations resolutions name.
    public func finish(sources: [(file: String, member: String?)] = []) throws -> CollectedUsage {
        try keeper?.finish()
        let partitions = store.partitions
        let dims = store.dims
        let resolutions = resolutionTable
        resolutions?.prepare(dims: dims, sources: sources)
        // Partitions share no dedupe key, so `finishThreads` workers take every n-th partition,
        // each with its own plan and aggregate states; the states are merged by value in worker
        // order, and the first failure in partition order is the one reported.
        let workers = max(1, min(limits.finishThreads, partitions.count))
        let plans = (0..<workers).map { _ in
            AggregationStates(plan: AggregationPlan(catalog: catalog, admission: admission))
        }
        let carriesAmount = admission.meterCarriesAmount
        // Gauges need their events in time order: surviving billed events of time-weighted
        // meters are routed into partitions by customer as dedupe goes (no work at all for a
        // catalog without gauges), and integrated once every partition is deduped.
        let gaugePlan = GaugePlan(catalog: catalog, admission: admission, opening: openingGauges)
        let routers =
            gaugePlan.hasGauges
            ? (0..<workers).map { _ in
                GaugeRouter(
                    plan: gaugePlan, customerHashes: customerHashes, limits: limits,
                    spilling: store.isSpilling)
            } : []
        let results = LockedResults<DedupeResult>.run(count: partitions.count, workers: workers) {
            worker, number in
            let states = plans[worker]
            let taken = try partitions[number].takeAll()
            var records = taken.records
            var ids = taken.ids
            var dedupe = Deduplication.run(
                records: records, ids: ids, customerIDs: states.plan.customerIDs,
                carriesAmount: carriesAmount, resolutions: resolutions)
            if !dedupe.replacements.isEmpty {
                records += dedupe.replacements
                ids += dedupe.replacementIDs
                dedupe.replacements = []
                dedupe.replacementIDs = []
            }
            try states.add(survivors: dedupe.survivors, records: records, ids: ids, dims: dims)
            if !routers.isEmpty {
                try routers[worker].route(survivors: dedupe.survivors, records: records, ids: ids)
            }
            dedupe.survivors = []
            return dedupe
        }
        var conflicts: [ConflictCopy] = []
        var resolved: [ResolutionOutcome] = []
        for number in 0..<partitions.count {
            guard let dedupe = try results.get(number) else { continue }
            counts.accepted += dedupe.accepted
            counts.duplicates += dedupe.duplicates
            counts.superseded += dedupe.superseded
            resolved += dedupe.resolved
            counts.outOfPeriod += dedupe.outOfPeriod
            counts.rejected[.conflict, default: 0] += dedupe.conflicts
            conflicts += dedupe.conflictCopies
        }
        var merge = AggregateMerge(plan: plans[0].plan)
        for states in plans { try merge.merge(states) }
        var gauges: [GaugeLevel] = []
        if gaugePlan.hasGauges {
            let outcomes = try integrateGauges(
                plan: gaugePlan, routers: routers, workers: workers, dims: dims)
            merge.gaugeQuantities = try gaugeQuantities(
                outcomes, gaugePlan: gaugePlan, plan: plans[0].plan)
            gauges = sortedByKey(outcomes.map(\.closing)) { $0.sortKey }
        }
        var aggregates = try merge.aggregates()
        precondition(counts.addsUp, "line counts must add up after dedupe")
        aggregates = sortedByKey(aggregates) {
            LineKey($0.customer, $0.plan, $0.charge, $0.group)
        }
        conflicts.sort {
            ($0.location.source, $0.location.line) < ($1.location.source, $1.location.line)
        }
        // By resolution index: the resolutions file's order, whatever the partitions.
        resolved.sort { $0.resolution < $1.resolution }
        var collected = CollectedUsage(
            counts: counts, aggregates: aggregates, conflicts: conflicts, resolved: resolved)
        collected.gauges = gauges
        return collected
    }

    /// Integrates every gauge: the routed events' gauges, partition by partition on
    /// `workers` threads, then the opening levels that saw no event (SPEC §13.3).
    private func integrateGauges(
        plan: GaugePlan, routers: [GaugeRouter], workers: Int, dims: DimsTable
    ) throws -> [GaugeOutcome] {
        let count = limits.partitionCount
        // One integrator per worker: each keeps a cache of the groups it has seen.
        let integrators = (0..<workers).map { _ in GaugeIntegrator(plan: plan, dims: dims) }
        let results = LockedResults<[GaugeOutcome]>.run(count: count, workers: workers) {
            worker, number in
            let parts = try routers.map { try $0.partitions[number].takeAll() }
            return try integrators[worker].integrate(parts)
        }
        var outcomes: [GaugeOutcome] = []
        for number in 0..<count {
            if let part = try results.get(number) { outcomes += part }
        }
        var seen = Set<GaugePlan.GaugeKey>()
        for outcome in outcomes {
            seen.insert(
                GaugePlan.GaugeKey(
                    customer: outcome.customer, meter: outcome.meter, group: outcome.group))
        }
        // Gauges carried by their opening level alone, in a fixed order (not the dictionary's),
        // so a failure names the same gauge every run.
        func text(_ key: GaugePlan.GaugeKey) -> String {
            "\(key.customer) \(key.meter) " + key.group.map { $0.key + "=" + $0.value }.joined()
        }
        let carried = plan.opening.keys.filter { !seen.contains($0) }.sorted {
            text($0).utf8.lexicographicallyPrecedes(text($1).utf8)
        }
        for key in carried {
            outcomes.append(
                try GaugeIntegrator.outcome(
                    plan: plan, customer: key.customer, meter: key.meter, group: key.group,
                    steps: []))
        }
        return outcomes
    }

    /// Each time-weighted line's quantity: its gauge's integral over the span of the line's
    /// plan, divided by the meter's `per`.
    private func gaugeQuantities(
        _ outcomes: [GaugeOutcome], gaugePlan: GaugePlan, plan: AggregationPlan
    ) throws -> [AggregateKey: Rational] {
        var quantities: [AggregateKey: Rational] = [:]
        for outcome in outcomes {
            let meter = admission.meters[Int(outcome.meter)]
            guard let per = meter.per else { continue }
            for (span, integral) in outcome.integrals.enumerated() {
                let slots = plan.planSlots[Int(outcome.customer)][span][Int(outcome.meter)]
                for slot in slots {
                    quantities[
                        AggregateKey(customer: outcome.customer, slot: slot, group: outcome.group)
                    ] = try GaugeIntegral.quantity(integral, per: per)
                }
            }
        }
        return quantities
    }
}

extension IngestLimits {
    /// Reads a size such as `1G`, `256M`, `512K` or `1048576` (binary units: `K` = 1024 bytes;
    /// a trailing `B`, `iB` or lower case is accepted). Nil when it is not a positive size.
    public static func bytes(_ text: String) -> Int? {
        var digits = Substring(text)
        var scale = 1
        for suffix in ["iB", "B", "ib", "b"] where digits.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            break
        }
        switch digits.last {
        case "K", "k": scale = 1 << 10
        case "M", "m": scale = 1 << 20
        case "G", "g": scale = 1 << 30
        case "T", "t": scale = 1 << 40
        default: break
        }
        if scale != 1 { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(digits), value > 0
        else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : bytes
    }
}

/// One input line into `UsageIngest`: the scanner's fast path for the common event line, the
/// strict `EventLineParser` for everything else (which decides every reject and its message).
public struct LineIntake {
    public let ingest: UsageIngest
    private var scanner = EventScanner()
    private var event = ScannedEvent()
    private let parser = EventLineParser()
    private let dimsKey = DimsKeyBuilder()
    private let lineBytesMax: Int

    /// Feeds `ingest`; `lineBytesMax` only words the detail of a too-long line.
    public init(ingest: UsageIngest, lineBytesMax: Int) {
        self.ingest = ingest
        self.lineBytesMax = lineBytesMax
    }

    /// Counts one line and keeps its event when admitted; returns the reject reason and detail
    /// when the line is rejected now (a conflict is found only by `UsageIngest.finish`).
    public mutating func take(
        _ line: UnsafeRawBufferPointer, isTooLong: Bool, at location: LineLocation
    ) throws -> (reason: RejectReason, detail: String)? {
        if isTooLong {
            ingest.addRejected(.lineTooLong)
            return (.lineTooLong, "line longer than \(lineBytesMax) bytes")
        }
        if scanner.scan(line, into: &event) {
            dimsKey.reset()
            // The spans are read from `dimSpans` in place: `dimKey`/`dimValue` returned copies
            // that made the optimiser copy the event's 256-byte span array per call.
            for index in 0..<event.dimsCount {
                let base = 4 &* index
                dimsKey.append(
                    key: ByteSpan(start: event.dimSpans[base], count: event.dimSpans[base &+ 1])
                        .bytes(in: line),
                    value: ByteSpan(
                        start: event.dimSpans[base &+ 2], count: event.dimSpans[base &+ 3]
                    ).bytes(in: line))
            }
            let outcome = try dimsKey.withBytes { dims in
                try ingest.add(
                    id: event.id.bytes(in: line), customer: event.customer.bytes(in: line),
                    meter: event.meter.bytes(in: line), instant: event.instant,
                    quantityNanos: event.quantityNanos,
                    amount: AmountInput(
                        kind: event.amountKind,
                        text: event.amountKind == .text
                            ? event.amountText.bytes(in: line) : AmountInput.absent.text),
                    dims: dims, at: location)
            }
            if case .rejected(let reason, let detail) = outcome { return (reason, detail) }
            return nil
        }
        switch parser.parse(line) {
        case .blank:
            ingest.addBlank()
            return nil
        case .rejected(let reason, let detail):
            ingest.addRejected(reason)
            return (reason, detail)
        case .event(let parsed):
            if case .rejected(let reason, let detail) = try ingest.add(parsed, at: location) {
                return (reason, detail)
            }
            return nil
        }
    }
}

/// Each partition's result (or failure), filled by the finishing workers: dedupe results, and
/// gauge integrals. A worker whose partition failed stops (its states are incomplete, and the
/// run fails anyway).
private final class LockedResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Value, any Error>?]

    init(count: Int) {
        results = Array(repeating: nil, count: count)
    }

    /// Runs `body(worker, number)` for partitions `0..<count` on `workers` threads: worker `w`
    /// takes partitions `w`, `w + workers`, … in turn and stops at its first failure (a later
    /// partition of that worker is then nil, and `get` reports the failure first in partition
    /// order). One thread runs them all when `workers` is 1.
    static func run(
        count: Int, workers: Int, _ body: (_ worker: Int, _ number: Int) throws -> Value
    ) -> LockedResults<Value> {
        let results = LockedResults(count: count)
        func work(_ worker: Int) {
            for number in stride(from: worker, to: count, by: workers) {
                if results.set(number, { try body(worker, number) }) { return }
            }
        }
        if workers == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: work)
        }
        return results
    }

    /// Runs `body` for partition `number`; true when it failed.
    func set(_ number: Int, _ body: () throws -> Value) -> Bool {
        let result = Result { try body() }
        lock.lock()
        results[number] = result
        lock.unlock()
        if case .failure = result { return true }
        return false
    }

    /// The result of partition `number`, nil when its worker stopped before it; rethrows.
    func get(_ number: Int) throws -> Value? {
        lock.lock()
        defer { lock.unlock() }
        return try results[number]?.get()
    }
}
