import Foundation
import Pricing

/// A stage's `manifest.json` (SPEC §8.1): what went in, what came out, and counts that add up.
///
/// Encoded by `bytes()` and decoded by `decode(_:)`, side by side in this file: a manifest
/// decodes to a value that encodes to the very same bytes, which is how `verify` knows a
/// manifest was not edited by hand (see `ManifestSeal` for the digest that anchors it).
public struct Manifest {
    /// The tool and version that wrote it (`FormatsVersion.tool` for a new manifest).
    public let tool: String
    public let stage: String
    /// Options in the order written; nil values are written as null.
    public let options: [(String, String?)]
    /// The manifest this run builds on, when there is one: for `invoice`, the rated folder's.
    /// Written as `builds_on`, it chains runs so history cannot be edited silently.
    public let buildsOn: ManifestLink?
    /// Named configuration files (catalog, customers, wallets…).
    public let configuration: [(String, FileRecord)]
    public let inputs: [InputSummary]
    public let skipped: [String]
    public let counts: LineCounts?
    /// Output files and their SHA-256, in name order.
    public let outputs: [(String, String)]
    /// Extra stage-specific totals, written under `totals` in the given order.
    public let totals: [(String, String)]
    /// `rate --resolutions`: the file and what each resolution did (SPEC §13.4); nil when the
    /// run has no resolutions file (the key is then absent).
    public let resolutions: ManifestResolutions?
    /// `invoice --ubl auto`: the documents written without an e-invoice and the fields that
    /// stopped each (issue 13); the key is absent when every document has one.
    public var eInvoicesMissing: [EInvoiceGap] = []

    /// A new manifest, written by this version of the tool.
    public init(
        stage: String, options: [(String, String?)], buildsOn: ManifestLink? = nil,
        configuration: [(String, ConfigFile)], inputs: [InputSummary], skipped: [String],
        counts: LineCounts?, outputs: [(String, String)], totals: [(String, String)] = [],
        resolutions: ManifestResolutions? = nil
    ) {
        self.init(
            tool: FormatsVersion.tool, stage: stage, options: options, buildsOn: buildsOn,
            configuration: configuration.map { ($0, FileRecord($1)) }, inputs: inputs,
            skipped: skipped, counts: counts, outputs: outputs, totals: totals,
            resolutions: resolutions)
    }

    /// A manifest with every field given, as `decode(_:)` reads one.
    public init(
        tool: String, stage: String, options: [(String, String?)], buildsOn: ManifestLink?,
        configuration: [(String, FileRecord)], inputs: [InputSummary], skipped: [String],
        counts: LineCounts?, outputs: [(String, String)], totals: [(String, String)],
        resolutions: ManifestResolutions? = nil
    ) {
        self.resolutions = resolutions
        self.tool = tool
        self.stage = stage
        self.options = options
        self.buildsOn = buildsOn
        self.configuration = configuration
        self.inputs = inputs
        self.skipped = skipped
        self.counts = counts
        self.outputs = outputs
        self.totals = totals
    }

