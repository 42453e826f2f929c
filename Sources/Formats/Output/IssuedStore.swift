import Foundation
import Pricing

/// One finalized period of the issued store (SPEC §9), as read back: the documents issued
/// for it, checked against the period's manifest and seal before anything is trusted.
public struct IssuedPeriod: Sendable {
    /// An issued invoice: its document and its exact bytes (kept as they are forever).
    public struct Invoice: Sendable {
        public let document: InvoiceDocument
        public let json: [UInt8]
        public let html: [UInt8]?
    }

    public let period: YearMonth
    /// The SHA-256 of the period's `manifest.json`: what the next finalizing run links to.
    public let manifestSHA256: String
    /// Issued invoices by customer id.
    public let invoices: [String: Invoice]
    /// Issued corrections in number order, with their exact bytes.
    public let corrections: [(document: CorrectionDocument, json: [UInt8], html: [UInt8]?)]
    /// Every file of the period folder but the manifest and its seal, by relative path.
    public let files: [String: [UInt8]]

    /// The largest invoice sequence number issued (`<period>-000042` → 42), 0 when none.
    public var lastInvoiceSequence: Int {
        invoices.values.compactMap { Int($0.document.number.split(separator: "-").last ?? "") }
            .max() ?? 0
    }

    /// The last sequence number of each correction kind (0 when none).
    public func lastSequence(_ kind: CorrectionKind) -> Int {
        corrections.filter { $0.document.draft.kind == kind }.compactMap {
            Int($0.document.number.split(separator: "-").last?.dropFirst() ?? "")
        }.max() ?? 0
    }
}

/// The issued store: a folder with one subfolder per finalized period holding the documents
/// issued for it, a manifest listing each with its SHA-256 and chaining to the previous
/// finalized manifest, and the manifest's seal. Finalizing never rewrites an issued document:
/// a period's folder is replaced whole by one holding the same bytes plus the new documents.
public enum IssuedStore {
    /// The manifest stage of a store period.
    public static let stage = "issued"

    /// The period's folder in `store`.
    public static func folder(_ store: String, _ period: YearMonth) -> String {
        RatedFolder.file(store, period.description)
    }

