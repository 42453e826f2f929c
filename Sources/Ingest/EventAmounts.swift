import Formats
import Pricing

/// An event's `amount` member as admission reads it (SPEC §13.1): a trivial value (a kind and
/// borrowed bytes), so passing it along for every event costs no allocation or reference
/// count; only a `carries_amount` meter's events look at it.
public struct AmountInput {
    /// What the line holds under `amount`.
    public enum Kind: UInt8, Sendable {
        case absent, null, text, object, array, boolean
    }

    /// The kind of value.
    public var kind: Kind
    /// The text of a string (escapes decoded) or number when `kind` is `.text`; borrowed from
    /// the line or the event for the duration of one call.
    public var text: UnsafeRawBufferPointer

    /// No `amount` member.
    public static let absent = AmountInput(
        kind: .absent, text: UnsafeRawBufferPointer(start: nil, count: 0))

    /// An amount of `kind` with `text`.
    public init(kind: Kind, text: UnsafeRawBufferPointer) {
        self.kind = kind
        self.text = text
    }

    /// The checks of SPEC §13.5 for a `carries_amount` meter's event, in order:
    /// `missing_field` (absent or null), `invalid_amount` (not a string or number, or not a
    /// decimal), `negative_amount`, `amount_precision`. `meter` words the missing-field detail.
    func picos(meter: String) -> QuantityText.Outcome {
        switch kind {
        case .absent, .null:
            return .failure(
                .missingField, "missing field \"amount\" (meter \"\(meter)\" carries amounts)")
        case .text:
            return AmountText.picos(text)
        case .object, .array, .boolean:
            return .failure(
                .invalidAmount, "\"amount\" must be a string or a number, not \(kindName)")
        }
    }

    /// The JSON type of an `amount` that is neither a string nor a number, for details.
    var kindName: String {
        switch kind {
        case .object: return "an object"
        case .array: return "an array"
        default: return "a boolean"
        }
    }
}

extension EventAmountField {
    /// The field as `AmountInput`, its text borrowed for the duration of `body`.
    func withInput<Result>(_ body: (AmountInput) throws -> Result) rethrows -> Result {
        switch self {
        case .absent: return try body(.absent)
        case .null: return try body(AmountInput(kind: .null, text: AmountInput.absent.text))
        case .text(let bytes):
            return try bytes.withUnsafeBytes { try body(AmountInput(kind: .text, text: $0)) }
        case .other(let name):
            let kind: AmountInput.Kind =
                name == "object" ? .object : name == "array" ? .array : .boolean
            return try body(AmountInput(kind: kind, text: AmountInput.absent.text))
        }
    }
}

/// Where an admitted event's amount is kept (SPEC §13.1): its picos as 16 little-endian bytes
/// right after the event's id in its partition's id bytes, only for `carries_amount` meters —
/// so `EventRecord` stays 64 bytes, other events cost nothing, and the amount spills and is
/// read back with the id bytes (one layout in memory and on disk).
enum StoredAmount {
    /// No amount bytes (every event of a meter that does not carry amounts).
    static let none = UnsafeRawBufferPointer(start: nil, count: 0)

    /// The 16 bytes of `picos`, for `body`.
    static func withBytes<Result>(
        _ picos: Int128, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        var value = picos.littleEndian
        return try withUnsafeBytes(of: &value) { try body($0) }
    }

    /// The amount stored after `record`'s id in `ids` (the record's partition's id bytes); only
    /// for a record of a `carries_amount` meter.
    static func picos(of record: EventRecord, in ids: UnsafeRawBufferPointer) -> Int128 {
        let start = Int(record.idOffset) + Int(record.idLength)
        precondition(
            start + AmountScale.storedBytes <= ids.count, "an amount follows its event's id")
        return Int128(littleEndian: ids.loadUnaligned(fromByteOffset: start, as: Int128.self))
    }
}

extension EventRecord {
    /// Whether an amount follows this record's id: its meter carries amounts (`carriesAmount`
    /// per meter number; empty when no meter does).
    @inline(__always)
    func carriesAmount(_ carriesAmount: [Bool]) -> Bool {
        Int(meter) < carriesAmount.count && carriesAmount[Int(meter)]
    }
}