    /// The manifest as pretty JSON with a final newline.
    public func bytes() -> [UInt8] {
        var writer = JSONWriter(pretty: true)
        writer.beginObject()
        writer.key("tool")
        writer.string(tool)
        writer.key("stage")
        writer.string(stage)
        writer.key("options")
        writer.beginObject()
        for (name, value) in options {
            writer.key(name)
            if let value { writer.string(value) } else { writer.null() }
        }
        writer.endObject()
        // Only a run that builds on another has the key, so rate's manifests keep their bytes.
        if let buildsOn {
            writer.key("builds_on")
            writer.beginObject()
            writer.key("stage")
            writer.string(buildsOn.stage)
            writer.key("manifest_sha256")
            writer.string(buildsOn.manifestSHA256)
            writer.endObject()
        }
        for (role, file) in configuration {
            writer.key(role)
            writer.beginObject()
            file.write(into: &writer)
            writer.endObject()
        }
        writer.key("inputs")
        writer.beginArray()
        for input in inputs {
            writer.beginObject()
            writer.key("file")
            writer.string(input.displayName)
            writer.key("size")
            writer.integer(input.sizeBytes)
            writer.key("sha256")
            writer.string(input.sha256)
            if !input.members.isEmpty {
                writer.key("members")
                writer.beginArray()
                for member in input.members { writer.string(member) }
                writer.endArray()
            }
            // Only inputs with links or special members get the key, so other manifests keep
            // their bytes.
            if !input.skippedMembers.isEmpty {
                writer.key("skipped_members")
                writer.beginArray()
                for member in input.skippedMembers { writer.string(member) }
                writer.endArray()
            }
            writer.endObject()
        }
        writer.endArray()
        writer.key("skipped")
        writer.beginArray()
        for name in skipped { writer.string(name) }
        writer.endArray()
        if let counts {
            writer.key("counts")
            writer.beginObject()
            writer.key("lines")
            writer.integer(counts.lines)
            writer.key("blank")
            writer.integer(counts.blank)
            writer.key("accepted")
            writer.integer(counts.accepted)
            writer.key("duplicates")
            writer.integer(counts.duplicates)
            writer.key("superseded")
            writer.integer(counts.superseded)
            writer.key("out_of_period")
            writer.integer(counts.outOfPeriod)
            writer.key("billed")
            writer.integer(counts.billed)
            writer.key("rejected")
            writer.beginObject()
            for reason in RejectReason.allCases.sorted() {
                writer.key(reason.rawValue)
                writer.integer(counts.rejected[reason] ?? 0)
            }
            writer.endObject()
            writer.endObject()
        }
        if let resolutions { resolutions.write(into: &writer) }
        if !eInvoicesMissing.isEmpty {
            writer.key("e_invoices_missing")
            writer.beginArray()
            for gap in eInvoicesMissing {
                writer.beginObject()
                writer.key("customer")
                writer.string(gap.customer)
                writer.key("document")
                writer.string(gap.document)
                writer.key("fields")
                writer.beginArray()
                for field in gap.fields { writer.string(field) }
                writer.endArray()
                writer.endObject()
            }
            writer.endArray()
        }
        if !totals.isEmpty {
            writer.key("totals")
            writer.beginObject()
            for (name, value) in totals {
                writer.key(name)
                writer.string(value)
            }
            writer.endObject()
        }
        writer.key("outputs")
        writer.beginObject()
        for (name, digest) in outputs.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) })
        {
            writer.key(name)
            writer.string(digest)
        }
        writer.endObject()
        writer.endObject()
        writer.endLine()
        return writer.bytes
    }
}

/// A file a manifest names with its size and SHA-256: a configuration file of the run.
public struct FileRecord: Equatable, Sendable {
    /// The last path component, as the manifest shows it.
    public let name: String
    /// The size in bytes.
    public let size: Int
    /// 64 lowercase hex digits.
    public let sha256: String

    /// A record as a manifest holds it.
    public init(name: String, size: Int, sha256: String) {
        self.name = name
        self.size = size
        self.sha256 = sha256
    }

    /// The record of a configuration file read by this run.
    public init(_ file: ConfigFile) {
        self.init(name: file.name, size: file.sizeBytes, sha256: file.sha256)
    }

    /// The record's `file`, `size` and `sha256` members, into the object being written.
    func write(into writer: inout JSONWriter) {
        writer.key("file")
        writer.string(name)
        writer.key("size")
        writer.integer(size)
        writer.key("sha256")
        writer.string(sha256)
    }
}

/// The manifest a run builds on: its stage and the SHA-256 of its bytes.
public struct ManifestLink: Equatable, Sendable {
    /// `rate` or `invoice`.
    public let stage: String
    /// The SHA-256 of that `manifest.json`, 64 lowercase hex digits.
    public let manifestSHA256: String

