import Pricing

/// A stage's `manifest.json` (SPEC §8.1): what went in, what came out, and counts that add up.
public struct Manifest {
    public let stage: String
    /// Options in the order written; nil values are written as null.
    public let options: [(String, String?)]
    /// Named configuration files (catalog, customers, wallets…).
    public let configuration: [(String, ConfigFile)]
    public let inputs: [InputSummary]
    public let skipped: [String]
    public let counts: LineCounts?
    /// Output files and their SHA-256, in name order.
    public let outputs: [(String, String)]
    /// Extra stage-specific totals, written under `totals` in the given order.
    public let totals: [(String, String)]

    public init(
        stage: String, options: [(String, String?)], configuration: [(String, ConfigFile)],
        inputs: [InputSummary], skipped: [String], counts: LineCounts?, outputs: [(String, String)],
        totals: [(String, String)] = []
    ) {
        self.stage = stage
        self.options = options
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
        writer.string(FormatsVersion.tool)
        writer.key("stage")
        writer.string(stage)
        writer.key("options")
        writer.beginObject()
        for (name, value) in options {
            writer.key(name)
            if let value { writer.string(value) } else { writer.null() }
        }
        writer.endObject()
        for (role, file) in configuration {
            writer.key(role)
            writer.beginObject()
            writer.key("file")
            writer.string(file.name)
            writer.key("size")
            writer.integer(file.sizeBytes)
            writer.key("sha256")
            writer.string(file.sha256)
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
