import Formats
import Foundation
import Pricing

/// `rate diff RUN_A RUN_B` and `invoice diff RUN_A RUN_B`: what changed between two runs of a
/// stage and why. Why: which configuration files and inputs differ (their SHA-256 in the two
/// manifests), which counts moved. What: customer by customer, line by line, the quantities and
/// amounts that moved and by how much, and for invoices every document figure that moved.
/// Two runs over the same events with different catalogs are a price backtest.
public enum Diff {
    /// A file of the runs' manifests that differs: its role (`catalog`, `inputs`…), its name,
    /// and its SHA-256 in each run (nil where absent).
    public struct FileChange: Sendable {
        public let role: String
        public let name: String
        public let before: String?
        public let after: String?
    }

    /// A named figure (a count, or an invoice figure) that moved.
    public struct FigureChange: Sendable {
        public let name: String
        public let before: Rational
        public let after: Rational
        /// after − before.
        public let delta: Rational

        init(name: String, before: Rational, after: Rational) throws(RunReadError) {
            self.name = name
            self.before = before
            self.after = after
            do {
                self.delta = try after - before
            } catch {
                throw RunReadError("\(name): a difference out of range")
            }
        }
    }

    /// One customer whose result differs.
    public struct CustomerChange: Sendable {
        public let customer: String
        /// The invoice numbers in each run (invoice diff; nil where the customer has none).
        public let before: String?
        public let after: String?
        public let currency: String
        /// The digits after the decimal point of the customer's amounts (minor units).
        public let amountScale: Int
        public let lines: [LineChange]
        /// The invoice figures that moved (invoice diff), in document order.
        public let figures: [FigureChange]
        /// The change of the customer's total: invoice `total`, or for rate the sum of the
        /// rated amounts.
        public let totalDelta: Rational
    }

    /// Everything `diff` found.
    public struct Report: Sendable {
        public let stage: String
        public let before: String
        public let after: String
        /// Whether every output of the two runs has the same bytes.
        public let identical: Bool
        public let options: [FigureChangeText]
        public let files: [FileChange]
        public let counts: [FigureChange]
        public let customers: [CustomerChange]
        /// Customers compared (present in either run).
        public let customersCompared: Int
        /// Total delta per currency code, codes sorted.
        public let totals: [(String, Rational)]
    }

    /// An option that differs, as text.
    public struct FigureChangeText: Sendable {
        public let name: String
        public let before: String?
        public let after: String?
    }