    /// A link to the manifest of `stage` whose bytes hash to `manifestSHA256`.
    public init(stage: String, manifestSHA256: String) {
        self.stage = stage
        self.manifestSHA256 = manifestSHA256
    }
}

/// `manifest.sha256`, written beside every `manifest.json`: the manifest's own SHA-256 in the
/// form `sha256sum -c` reads. A manifest cannot hold its own digest; this file anchors it, so a
/// one-byte edit to the manifest is caught by `verify` (and by `sha256sum -c manifest.sha256`)
/// even where no later run links to it.
public enum ManifestSeal {
    /// The file name, beside `manifest.json`.
    public static let fileName = "manifest.sha256"
    /// The manifest's file name.
    public static let manifestName = "manifest.json"

    /// The seal's bytes for a manifest whose SHA-256 is `digest`.
    public static func bytes(digest: String) -> [UInt8] {
        Array("\(digest)  \(manifestName)\n".utf8)
    }

    /// The digest a seal holds, or nil when `bytes` are not exactly a seal.
    public static func digest(in bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let suffix = "  \(manifestName)\n"
        guard text.hasSuffix(suffix) else { return nil }
        let digest = String(text.dropLast(suffix.count))
        return Manifest.isDigest(digest) ? digest : nil
    }
}

extension OutputFolder {
    /// Writes `manifest.json` and its seal `manifest.sha256`; returns the manifest's SHA-256,
    /// which the next run's `builds_on` records.
    @discardableResult
    public func writeManifest(_ manifest: Manifest) throws -> String {
        let digest = try write(ManifestSeal.manifestName, bytes: manifest.bytes())
        _ = try write(ManifestSeal.fileName, bytes: ManifestSeal.bytes(digest: digest))
        return digest
    }
}

/// A `manifest.json` that cannot be read back: the field and what is wrong with it.
public struct ManifestError: Error, CustomStringConvertible {
    /// The field's path, such as `counts.lines` (empty for the document itself).
    public let field: String
    /// What is wrong.
    public let problem: String

    public var description: String {
        field.isEmpty ? problem : "\(field): \(problem)"
    }
}

extension Manifest {
    /// Whether `text` is a SHA-256 as Ratebook writes it: 64 lowercase hex digits.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The keys a manifest holds besides its configuration files, in the order written.
    static let fixedKeys: Set<String> = [
        "tool", "stage", "options", "builds_on", "inputs", "skipped", "counts", "resolutions",
        "totals", "outputs", "e_invoices_missing",
    ]

