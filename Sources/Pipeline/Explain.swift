import Formats
import Foundation
import Pricing

/// `rate explain --customer C [--charge K] RUN`: where a customer's billed quantities came
/// from. The run's own files give the lines (usage, rated with their tiers) and the rejects;
/// the inputs are read again (checked against the manifest's SHA-256) for the contributing
/// events per file, the duplicates and the events outside the period; the catalog, when given
/// (checked against the manifest), gives the pricing steps of each charge.
public enum Explain {
    /// What to explain.
    public struct Request: Sendable {
        public var folder: String
        public var customer: String
        public var charge: String?
        /// The folder the inputs' display names are relative to (the folder `rate` ran in).
        public var inputsRoot: String
        public var catalogPath: String?

        public init(
            folder: String, customer: String, charge: String? = nil, inputsRoot: String = ".",
            catalogPath: String? = nil
        ) {
            self.folder = folder
            self.customer = customer
            self.charge = charge
            self.inputsRoot = inputsRoot
            self.catalogPath = catalogPath
        }
    }

    /// Events of the customer counted from one input source (a file or an archive member).
    public struct Contribution: Sendable {
        public let source: String
        /// Per meter: events and the sum of their quantities (billionths).
        public var meters: [String: (events: Int, quantityNanos: Int128)] = [:]
    }

    /// A line of the run's files, as text, with where it is.
    public struct Located: Sendable {
        public let location: String
        public let text: String
    }

    /// Everything `explain` found.
    public struct Report: Sendable {
        public let request: Request
        public let periodText: String?
        public let contributions: [Contribution]
        public let duplicates: [Located]
        public let outOfPeriod: Int
        public let rejects: [Located]
        public let usage: [String]
        public let pricing: [String]
        /// Lines set aside by a resolution (SPEC §13.4), and the first copies that bill a
        /// replacement event from the resolutions file (not counted above: their content is
        /// not the input line's); both nil when the run had no resolutions.
        public var superseded: [Located]? = nil
        public var replaced: [Located]? = nil
    }