    /// Compares two output folders of `stage`. Throws `RunReadError` when a folder cannot be read
    /// as such a run (its manifest, or a listed document).
    public static func compare(
        stage: String, before: String, after: String
    ) throws(RunReadError) -> Report {
        let a = try RunFolder.read(before, stage: stage)
        let b = try RunFolder.read(after, stage: stage)
        let identical =
            a.manifest.outputs.map { $0.0 } == b.manifest.outputs.map { $0.0 }
            && a.manifest.outputs.map { $0.1 } == b.manifest.outputs.map { $0.1 }
        var customers: [CustomerChange] = []
        do {
            customers = try stage == "invoice" ? invoiceChanges(a, b) : ratedChanges(a, b)
        } catch let error as RunReadError {
            throw error
        } catch {
            throw RunReadError("\(before) and \(after): \(error)")
        }
        var totals: [String: Rational] = [:]
        for change in customers {
            totals[change.currency] = try sum(totals[change.currency] ?? .zero, change.totalDelta)
        }
        return Report(
            stage: stage, before: before, after: after, identical: identical,
            options: optionChanges(a.manifest, b.manifest),
            files: fileChanges(a.manifest, b.manifest),
            counts: try countChanges(a.manifest.counts, b.manifest.counts),
            customers: customers,
            customersCompared: Set(a.customers).union(b.customers).count,
            totals: totals.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
    }

    static func sum(_ left: Rational, _ right: Rational) throws(RunReadError) -> Rational {
        do { return try left + right } catch { throw RunReadError("a total out of range") }
    }

    static func optionChanges(_ a: Manifest, _ b: Manifest) -> [FigureChangeText] {
        var names: [String] = a.options.map { $0.0 }
        for (name, _) in b.options where !names.contains(name) { names.append(name) }
        return names.compactMap { name in
            let left = a.options.first { $0.0 == name }?.1
            let right = b.options.first { $0.0 == name }?.1
            return left == right ? nil : FigureChangeText(name: name, before: left, after: right)
        }
    }

    /// Configuration files by role, the resolutions file, then inputs by name, then the run
    /// built on.
    static func fileChanges(_ a: Manifest, _ b: Manifest) -> [FileChange] {
        var changes: [FileChange] = []
        var roles = a.configuration.map { $0.0 }
        for (role, _) in b.configuration where !roles.contains(role) { roles.append(role) }
        for role in roles {
            let left = a.configuration.first { $0.0 == role }?.1
            let right = b.configuration.first { $0.0 == role }?.1
            if left?.sha256 != right?.sha256 {
                changes.append(
                    FileChange(
                        role: role, name: right?.name ?? left?.name ?? role,
                        before: left?.sha256, after: right?.sha256))
            }
        }
        // The resolutions file (SPEC §13.4) decides which copies bill: a reason as much as a
        // configuration file.
        let leftResolutions = a.resolutions?.file
        let rightResolutions = b.resolutions?.file
        if leftResolutions?.sha256 != rightResolutions?.sha256 {
            changes.append(
                FileChange(
                    role: "resolutions",
                    name: rightResolutions?.name ?? leftResolutions?.name ?? "resolutions",
                    before: leftResolutions?.sha256, after: rightResolutions?.sha256))
        }
        let leftInputs = Dictionary(
            a.inputs.map { ($0.displayName, $0.sha256) }, uniquingKeysWith: { x, _ in x })
        let rightInputs = Dictionary(
            b.inputs.map { ($0.displayName, $0.sha256) }, uniquingKeysWith: { x, _ in x })
        for name in Set(leftInputs.keys).union(rightInputs.keys).sorted(by: bytewise)
        where leftInputs[name] != rightInputs[name] {
            changes.append(
                FileChange(
                    role: "input", name: name, before: leftInputs[name], after: rightInputs[name]))
        }
        if a.buildsOn != b.buildsOn {
            changes.append(
                FileChange(
                    role: "builds_on",
                    name: "\(b.buildsOn?.stage ?? a.buildsOn?.stage ?? "") "
                        + "manifest", before: a.buildsOn?.manifestSHA256,
                    after: b.buildsOn?.manifestSHA256))
        }
        return changes
    }

    static func bytewise(_ left: String, _ right: String) -> Bool {
        left.utf8.lexicographicallyPrecedes(right.utf8)
    }

    static func countChanges(
        _ a: LineCounts?, _ b: LineCounts?
    ) throws(RunReadError) -> [FigureChange] {
        guard let a, let b else { return [] }
        var pairs: [(String, Int64, Int64)] = [
            ("lines", a.lines, b.lines), ("blank", a.blank, b.blank),
            ("accepted", a.accepted, b.accepted), ("duplicates", a.duplicates, b.duplicates),
            ("superseded", a.superseded, b.superseded),
            ("out_of_period", a.outOfPeriod, b.outOfPeriod), ("billed", a.billed, b.billed),
        ]
        for reason in RejectReason.allCases.sorted() {
            pairs.append(
                ("rejected.\(reason.rawValue)", a.rejected[reason] ?? 0, b.rejected[reason] ?? 0))
        }
        var changes: [FigureChange] = []
        for (name, before, after) in pairs where before != after {
            changes.append(
                try FigureChange(
                    name: name, before: Rational(Int128(before)), after: Rational(Int128(after))))
        }
        return changes
    }

    static func invoiceChanges(_ a: RunFolder, _ b: RunFolder) throws -> [CustomerChange] {
        var changes: [CustomerChange] = []
        for customer in Set(a.documents.keys).union(b.documents.keys).sorted(by: bytewise) {
            let left = a.documents[customer]
            let right = b.documents[customer]
            let lines = try LineDifference.between(left?.lines ?? [], right?.lines ?? [])
            var figures: [FigureChange] = []
            for (name, value) in (right ?? left)!.figures {
                let before = left?.figure(name) ?? .zero
                let after = right == nil ? .zero : value
                figures.append(try FigureChange(name: name, before: before, after: after))
            }
            let currency = right?.currency ?? left!.currency
            guard left?.currency ?? currency == currency else {
                throw RunReadError(
                    "customer \(customer): billed in \(left!.currency), then in \(currency); "
                        + "amounts in two currencies are not compared")
            }
            guard
                !lines.isEmpty || figures.contains(where: { $0.before != $0.after })
                    || left?.number != right?.number
            else { continue }
            let totalDelta =
                try (right?.figure("total") ?? .zero) - (left?.figure("total") ?? .zero)
            changes.append(
                CustomerChange(
                    customer: customer, before: left?.number, after: right?.number,
                    currency: currency, amountScale: (right ?? left)!.amountScale, lines: lines,
                    figures: figures.filter { $0.before != $0.after }, totalDelta: totalDelta))
        }
        return changes
    }

    static func ratedChanges(_ a: RunFolder, _ b: RunFolder) throws -> [CustomerChange] {
        var changes: [CustomerChange] = []
        let left = Dictionary(grouping: a.rated, by: { $0.key.customer })
        let right = Dictionary(grouping: b.rated, by: { $0.key.customer })
        for customer in Set(left.keys).union(right.keys).sorted(by: bytewise) {
            let before = left[customer] ?? []
            let after = right[customer] ?? []
            let lines = try LineDifference.between(
                before.map { ($0.key, $0.figures) }, after.map { ($0.key, $0.figures) })
            guard !lines.isEmpty else { continue }
            let currencies = Set(before.map(\.currency) + after.map(\.currency))
            guard currencies.count == 1 else {
                throw RunReadError(
                    "customer \(customer): lines in \(currencies.sorted().joined(separator: ", "))"
                        + "; amounts in two currencies are not compared")
            }
            var delta = Rational.zero
            for line in lines { delta = try delta + line.amountDelta }
            changes.append(
                CustomerChange(
                    customer: customer, before: nil, after: nil, currency: currencies.first!,
                    amountScale: (after.first ?? before.first)!.amountScale, lines: lines,
                    figures: [], totalDelta: delta))
        }
        return changes
    }
}


/// An output folder read for `diff`: its manifest and the results it compares.
struct RunFolder {
    let manifest: Manifest
    /// Invoice documents by customer (invoice runs).
    var documents: [String: InvoiceDocument] = [:]
    /// Rated lines (rate runs).
    var rated: [RatedLinesFile.Line] = []

