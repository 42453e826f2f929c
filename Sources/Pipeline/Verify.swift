import Formats
import Foundation
import Pricing

/// `rate verify DIR` and `invoice verify DIR`: whether an output folder is exactly what its run
/// wrote. Every output the manifest lists is hashed again, the manifest is checked against its
/// seal and against the bytes Ratebook writes for it, no file is missing or added, the counts
/// add up, and, given the folder a run builds on, the chain link holds.
public enum Verify {
    /// What `verify` found: nothing (intact) or every problem, each naming its file.
    public struct Report: Sendable {
        /// The folder as given.
        public let folder: String
        /// One line per problem, in a stable order; empty when the folder is intact.
        public let problems: [String]
        /// The one line printed when the folder is intact.
        public let summary: String

        /// Whether nothing differs.
        public var isIntact: Bool { problems.isEmpty }
    }

    /// Checks the output folder of `stage` (`rate` or `invoice`) at `folder`; `buildsOn`, when
    /// given, is the folder whose manifest this one's `builds_on` must name.
    public static func check(folder: String, stage: String, buildsOn: String? = nil) -> Report {
        var problems: [String] = []
        func path(_ name: String) -> String { RatedFolder.file(folder, name) }
        let manifestPath = path(ManifestSeal.manifestName)
        guard let manifestBytes = readWhole(manifestPath, problems: &problems) else {
            return Report(folder: folder, problems: problems, summary: "")
        }
        let manifestDigest = SHA256.hash(manifestBytes)
        checkSeal(folder: folder, manifestDigest: manifestDigest, problems: &problems)
        let manifest: Manifest
        do {
            manifest = try Manifest.decode(manifestBytes)
        } catch {
            problems.append("\(manifestPath): \(error)")
            return Report(folder: folder, problems: problems, summary: "")
        }
        // `invoice verify` also checks a period of the issued store (SPEC §9).
        let documentStage = manifest.stage == "invoice" || manifest.stage == IssuedStore.stage
        if manifest.stage != stage, !(stage == "invoice" && manifest.stage == IssuedStore.stage) {
            problems.append(
                "\(manifestPath): written by \(manifest.stage), not by \(stage): use "
                    + "`\(manifest.stage) verify`")
        }
        if manifest.bytes() != manifestBytes {
            problems.append(
                "\(manifestPath): its bytes are not the ones Ratebook writes for its content: "
                    + "it was edited after the run")
        }
        // Outputs: each listed file hashed again; anything else in the folder is unexpected.
        // An invoice document is read once: hashed, then checked to add up (its problems are
        // listed after the folder's).
        var sums = InvoiceSums()
        var documentProblems: [String] = []
        for (name, recorded) in manifest.outputs {
            let actual: String
            let invoiceDocument = name.hasPrefix("invoices/")
            if documentStage, invoiceDocument || name.hasPrefix("corrections/"),
                name.hasSuffix(".json")
            {
                guard let bytes = try? ConfigFile.readBytes(path: path(name), bytesMax: 1 << 30)
                else {
                    problems.append("\(path(name)): missing (the manifest lists it)")
                    continue
                }
                actual = SHA256.hash(bytes)
                if invoiceDocument {
                    sums.add(bytes, path: path(name), problems: &documentProblems)
                } else {
                    sums.addCorrection(bytes, path: path(name), problems: &documentProblems)
                }
            } else {
                guard let hashed = hashFile(path(name), problems: &problems) else { continue }
                actual = hashed
            }
            if actual != recorded {
                problems.append(
                    "\(path(name)): SHA-256 \(actual) differs from \(recorded) recorded in the "
                        + "manifest")
            }
        }
        for name in manifest.unlistedFiles(in: folder) {
            problems.append("\(path(name)): not listed in the manifest")
        }
        checkCounts(manifest, folder: folder, problems: &problems)
        if documentStage { problems += documentProblems }
        if manifest.stage == "invoice" { sums.check(manifest, folder: folder, problems: &problems) }
        let link = checkLink(manifest, buildsOn: buildsOn, problems: &problems)
        let summary =
            "\(folder): intact: \(manifest.stage) manifest \(manifestDigest.prefix(12)), "
            + "\(manifest.outputs.count) output\(manifest.outputs.count == 1 ? "" : "s") hashed"
            + (manifest.counts.map { ", \($0.lines) lines add up" } ?? "") + link
        return Report(folder: folder, problems: problems, summary: summary)
    }