    /// Explains `request`. Throws `RunReadError` when the run or an input cannot be read, or
    /// an input or the catalog is not the one the run read.
    public static func run(_ request: Request) throws(RunReadError) -> Report {
        let folder = request.folder
        let manifest: Manifest
        do {
            manifest = try Manifest.decode(try bytes(folder, ManifestSeal.manifestName))
        } catch let error as RunReadError {
            throw error
        } catch {
            throw RunReadError("\(RatedFolder.file(folder, "manifest.json")): \(error)")
        }
        guard manifest.stage == "rate" else {
            throw RunReadError("\(folder): not a rate output folder (stage \(manifest.stage))")
        }
        // The run's lines for the customer.
        var usage: [String] = []
        var period: (start: String, end: String)?
        var plans: Set<String> = []
        for object in try objects(folder, "usage.ndjson") where matches(object, request) {
            period = period ?? periodOf(object)
            plans.insert(text(object["plan"]))
            usage.append(
                "\(describe(object)): \(text(object["events"])) events → quantity "
                    + text(object["quantity"]))
        }
        var pricing: [String] = []
        for object in try objects(folder, "rated.ndjson") where matches(object, request) {
            period = period ?? periodOf(object)
            plans.insert(text(object["plan"]))
            pricing.append(rated(object))
        }
        // With the catalog, the charge's meters: only their events are counted below.
        var meters: Set<String>?
        if let path = request.catalogPath {
            let (steps, used) = try chargeSteps(
                path, manifest: manifest, request: request, plans: plans)
            pricing += steps
            if request.charge != nil { meters = used }
        }
        // Rejects of the customer, by location (their raw line names the customer).
        var rejects: [Located] = []
        var rejected: Set<String> = []
        for object in try objects(folder, "rejects.ndjson") {
            guard case .string(let raw)? = object["raw"],
                case .string(let customer)? = (try? JSONValue.parse(raw))?["customer"],
                customer == request.customer
            else { continue }
            let location = locationOf(object)
            rejected.insert(location)
            rejects.append(
                Located(
                    location: location,
                    text: "\(text(object["reason"])): \(text(object["detail"]))"))
        }
        // The inputs again: contributions, duplicates, events outside the period.
        let bounds = period.flatMap { period in
            RFC3339.parse(period.start).flatMap { start in
                RFC3339.parse(period.end).map { (start, $0) }
            }
        }
        // The run's resolutions of this customer: lines set aside, ids billed as replaced.
        var supersededAt: [String: String] = [:]
        var replacedIDs: Set<String> = []
        for entry in manifest.resolutions?.applied ?? [] where entry.customer == request.customer {
            for place in entry.superseded {
                let name = place.member.map { "\(place.file)!\($0)" } ?? place.file
                supersededAt["\(name):\(place.line)"] = "id \(entry.id), \(entry.action)"
                    + (entry.reason.map { " (\($0))" } ?? "")
            }
            if entry.action == "replace" { replacedIDs.insert(entry.id) }
        }
        var superseded: [Located] = []
        var replaced: [Located] = []
        var contributions: [Contribution] = []
        var duplicates: [Located] = []
        var outOfPeriod = 0
        var seen: [String: String] = [:]
        let parser = EventLineParser()
        let files = manifest.inputs.map {
            InputFile(
                displayName: $0.displayName,
                path: RatedFolder.file(request.inputsRoot, $0.displayName))
        }
        var source = ""
        let summaries: [InputSummary]
        do {
            summaries = try InputReader(limits: InputLimits()).read(
                files, onFile: { _ in },
                onSource: { name in
                    source = name
                    contributions.append(Contribution(source: name))
                },
                onLine: { line in
                    let location = "\(source):\(line.number)"
                    guard !line.isTooLong, !rejected.contains(location),
                        case .event(let event) = parser.parse(line.bytes),
                        event.customer == request.customer,
                        meters?.contains(event.meter) ?? true
                    else { return }
                    if let why = supersededAt[location] {
                        superseded.append(Located(location: location, text: why))
                        return
                    }
                    if replacedIDs.contains(event.id) {
                        replaced.append(
                            Located(
                                location: location,
                                text: "id \(event.id), billed as the resolutions file's event"))
                        return
                    }
                    if let first = seen[event.id] {
                        duplicates.append(
                            Located(location: location, text: "id \(event.id), first at \(first)"))
                        return
                    }
                    seen[event.id] = location
                    if let (start, end) = bounds, event.instant < start || !(event.instant < end) {
                        outOfPeriod += 1
                        return
                    }
                    let sum = contributions[contributions.count - 1].meters[event.meter]
                    contributions[contributions.count - 1].meters[event.meter] = (
                        (sum?.events ?? 0) + 1,
                        (sum?.quantityNanos ?? 0) + (event.quantityNanos ?? 0)
                    )
                })
        } catch {
            throw RunReadError(
                "\(error); give --inputs-root, the folder rate ran in, so the inputs' names "
                    + "resolve")
        }
        for (summary, recorded) in zip(summaries, manifest.inputs)
        where summary.sha256 != recorded.sha256 {
            throw RunReadError(
                "\(RatedFolder.file(request.inputsRoot, recorded.displayName)): not the input "
                    + "the run read (SHA-256 \(summary.sha256), the manifest records "
                    + "\(recorded.sha256))")
        }
        var report = Report(
            request: request, periodText: period.map { "\($0.start) – \($0.end)" },
            contributions: contributions.filter { !$0.meters.isEmpty }, duplicates: duplicates,
            outOfPeriod: outOfPeriod, rejects: rejects, usage: usage, pricing: pricing)
        if manifest.resolutions != nil {
            report.superseded = superseded
            report.replaced = replaced
        }
        return report
    }

    static func bytes(_ folder: String, _ name: String) throws(RunReadError) -> [UInt8] {
        do {
            return try ConfigFile.readBytes(
                path: RatedFolder.file(folder, name), bytesMax: Int.max / 2)
        } catch {
            throw RunReadError("\(error)")
        }
    }