    /// The customers with a result in this run.
    var customers: [String] {
        documents.isEmpty ? rated.map { $0.key.customer } : Array(documents.keys)
    }

    static func read(_ folder: String, stage: String) throws(RunReadError) -> RunFolder {
        func bytes(_ name: String) throws(RunReadError) -> [UInt8] {
            do {
                return try ConfigFile.readBytes(
                    path: RatedFolder.file(folder, name), bytesMax: Int.max / 2)
            } catch {
                throw RunReadError("\(error)")
            }
        }
        let manifestPath = RatedFolder.file(folder, ManifestSeal.manifestName)
        let manifest: Manifest
        do {
            manifest = try Manifest.decode(try bytes(ManifestSeal.manifestName))
        } catch let error as RunReadError {
            throw error
        } catch {
            throw RunReadError("\(manifestPath): \(error)")
        }
        guard manifest.stage == stage else {
            throw RunReadError(
                "\(manifestPath): written by \(manifest.stage), not by \(stage): use "
                    + "`\(manifest.stage) diff`")
        }
        var run = RunFolder(manifest: manifest)
        // Corrections (SPEC §9) are added to their invoices after all are read, in number
        // order: a finalized period compares as what each customer is billed after them.
        var corrections: [CorrectionDocument] = []
        for (name, _) in manifest.outputs {
            if stage == "invoice", name.hasPrefix("corrections/"), name.hasSuffix(".json") {
                do {
                    corrections.append(try CorrectionDocument.decode(try bytes(name)))
                } catch let error as RunReadError {
                    throw error
                } catch {
                    throw RunReadError("\(RatedFolder.file(folder, name)): \(error)")
                }
                continue
            }
            if stage == "invoice", name.hasPrefix("invoices/"), name.hasSuffix(".json") {
                do {
                    let document = try InvoiceDocument.decode(try bytes(name))
                    run.documents[document.customer] = document
                } catch let error as RunReadError {
                    throw error
                } catch {
                    throw RunReadError("\(RatedFolder.file(folder, name)): \(error)")
                }
            } else if stage == "rate", name == "rated.ndjson" {
                do {
                    run.rated = try RatedLinesFile.decode(try bytes(name))
                } catch let error as RunReadError {
                    throw error
                } catch {
                    throw RunReadError("\(RatedFolder.file(folder, name)): \(error)")
                }
            }
        }
        for correction in corrections.sorted(by: { Diff.bytewise($0.number, $1.number) }) {
            guard let document = run.documents[correction.customer] else {
                throw RunReadError(
                    "\(folder): correction \(correction.number) corrects an invoice of "
                        + "\(correction.customer), which the folder does not hold")
            }
            do {
                run.documents[correction.customer] = try document.adding(correction)
            } catch {
                throw RunReadError("\(folder): correction \(correction.number): \(error)")
            }
        }
        return run
    }
}