    /// Reads a manifest written by `bytes()`. Every field is checked for its type; a count
    /// that `bytes()` derives (`billed`) must be the derived value, and every reject reason
    /// must be known, since a value that cannot be represented cannot round-trip.
    ///
    /// Throws `ManifestError` naming the field.
    public static func decode(_ bytes: [UInt8]) throws(ManifestError) -> Manifest {
        let root: JSONValue
        do {
            root = try bytes.withUnsafeBytes { try JSONValue.parse($0) }
        } catch {
            throw ManifestError(field: "", problem: "not JSON (\(error))")
        }
        guard case .object(let members) = root else {
            throw ManifestError(field: "", problem: "not a JSON object")
        }
        let reader = ManifestReader()
        let tool = try reader.string(root["tool"], "tool")
        let stage = try reader.string(root["stage"], "stage")
        var options: [(String, String?)] = []
        for (name, value) in try reader.object(root["options"], "options") {
            options.append((name, try reader.optionalString(value, "options.\(name)")))
        }
        var buildsOn: ManifestLink?
        if let link = root["builds_on"] {
            buildsOn = ManifestLink(
                stage: try reader.string(link["stage"], "builds_on.stage"),
                manifestSHA256: try reader.digest(
                    link["manifest_sha256"], "builds_on.manifest_sha256"))
        }
        var configuration: [(String, FileRecord)] = []
        for (role, value) in members where !fixedKeys.contains(role) {
            configuration.append((role, try reader.file(value, role)))
        }
        var inputs: [InputSummary] = []
        for (index, value) in try reader.array(root["inputs"], "inputs").enumerated() {
            let field = "inputs[\(index)]"
            let record = try reader.file(value, field)
            inputs.append(
                InputSummary(
                    displayName: record.name, sizeBytes: Int64(record.size),
                    sha256: record.sha256,
                    members: try reader.strings(value["members"], "\(field).members"),
                    skippedMembers: try reader.strings(
                        value["skipped_members"], "\(field).skipped_members")))
        }
        guard root["skipped"] != nil else {
            throw ManifestError(field: "skipped", problem: "missing")
        }
        let skipped = try reader.strings(root["skipped"], "skipped")
        var counts: LineCounts?
        if let value = root["counts"] { counts = try reader.counts(value) }
        var resolutions: ManifestResolutions?
        if let value = root["resolutions"] { resolutions = try reader.resolutions(value) }
        var totals: [(String, String)] = []
        if let value = root["totals"] {
            for (name, total) in try reader.object(value, "totals") {
                totals.append((name, try reader.string(total, "totals.\(name)")))
            }
        }
        var outputs: [(String, String)] = []
        for (name, digest) in try reader.object(root["outputs"], "outputs") {
            outputs.append((name, try reader.digest(digest, "outputs.\(name)")))
        }
        var manifest = Manifest(
            tool: tool, stage: stage, options: options, buildsOn: buildsOn,
            configuration: configuration, inputs: inputs, skipped: skipped, counts: counts,
            outputs: outputs, totals: totals, resolutions: resolutions)
        if let value = root["e_invoices_missing"] {
            for (index, item) in try reader.array(value, "e_invoices_missing").enumerated() {
                let field = "e_invoices_missing[\(index)]"
                manifest.eInvoicesMissing.append(
                    EInvoiceGap(
                        customer: try reader.string(item["customer"], "\(field).customer"),
                        document: try reader.string(item["document"], "\(field).document"),
                        fields: try reader.strings(item["fields"], "\(field).fields")))
            }
        }
        return manifest
    }
}

/// A document written without its e-invoice (`invoice --ubl auto`): whose, which, and the
/// fields to add or fix, as `UBLInvoice.gaps` words them.
public struct EInvoiceGap: Equatable, Sendable {
    public let customer: String
    /// The invoice or correction number.
    public let document: String
    public let fields: [String]

    /// A gap as the run finds it or the manifest states it.
    public init(customer: String, document: String, fields: [String]) {
        self.customer = customer
        self.document = document
        self.fields = fields
    }

    /// `cus_4 (2026-10-000004): customers.cus_4.address: missing; …` for messages.
    public var description: String {
        "\(customer) (\(document)): " + fields.joined(separator: "; ")
    }
}

/// The typed reads of `Manifest.decode`, each naming the field it refuses.
private struct ManifestReader {
    func fail(_ field: String, _ problem: String) -> ManifestError {
        ManifestError(field: field, problem: problem)
    }

    func string(_ value: JSONValue?, _ field: String) throws(ManifestError) -> String {
        guard case .string(let text)? = value else { throw fail(field, "missing or not a string") }
        return text
    }

    func optionalString(_ value: JSONValue, _ field: String) throws(ManifestError) -> String? {
        if case .null = value { return nil }
        return try string(value, field)
    }

    func digest(_ value: JSONValue?, _ field: String) throws(ManifestError) -> String {
        guard case .string(let text)? = value, Manifest.isDigest(text) else {
            throw fail(field, "missing or not a SHA-256 (64 lowercase hex digits)")
        }
        return text
    }

    func object(
        _ value: JSONValue?, _ field: String
    ) throws(ManifestError) -> [(String, JSONValue)] {
        guard case .object(let members)? = value else {
            throw fail(field, "missing or not an object")
        }
        return members
    }

    func array(_ value: JSONValue?, _ field: String) throws(ManifestError) -> [JSONValue] {
        guard case .array(let items)? = value else { throw fail(field, "missing or not an array") }
        return items
    }