    static func objects(_ folder: String, _ name: String) throws(RunReadError) -> [JSONValue] {
        var result: [JSONValue] = []
        for (index, line) in try bytes(folder, name).split(separator: 0x0A).enumerated() {
            do {
                result.append(try Array(line).withUnsafeBytes { try JSONValue.parse($0) })
            } catch {
                throw RunReadError("\(RatedFolder.file(folder, name)):\(index + 1): \(error)")
            }
        }
        return result
    }

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: return text
        case .number(let text)?: return text
        default: return ""
        }
    }

    static func matches(_ object: JSONValue, _ request: Request) -> Bool {
        text(object["customer"]) == request.customer
            && (request.charge == nil || text(object["charge"]) == request.charge)
    }

    static func periodOf(_ object: JSONValue) -> (String, String)? {
        let start = text(object["period"]?["start"])
        let end = text(object["period"]?["end"])
        return start.isEmpty || end.isEmpty ? nil : (start, end)
    }

    static func locationOf(_ object: JSONValue) -> String {
        let member = text(object["member"])
        return text(object["file"]) + (member.isEmpty ? "" : "!\(member)") + ":"
            + text(object["line"])
    }

    /// `charge (plan) {group}` of a usage or rated line.
    static func describe(_ object: JSONValue) -> String {
        var groups: [String] = []
        if case .object(let members)? = object["group"] {
            groups = members.map { "\($0.0)=\(text($0.1))" }
        }
        return "\(text(object["charge"])) (\(text(object["plan"])))"
            + (groups.isEmpty ? "" : " {\(groups.joined(separator: ","))}")
    }

    /// A rated line's steps: the quantity, each tier row, the exact and rounded amounts.
    static func rated(_ object: JSONValue) -> String {
        var rows: [String] = []
        if case .array(let tiers)? = object["tiers"] {
            for tier in tiers {
                if tier["adjustment"] != nil {
                    // A percentage line's per-event bound (SPEC §13.2): no unit price.
                    let events = text(tier["quantity"])
                    rows.append(
                        "\(text(tier["adjustment"])) (\(events) event\(events == "1" ? "" : "s"))"
                            + " = " + text(tier["amount"]))
                    continue
                }
                if tier["markup"] != nil {
                    // A dynamic line's one row (SPEC §13.1): the events, the sum of their
                    // amounts, the markup; the line's exact amount is their product.
                    let events = text(tier["quantity"])
                    rows.append(
                        "\(events) event\(events == "1" ? "" : "s") carrying "
                            + "\(text(tier["amount"])) × markup \(text(tier["markup"]))")
                    continue
                }
                var row = "\(text(tier["quantity"])) × \(text(tier["unit_price"]))"
                if tier["blocks"] != nil {
                    // A block-priced tier (§13.6): the units, the whole blocks billed, their
                    // price: `2500 in 3 blocks of 1000 × 5`.
                    row = "\(text(tier["quantity"])) in \(text(tier["blocks"])) blocks of "
                        + "\(text(tier["block_size"])) × \(text(tier["block_price"]))"
                }
                if tier["flat_price"] != nil { row += " + flat \(text(tier["flat_price"]))" }
                rows.append(row + " = \(text(tier["amount"]))")
            }
        }
        return "\(describe(object)) \(text(object["kind"])): quantity \(text(object["quantity"]))"
            + (rows.isEmpty ? "" : "; " + rows.joined(separator: "; "))
            + "; exact \(text(object["amount_exact"])) → \(text(object["amount"])) "
            + text(object["currency"])
    }

    /// The catalog's rule for each usage charge of the customer's plans (`plans`): meter,
    /// aggregation, filter, free units, divide and round, per-line minimum and maximum; and
    /// the meters those charges read.
    static func chargeSteps(
        _ path: String, manifest: Manifest, request: Request, plans: Set<String>
    ) throws(RunReadError) -> ([String], Set<String>) {
        let file: ConfigFile
        let catalog: Catalog
        do {
            file = try ConfigFile(path: path, bytesMax: ConfigLimits().fileBytesMax)
            catalog = try CatalogLoader.load(
                text: file.text, file: file.name,
                folder: CatalogLoader.folder(ofCatalogPath: path))
        } catch {
            throw RunReadError("\(error)")
        }
        guard manifest.configuration.first(where: { $0.0 == "catalog" })?.1.sha256 == file.sha256
        else {
            throw RunReadError(
                "--catalog \(path) is not the catalog the run was rated with (SHA-256 "
                    + "\(file.sha256))")
        }
        var steps: [String] = []
        var meters: Set<String> = []
        for plan in catalog.plans.keys.sorted() where plans.contains(plan) {
            for charge in catalog.plans[plan]!.charges {
                guard case .usage(let usage) = charge,
                    request.charge == nil || usage.key == request.charge
                else { continue }
                let meter = catalog.meters[usage.meter]
                meters.insert(usage.meter)
                var parts = [
                    "meter \(usage.meter) (\(meter?.aggregation.rawValue ?? "?"))"
                ]
                if !usage.filter.isEmpty {
                    parts.append(
                        "filter "
                            + usage.filter.map {
                                "\($0.dimension) in \($0.values.sorted().joined(separator: "|"))"
                            }.joined(separator: ", "))
                }
                if !usage.groupBy.isEmpty {
                    parts.append("grouped by \(usage.groupBy.joined(separator: ", "))")
                }
                if let free = usage.freeQuantity { parts.append("first \(free) free") }
                if let divide = usage.divideBy {
                    parts.append("divided by \(divide), rounded \(usage.roundQuantity.rawValue)")
                }
                if usage.flatPriceAtZero { parts.append("first tier's flat price at zero") }
                if let minimum = usage.minimum { parts.append("line minimum \(minimum)") }
                if let maximum = usage.maximum { parts.append("line maximum \(maximum)") }
                steps.append("catalog \(usage.key) (\(plan)): " + parts.joined(separator: "; "))
            }
        }
        return (steps, meters)
    }
}