    /// Reads a finalized period, or nil when the store has none for it. Every listed file must
    /// hash to its recorded SHA-256, the seal must hold the manifest's, and no file may be
    /// unlisted: an issued store edited by hand is refused, naming the file.
    public static func read(
        store: String, period: YearMonth
    ) throws(IssuedStoreError) -> IssuedPeriod? {
        let root = folder(store, period)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder) else {
            return nil
        }
        guard isFolder.boolValue else { throw IssuedStoreError("\(root): not a folder") }
        func bytes(_ name: String) throws(IssuedStoreError) -> [UInt8] {
            do {
                return try ConfigFile.readBytes(
                    path: RatedFolder.file(root, name), bytesMax: Int.max / 2)
            } catch {
                throw IssuedStoreError("\(error)")
            }
        }
        let manifestBytes = try bytes(ManifestSeal.manifestName)
        let digest = SHA256.hash(manifestBytes)
        let manifestPath = RatedFolder.file(root, ManifestSeal.manifestName)
        guard ManifestSeal.digest(in: try bytes(ManifestSeal.fileName)) == digest else {
            throw IssuedStoreError(
                "\(manifestPath): does not match its seal \(ManifestSeal.fileName): the issued "
                    + "store was edited")
        }
        let manifest: Manifest
        do {
            manifest = try Manifest.decode(manifestBytes)
        } catch {
            throw IssuedStoreError("\(manifestPath): \(error)")
        }
        guard manifest.stage == stage,
            manifest.options.first(where: { $0.0 == "period" })?.1 == period.description
        else {
            throw IssuedStoreError("\(manifestPath): not the issued manifest of \(period)")
        }
        var files: [String: [UInt8]] = [:]
        for (name, recorded) in manifest.outputs {
            let content = try bytes(name)
            guard SHA256.hash(content) == recorded else {
                throw IssuedStoreError(
                    "\(RatedFolder.file(root, name)): SHA-256 differs from the one the issued "
                        + "manifest records: an issued document was edited")
            }
            files[name] = content
        }
        if let name = manifest.unlistedFiles(in: root).first {
            throw IssuedStoreError(
                "\(RatedFolder.file(root, name)): not listed in the issued manifest: the issued "
                    + "store was edited")
        }
        var invoices: [String: IssuedPeriod.Invoice] = [:]
        var corrections: [(CorrectionDocument, [UInt8], [UInt8]?)] = []
        for name in files.keys.sorted() where name.hasSuffix(".json") {
            let html = files[String(name.dropLast(5)) + ".html"]
            do {
                if name.hasPrefix("invoices/") {
                    let document = try InvoiceDocument.decode(files[name]!)
                    invoices[document.customer] = IssuedPeriod.Invoice(
                        document: document, json: files[name]!, html: html)
                } else if name.hasPrefix("corrections/") {
                    corrections.append(
                        (try CorrectionDocument.decode(files[name]!), files[name]!, html))
                }
            } catch {
                throw IssuedStoreError("\(RatedFolder.file(root, name)): \(error)")
            }
        }
        return IssuedPeriod(
            period: period, manifestSHA256: digest, invoices: invoices,
            corrections: corrections.sorted {
                $0.0.number.utf8.lexicographicallyPrecedes($1.0.number.utf8)
            }.map { (document: $0.0, json: $0.1, html: $0.2) }, files: files)
    }

    /// The newest finalized manifest of the store (the latest period's), which a period
    /// finalized for the first time links to; nil for an empty store.
    public static func latestManifest(store: String) -> ManifestLink? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: store)) ?? []
        for name in names.sorted(by: >) where YearMonth(name) != nil {
            let path = RatedFolder.file(RatedFolder.file(store, name), ManifestSeal.manifestName)
            if let bytes = try? ConfigFile.readBytes(path: path, bytesMax: 1 << 30) {
                return ManifestLink(stage: stage, manifestSHA256: SHA256.hash(bytes))
            }
        }
        return nil
    }

    /// Finalizes `period`: writes its folder whole (through `OutputFolder`, so it appears
    /// atomically and a crash leaves the previous one) holding every file already issued, byte
    /// for byte, plus `additions`. An addition may not replace an issued file. The manifest
    /// links to the period's previous manifest, or else to the store's newest, and records the
    /// SHA-256 of the run's manifest that issued the additions. Returns the new manifest's
    /// SHA-256.
    @discardableResult
    public static func finalize(
        store: String, period: YearMonth, existing: IssuedPeriod?,
        additions: [(String, [UInt8])], runManifestSHA256: String
    ) throws -> String {
        var files = existing?.files ?? [:]
        for (name, content) in additions {
            guard files[name] == nil else {
                throw IssuedStoreError(
                    "\(RatedFolder.file(folder(store, period), name)) is already issued: an "
                        + "issued document is never replaced")
            }
            files[name] = content
        }
        let previous =
            existing.map { ManifestLink(stage: stage, manifestSHA256: $0.manifestSHA256) }
            ?? latestManifest(store: store)
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        let output = try OutputFolder(target: folder(store, period))
        var outputs: [(String, String)] = []
        for name in files.keys.sorted() {
            outputs.append((name, try output.write(name, bytes: files[name]!)))
        }
        let count = { (prefix: String) in
            files.keys.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.count
        }
        let digest = try output.writeManifest(
            Manifest(
                stage: stage,
                options: [
                    ("period", period.description), ("run_manifest_sha256", runManifestSHA256),
                ],
                buildsOn: previous, configuration: [], inputs: [], skipped: [], counts: nil,
                outputs: outputs,
                totals: [
                    ("invoices", String(count("invoices/"))),
                    ("corrections", String(count("corrections/"))),
                ]))
        try output.commit()
        return digest
    }
}

/// An issued store that cannot be trusted or written: the file and what is wrong (exit 3).
public struct IssuedStoreError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