    /// A list of strings; a missing key is an empty list (the key is written only when needed).
    func strings(_ value: JSONValue?, _ field: String) throws(ManifestError) -> [String] {
        guard let value else { return [] }
        var result: [String] = []
        for (index, item) in try array(value, field).enumerated() {
            result.append(try string(item, "\(field)[\(index)]"))
        }
        return result
    }

    func integer(_ value: JSONValue?, _ field: String) throws(ManifestError) -> Int64 {
        guard case .number(let text)? = value, let number = Int64(text), number >= 0,
            String(number) == text
        else {
            throw fail(field, "missing or not a whole number from 0")
        }
        return number
    }

    func file(_ value: JSONValue, _ field: String) throws(ManifestError) -> FileRecord {
        let size = try integer(value["size"], "\(field).size")
        guard size <= Int64(Int.max) else { throw fail("\(field).size", "too large") }
        return FileRecord(
            name: try string(value["file"], "\(field).file"), size: Int(size),
            sha256: try digest(value["sha256"], "\(field).sha256"))
    }

    func counts(_ value: JSONValue) throws(ManifestError) -> LineCounts {
        var counts = LineCounts()
        counts.lines = try integer(value["lines"], "counts.lines")
        counts.blank = try integer(value["blank"], "counts.blank")
        counts.accepted = try integer(value["accepted"], "counts.accepted")
        counts.duplicates = try integer(value["duplicates"], "counts.duplicates")
        counts.superseded = try integer(value["superseded"], "counts.superseded")
        counts.outOfPeriod = try integer(value["out_of_period"], "counts.out_of_period")
        let billed = try integer(value["billed"], "counts.billed")
        guard billed == counts.billed else {
            throw fail(
                "counts.billed",
                "\(billed) is not accepted − out_of_period (\(counts.billed)): the counts do not "
                    + "add up")
        }
        for (name, number) in try object(value["rejected"], "counts.rejected") {
            guard let reason = RejectReason(rawValue: name) else {
                throw fail("counts.rejected.\(name)", "not a reject reason")
            }
            counts.rejected[reason] = try integer(number, "counts.rejected.\(name)")
        }
        return counts
    }

    func optionalString(_ value: JSONValue?, _ field: String) throws(ManifestError) -> String? {
        guard let value else { throw fail(field, "missing") }
        return try optionalString(value, field)
    }

    func resolutions(_ value: JSONValue) throws(ManifestError) -> ManifestResolutions {
        let file = try self.file(value, "resolutions")
        func entries(_ name: String) throws(ManifestError) -> [ManifestResolutions.Entry] {
            var result: [ManifestResolutions.Entry] = []
            for (index, item) in try array(value[name], "resolutions.\(name)").enumerated() {
                let field = "resolutions.\(name)[\(index)]"
                var superseded: [ManifestResolutions.Location] = []
                if name == "applied" {
                    let locations = try array(item["superseded"], "\(field).superseded")
                    for (number, location) in locations.enumerated() {
                        let place = "\(field).superseded[\(number)]"
                        var member: String?
                        if let value = location["member"] {
                            member = try string(value, "\(place).member")
                        }
                        superseded.append(
                            ManifestResolutions.Location(
                                file: try string(location["file"], "\(place).file"),
                                member: member,
                                line: try integer(location["line"], "\(place).line")))
                    }
                }
                result.append(
                    ManifestResolutions.Entry(
                        customer: try string(item["customer"], "\(field).customer"),
                        id: try string(item["id"], "\(field).id"),
                        action: try string(item["action"], "\(field).action"),
                        reason: try optionalString(item["reason"], "\(field).reason"),
                        superseded: superseded))
            }
            return result
        }
        return ManifestResolutions(
            file: file, applied: try entries("applied"), unused: try entries("unused"))
    }
}