extension Explain.Report {
    /// The report for people: the lines, where their events came from, what was left out.
    public func text() -> String {
        var out = [
            "rate explain \(request.customer)"
                + (request.charge.map { " --charge \($0)" } ?? "") + " in \(request.folder)"
                + (periodText.map { " (period \($0))" } ?? "")
        ]
        out.append("usage:")
        out += usage.isEmpty ? ["  (no usage line)"] : usage.map { "  " + $0 }
        out.append("pricing:")
        out += pricing.isEmpty ? ["  (no rated line)"] : pricing.map { "  " + $0 }
        out.append("events counted, by input:")
        for contribution in contributions {
            let meters = contribution.meters.keys.sorted().map { meter in
                let sum = contribution.meters[meter]!
                let quantity = DecimalText.format(
                    significand: sum.quantityNanos, scale: 9, minimumScale: 0)
                let events = "\(sum.events) event" + (sum.events == 1 ? "" : "s")
                return "\(meter) \(events), quantity \(quantity)"
            }
            out.append("  \(contribution.source): " + meters.joined(separator: "; "))
        }
        if contributions.isEmpty { out.append("  (none)") }
        out.append("duplicates: \(duplicates.count)")
        out += duplicates.map { "  \($0.location): \($0.text)" }
        if let superseded {
            out.append("superseded: \(superseded.count)")
            out += superseded.map { "  \($0.location): \($0.text)" }
        }
        if let replaced {
            out.append("replaced: \(replaced.count)")
            out += replaced.map { "  \($0.location): \($0.text)" }
        }
        out.append("out of period: \(outOfPeriod)")
        out.append("rejected: \(rejects.count)")
        out += rejects.map { "  \($0.location): \($0.text)" }
        return out.joined(separator: "\n") + "\n"
    }
}