    /// The seal beside the manifest must hold the manifest's digest.
    static func checkSeal(folder: String, manifestDigest: String, problems: inout [String]) {
        let sealPath = RatedFolder.file(folder, ManifestSeal.fileName)
        guard let seal = readWhole(sealPath, problems: &problems) else { return }
        guard let sealed = ManifestSeal.digest(in: seal) else {
            problems.append(
                "\(sealPath): not a seal (`<sha256>  manifest.json` and a line end)")
            return
        }
        if sealed != manifestDigest {
            problems.append(
                "\(RatedFolder.file(folder, ManifestSeal.manifestName)): SHA-256 "
                    + "\(manifestDigest) differs from \(sealed) sealed in \(sealPath)")
        }
    }

    /// The counts of a `rate` manifest add up (SPEC §8.1 as §13.4 extends it), the rejects file
    /// holds one line per rejected line, and the resolutions applied list exactly the
    /// superseded lines; an `invoice` manifest lists one JSON document per invoice it counts.
    static func checkCounts(_ manifest: Manifest, folder: String, problems: inout [String]) {
        let manifestPath = RatedFolder.file(folder, ManifestSeal.manifestName)
        if let counts = manifest.counts {
            if !counts.addsUp {
                problems.append(
                    "\(manifestPath): counts do not add up: lines \(counts.lines) ≠ blank "
                        + "\(counts.blank) + accepted \(counts.accepted) + duplicates "
                        + "\(counts.duplicates) + superseded \(counts.superseded) + rejected "
                        + "\(counts.rejectedTotal)")
            }
            // Every superseded line is named by the resolution that set it aside.
            let listed = (manifest.resolutions?.applied ?? []).reduce(0) {
                $0 + Int64($1.superseded.count)
            }
            if listed != counts.superseded {
                problems.append(
                    "\(manifestPath): counts.superseded is \(counts.superseded), but the "
                        + "applied resolutions list \(listed) superseded lines")
            }
            if counts.outOfPeriod > counts.accepted {
                problems.append(
                    "\(manifestPath): out_of_period \(counts.outOfPeriod) exceeds accepted "
                        + "\(counts.accepted)")
            }
            let rejects = "rejects.ndjson"
            if manifest.outputs.contains(where: { $0.0 == rejects }),
                let lines = countLines(RatedFolder.file(folder, rejects)),
                lines != counts.rejectedTotal
            {
                problems.append(
                    "\(RatedFolder.file(folder, rejects)): \(lines) lines, but the manifest "
                        + "counts \(counts.rejectedTotal) rejected")
            }
        }
        for kind in ["invoices", "corrections"] {
            guard let counted = manifest.totals.first(where: { $0.0 == kind })?.1 else {
                continue
            }
            let documents = manifest.outputs.filter {
                $0.0.hasPrefix(kind + "/") && $0.0.hasSuffix(".json")
            }.count
            if Int(counted) != documents {
                let what = kind == "invoices" ? "invoice" : "correction"
                problems.append(
                    "\(manifestPath): totals.\(kind) is \(counted), but \(documents) \(what) "
                        + "documents are listed")
            }
        }
    }

    /// The `builds_on` link, checked against `buildsOn`'s manifest when that folder is given.
    /// Returns the words the summary line adds.
    static func checkLink(
        _ manifest: Manifest, buildsOn: String?, problems: inout [String]
    ) -> String {
        guard let link = manifest.buildsOn else {
            if let buildsOn {
                problems.append(
                    "the manifest builds on no other run, so it cannot link to \(buildsOn)")
            }
            return ""
        }
        guard let buildsOn else {
            return "; builds on \(link.stage) manifest \(link.manifestSHA256.prefix(12))"
        }
        let otherPath = RatedFolder.file(buildsOn, ManifestSeal.manifestName)
        guard let other = readWhole(otherPath, problems: &problems) else { return "" }
        let digest = SHA256.hash(other)
        if digest != link.manifestSHA256 {
            problems.append(
                "\(otherPath): SHA-256 \(digest) is not the \(link.stage) manifest "
                    + "\(link.manifestSHA256) this run builds on")
        }
        return "; builds on \(otherPath), linked"
    }

    /// A small file's bytes, or nil with a problem noted.
    static func readWhole(_ path: String, problems: inout [String]) -> [UInt8]? {
        do {
            return try ConfigFile.readBytes(path: path, bytesMax: 1 << 30)
        } catch {
            problems.append("\(error)")
            return nil
        }
    }

    /// The SHA-256 of a file of any size, read in blocks; nil with a problem noted when it
    /// cannot be read.
    static func hashFile(_ path: String, problems: inout [String]) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            problems.append("\(path): missing (the manifest lists it)")
            return nil
        }
        defer { try? handle.close() }
        var digest = SHA256()
        do {
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
                block.withUnsafeBytes { digest.update($0) }
            }
        } catch {
            problems.append("\(path): cannot be read: \(error)")
            return nil
        }
        return SHA256.hex(digest.finalize())
    }

    /// The number of line ends in a file, or nil when it cannot be read (hashing reports it).
    static func countLines(_ path: String) -> Int64? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var lines: Int64 = 0
        while let block = try? handle.read(upToCount: 1 << 20), !block.isEmpty {
            for byte in block where byte == 0x0A { lines += 1 }
        }
        return lines
    }
}

