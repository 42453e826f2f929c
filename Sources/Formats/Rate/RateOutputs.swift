import Pricing

/// Encodes `rate`'s output lines (SPEC §8.1, §11 "Output encoding"): compact JSON, one object per
/// line, keys in a fixed order, decimals as strings in plain notation. The lines the invoice stage
/// reads back (rated lines, included credits) are encoded in `Sources/Formats/Records/`, next to
/// their decoders.
public enum RateOutputs {
    /// One `usage.ndjson` line.
    public static func usageLine(
        _ aggregate: UsageAggregate, period: BillingPeriod, into writer: inout JSONWriter
    ) {
        writer.beginObject()
        writer.key("customer")
        writer.string(aggregate.customer)
        writePeriod(period, into: &writer)
        writer.key("plan")
        writer.string(aggregate.plan)
        writer.key("charge")
        writer.string(aggregate.charge)
        writeGroup(aggregate.group, into: &writer)
        writer.key("quantity")
        writer.string(aggregate.quantity.description)
        writer.key("events")
        writer.integer(aggregate.events)
        writer.endObject()
        writer.endLine()
    }

    static func writePeriod(_ period: BillingPeriod, into writer: inout JSONWriter) {
        writer.key("period")
        writer.beginObject()
        writer.key("start")
        writer.string(period.startText)
        writer.key("end")
        writer.string(period.endText)
        writer.endObject()
    }
}

/// One line of `rejects.ndjson`.
public struct RejectRecord: Sendable {
    /// The input's display name (`events/2026-10-01.ndjson.zst`).
    public let file: String
    /// The archive member, for lines inside `.tar` and `.zip` inputs.
    public let member: String?
    public let line: Int64
    public let reason: RejectReason
    public let detail: String
    /// The line's first bytes (at most `rawBytesMax`).
    public let raw: [UInt8]

    /// Bytes of the raw line kept in a reject (SPEC §8.1: 4 KiB).
    public static let rawBytesMax = 4096

    public init(
        file: String, member: String?, line: Int64, reason: RejectReason, detail: String,
        raw: UnsafeRawBufferPointer
    ) {
        self.file = file
        self.member = member
        self.line = line
        self.reason = reason
        self.detail = detail
        self.raw = Array(raw.prefix(RejectRecord.rawBytesMax))
    }

    /// The output order: file, member, line (bytewise).
    public static func precedes(_ left: RejectRecord, _ right: RejectRecord) -> Bool {
        if left.file != right.file {
            return left.file.utf8.lexicographicallyPrecedes(right.file.utf8)
        }
        let leftMember = left.member ?? ""
        let rightMember = right.member ?? ""
        if leftMember != rightMember {
            return leftMember.utf8.lexicographicallyPrecedes(rightMember.utf8)
        }
        return left.line < right.line
    }

    /// Writes the line: `file`, `member` (archives only), `line`, `reason`, `detail`, `raw`, and
    /// `raw_escaped: true` when the bytes were not UTF-8.
    public func write(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("file")
        writer.string(file)
        if let member {
            writer.key("member")
            writer.string(member)
        }
        writer.key("line")
        writer.integer(line)
        writer.key("reason")
        writer.string(reason.rawValue)
        writer.key("detail")
        writer.string(detail)
        let (text, escaped) = RejectRecord.rawText(raw)
        writer.key("raw")
        writer.string(text)
        if escaped {
            writer.key("raw_escaped")
            writer.bool(true)
        }
        writer.endObject()
        writer.endLine()
    }

    /// The raw bytes as text. Valid UTF-8 is kept as is (a sequence cut by the 4 KiB limit is
    /// dropped). Otherwise every byte outside a valid sequence becomes `\xNN` and every
    /// backslash `\\`, so the original bytes can be recovered exactly.
    static func rawText(_ raw: [UInt8]) -> (String, Bool) {
        if let text = String(validating: raw, as: UTF8.self) { return (text, false) }
        // A valid line cut inside its last character: drop the partial character.
        for cut in 1...3 where raw.count >= cut {
            if let text = String(validating: raw.dropLast(cut), as: UTF8.self),
                raw.count == RejectRecord.rawBytesMax
            {
                return (text, false)
            }
        }
        var output = ""
        var index = 0
        while index < raw.count {
            var matched = false
            for length in [4, 3, 2, 1] where index + length <= raw.count {
                if let scalarText = String(
                    validating: raw[index..<(index + length)], as: UTF8.self),
                    scalarText.unicodeScalars.count == 1
                {
                    output += scalarText == "\\" ? "\\\\" : scalarText
                    index += length
                    matched = true
                    break
                }
            }
            if !matched {
                let hex = String(raw[index], radix: 16, uppercase: true)
                output += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                index += 1
            }
        }
        return (output, true)
    }
}