extension Manifest {
    /// The files under `folder` this manifest does not list (its own `manifest.json` and seal
    /// aside): what `verify` and the issued store's reader refuse. Paths are relative, with `/`
    /// between components, sorted bytewise; folders are walked, symbolic links never followed
    /// (a link is listed as a file).
    public func unlistedFiles(in folder: String) -> [String] {
        var listed = Set(outputs.map { $0.0 })
        listed.insert(ManifestSeal.manifestName)
        listed.insert(ManifestSeal.fileName)
        var names: [String] = []
        func walk(_ directory: URL, _ prefix: String) {
            let entries =
                (try? FileManager.default.contentsOfDirectory(
                    at: directory,
                    includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey],
                    options: [])) ?? []
            for entry in entries {
                let name = prefix + entry.lastPathComponent
                let values = try? entry.resourceValues(
                    forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
                if values?.isDirectory == true, values?.isSymbolicLink != true {
                    walk(entry, name + "/")
                } else if !listed.contains(name) {
                    names.append(name)
                }
            }
        }
        walk(URL(fileURLWithPath: folder, isDirectory: true), "")
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

/// The `resolutions` of a `rate` manifest (SPEC §13.4): the resolutions file (name, size,
/// SHA-256, like a configuration file), the resolutions that found copies of their key
/// (`applied`) and those that found none (`unused`), each list sorted by customer, then id
/// (bytewise).
public struct ManifestResolutions: Equatable, Sendable {
    /// Where an input line was read, as `rejects.ndjson` names it.
    public struct Location: Equatable, Sendable {
        public let file: String
        /// The archive member, nil for a plain file.
        public let member: String?
        public let line: Int64

        /// A location as rejects name one.
        public init(file: String, member: String?, line: Int64) {
            self.file = file
            self.member = member
            self.line = line
        }
    }

    /// One resolution: its key, action and reason, and (applied only) the copies it set
    /// aside, in location order.
    public struct Entry: Equatable, Sendable {
        public let customer: String
        public let id: String
        /// `keep`, `drop` or `replace`.
        public let action: String
        public let reason: String?
        public let superseded: [Location]

        /// An entry as the manifest lists it.
        public init(
            customer: String, id: String, action: String, reason: String?,
            superseded: [Location]
        ) {
            self.customer = customer
            self.id = id
            self.action = action
            self.reason = reason
            self.superseded = superseded
        }
    }

    public let file: FileRecord
    public let applied: [Entry]
    public let unused: [Entry]

    /// The section; `applied` and `unused` are sorted here, by customer then id, bytewise.
    public init(file: FileRecord, applied: [Entry], unused: [Entry]) {
        func sorted(_ entries: [Entry]) -> [Entry] {
            entries.sorted {
                if $0.customer != $1.customer {
                    return $0.customer.utf8.lexicographicallyPrecedes($1.customer.utf8)
                }
                return $0.id.utf8.lexicographicallyPrecedes($1.id.utf8)
            }
        }
        self.file = file
        self.applied = sorted(applied)
        self.unused = sorted(unused)
    }

    func write(into writer: inout JSONWriter) {
        writer.key("resolutions")
        writer.beginObject()
        file.write(into: &writer)
        for (name, entries) in [("applied", applied), ("unused", unused)] {
            writer.key(name)
            writer.beginArray()
            for entry in entries {
                writer.beginObject()
                writer.key("customer")
                writer.string(entry.customer)
                writer.key("id")
                writer.string(entry.id)
                writer.key("action")
                writer.string(entry.action)
                writer.key("reason")
                if let reason = entry.reason { writer.string(reason) } else { writer.null() }
                if name == "applied" {
                    writer.key("superseded")
                    writer.beginArray()
                    for location in entry.superseded {
                        writer.beginObject()
                        writer.key("file")
                        writer.string(location.file)
                        if let member = location.member {
                            writer.key("member")
                            writer.string(member)
                        }
                        writer.key("line")
                        writer.integer(location.line)
                        writer.endObject()
                    }
                    writer.endArray()
                }
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
    }
}