/// The invoice documents of a folder, checked one by one as they are read (each adds up: its
/// lines to the subtotal; subtotal, discounts and tax to the total; total less credits to the
/// amount due) and summed per currency, so the manifest's totals can be checked against them.
struct InvoiceSums {
    static let kinds = ["total", "credits_applied", "amount_due"]
    var sums: [String: [String: Rational]] = [:]
    /// The correction documents' totals per currency.
    var corrections: [String: Rational] = [:]

    /// Checks one document's bytes and adds its figures.
    mutating func add(_ bytes: [UInt8], path: String, problems: inout [String]) {
        guard let document = try? InvoiceDocument.decode(bytes) else {
            problems.append("\(path): not an invoice document")
            return
        }
        do {
            var lines = Rational.zero
            for (_, figures) in document.lines { lines = try lines + figures.amount }
            func figure(_ key: String) -> Rational { document.figure(key) ?? .zero }
            let total = try figure("subtotal") + figure("discounts") + figure("tax")
            let due = try figure("total") - figure("credits_applied")
            if lines != figure("subtotal") || total != figure("total")
                || due != figure("amount_due")
            {
                problems.append(
                    "\(path): its figures do not add up (lines \(lines), subtotal "
                        + "\(figure("subtotal")), total \(figure("total")), amount due "
                        + "\(figure("amount_due")))")
            }
            for kind in Self.kinds {
                sums[document.currency, default: [:]][kind] =
                    try (sums[document.currency]?[kind] ?? .zero) + figure(kind)
            }
        } catch {
            problems.append("\(path): a sum out of range")
        }
    }

    /// Checks one correction document's bytes (its line differences sum to its subtotal; the
    /// subtotal, discounts and tax to its total) and adds its total.
    mutating func addCorrection(_ bytes: [UInt8], path: String, problems: inout [String]) {
        guard let document = try? CorrectionDocument.decode(bytes) else {
            problems.append("\(path): not a correction document")
            return
        }
        let draft = document.draft
        do {
            var lines = Rational.zero
            for line in draft.lines { lines = try lines + line.amountDelta }
            let total = try draft.subtotal + draft.discounts + draft.tax
            if lines != draft.subtotal || total != draft.total {
                problems.append(
                    "\(path): its figures do not add up (lines \(lines), subtotal "
                        + "\(draft.subtotal), total \(draft.total))")
            }
            corrections[document.currency] = try (corrections[document.currency] ?? .zero)
                + draft.total
        } catch {
            problems.append("\(path): a sum out of range")
        }
    }

    /// The manifest's `total_*`, `credits_applied_*` and `amount_due_*` are the documents' sums,
    /// currency by currency, and name no other currency; so are its `corrections_total_*`.
    func check(_ manifest: Manifest, folder: String, problems: inout [String]) {
        let manifestPath = RatedFolder.file(folder, ManifestSeal.manifestName)
        for (currency, sum) in corrections.sorted(by: { $0.key < $1.key }) {
            let name = "corrections_total_\(currency)"
            let recorded = manifest.totals.first { $0.0 == name }?.1
            if recorded.flatMap(DecimalText.exact) != sum {
                problems.append(
                    "\(manifestPath): totals.\(name) is \(recorded ?? "missing"), but the "
                        + "correction documents sum to \(sum)")
            }
        }
        checkDocuments(manifest, folder: folder, problems: &problems)
    }

    func checkDocuments(_ manifest: Manifest, folder: String, problems: inout [String]) {
        let manifestPath = RatedFolder.file(folder, ManifestSeal.manifestName)
        var recorded: [String: String] = [:]
        for (name, value) in manifest.totals
        where Self.kinds.contains(where: { name.hasPrefix($0 + "_") }) {
            recorded[name] = value
        }
        var expected: Set<String> = []
        for currency in sums.keys.sorted() {
            let byKind = sums[currency] ?? [:]
            for kind in Self.kinds {
                let name = "\(kind)_\(currency)"
                expected.insert(name)
                let value = byKind[kind] ?? .zero
                if recorded[name].flatMap(DecimalText.exact) != value {
                    problems.append(
                        "\(manifestPath): totals.\(name) is \(recorded[name] ?? "missing"), but "
                            + "the invoice documents sum to \(value)")
                }
            }
        }
        for name in recorded.keys.sorted() where !expected.contains(name) {
            problems.append(
                "\(manifestPath): totals.\(name) names a currency no invoice document bills in")
        }
    }
}
