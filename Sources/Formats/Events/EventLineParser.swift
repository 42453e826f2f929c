import Pricing

/// The outcome of reading one input line as a usage event (SPEC §2, §11 check order).
public enum EventLineOutcome {
    /// Only ASCII whitespace: counted as blank.
    case blank
    /// A syntactically valid event, still to be checked against the catalog and customers.
    case event(UsageEvent)
    /// Rejected, with the reason code and a human detail.
    case rejected(RejectReason, String)
}

/// Parses NDJSON event lines: UTF-8 validation, a strict JSON scan (RFC 8259, repeated keys
/// refused at every level), then the field rules of SPEC §2 in the order of §11.
///
/// The scanner works on the line's bytes in place; only the event's own strings are copied out.
public struct EventLineParser {
    /// Nesting deeper than this is refused as malformed JSON, so a hostile line cannot exhaust
    /// the stack.
    public static let depthMax = 64
    /// Bytes allowed in an `id` or `customer`.
    public static let keyBytesMax = 256

    public init() {}

    /// Classifies one line (without its line ending).
    public func parse(_ line: UnsafeRawBufferPointer) -> EventLineOutcome {
        if isBlank(line) { return .blank }
        if let offset = firstInvalidUTF8(line) {
            return .rejected(.invalidUTF8, "invalid UTF-8 at byte \(offset + 1)")
        }
        var scanner = JSONScanner(line)
        var fields = TopLevelFields()
        do {
            try scanner.document(into: &fields)
        } catch let failure as JSONScanner.Failure {
            switch failure {
            case .unpairedSurrogate(let offset):
                return .rejected(
                    .invalidUTF8, "unpaired UTF-16 surrogate escape at byte \(offset + 1)")
            case .malformed(let offset, let why):
                return .rejected(.malformedJSON, "\(why) at byte \(offset + 1)")
            }
        } catch {
            return .rejected(.malformedJSON, "\(error)")
        }
        guard fields.isObject else {
            return .rejected(.notAnObject, "the line is JSON but not an object")
        }
        return fields.event()
    }

    /// Blank means only space, tab, CR, LF, VT and FF.
    func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        for byte in line where !(byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)) { return false }
        return true
    }

    /// The offset of the first byte that breaks UTF-8, or nil when the line is valid.
    func firstInvalidUTF8(_ line: UnsafeRawBufferPointer) -> Int? {
        let count = line.count
        var index = 0
        while index < count {
            // ASCII fast path, eight bytes at a time.
            while index + 8 <= count,
                line.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    & 0x8080_8080_8080_8080 == 0
            {
                index += 8
            }
            guard index < count else { break }
            let lead = line[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            guard let (needed, low, high) = UTF8Lead.rule(lead) else { return index }
            guard index + needed < count else { return index }
            let second = line[index + 1]
            guard second >= low, second <= high else { return index }
            for offset in stride(from: 2, through: needed, by: 1) {
                let next = line[index + offset]
                guard next >= 0x80, next <= 0xBF else { return index }
            }
            index += needed + 1
        }
        return nil
    }
}

/// The UTF-8 rules (RFC 3629) both event readers apply to a byte of 0x80 or above that starts a
/// sequence: how many continuation bytes follow and the range of the first of them (no overlong
/// forms, no UTF-16 surrogates, nothing above U+10FFFF; the others are 0x80...0xBF).
public enum UTF8Lead {
    /// Nil when `lead` cannot start a sequence.
    @inlinable
    public static func rule(_ lead: UInt8) -> (needed: Int, low: UInt8, high: UInt8)? {
        switch lead {
        case 0xC2...0xDF: return (1, 0x80, 0xBF)
        case 0xE0: return (2, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: return (2, 0x80, 0xBF)
        case 0xED: return (2, 0x80, 0x9F)
        case 0xF0: return (3, 0x90, 0xBF)
        case 0xF1...0xF3: return (3, 0x80, 0xBF)
        case 0xF4: return (3, 0x80, 0x8F)
        default: return nil
        }
    }
}

/// What the scan keeps of the top-level object: the six fields of an event, and `amount`
/// (SPEC §13.1), which only admission reads, for `carries_amount` meters.
struct TopLevelFields {
    enum Value {
        case absent
        case null
        case string(String)
        /// A string without escapes, kept as its bytes (`ts` and `quantity` are read as bytes).
        case bytes([UInt8])
        case number([UInt8])
        case other(String)  // the JSON type's name, for the detail
        case dims([Dimension])
        case badDims(String)

        /// Absent and `null` both count as missing (SPEC §11).
        var isMissing: Bool {
            switch self {
            case .absent, .null: return true
            default: return false
            }
        }
    }

    var isObject = false
    var id = Value.absent
    var customer = Value.absent
    var meter = Value.absent
    var timestamp = Value.absent
    var quantity = Value.absent
    var dims = Value.absent
    var amount = Value.absent

    mutating func set(_ key: String, _ value: Value) {
        switch key {
        case "id": id = value
        case "customer": customer = value
        case "meter": meter = value
        case "ts": timestamp = value
        case "quantity": quantity = value
        case "dims": dims = value
        case "amount": amount = value
        default: break
        }
    }

    /// Applies SPEC §11's field checks in order: missing fields, then types, then the
    /// timestamp, then the quantity.
    func event() -> EventLineOutcome {
        // Checked one by one (no array of fields is built for every line).
        if id.isMissing { return TopLevelFields.missing("id") }
        if customer.isMissing { return TopLevelFields.missing("customer") }
        if meter.isMissing { return TopLevelFields.missing("meter") }
        if timestamp.isMissing { return TopLevelFields.missing("ts") }
        guard case .string(let idText) = id else { return TopLevelFields.notAString("id") }
        guard case .string(let customerText) = customer else {
            return TopLevelFields.notAString("customer")
        }
        guard case .string(let meterText) = meter else { return TopLevelFields.notAString("meter") }
        let timestampBytes: [UInt8]
        switch timestamp {
        case .string(let text): timestampBytes = Array(text.utf8)
        case .bytes(let bytes): timestampBytes = bytes
        default: return TopLevelFields.notAString("ts")
        }
        if let outcome = TopLevelFields.keyLength("id", idText) { return outcome }
        if let outcome = TopLevelFields.keyLength("customer", customerText) { return outcome }
        var quantityText: [UInt8]?
        switch quantity {
        case .absent, .null: quantityText = nil
        case .string(let text): quantityText = Array(text.utf8)
        case .bytes(let bytes), .number(let bytes): quantityText = bytes
        default:
            return .rejected(.invalidFieldType, "\"quantity\" must be a string or a number")
        }
        var dimensions: [Dimension] = []
        switch dims {
        case .absent, .null: break
        case .dims(let values): dimensions = values
        case .badDims(let why): return .rejected(.invalidFieldType, why)
        default: return .rejected(.invalidFieldType, "\"dims\" must be an object of strings")
        }
        let instant = timestampBytes.withUnsafeBytes { RFC3339.parse($0) }
        guard let instant else {
            return .rejected(.invalidTimestamp, "\"ts\" is not an RFC 3339 timestamp with offset")
        }
        var nanos: Int128?
        if let quantityText {
            switch QuantityText.nanos(quantityText) {
            case .success(let value): nanos = value
            case .failure(let reason, let detail): return .rejected(reason, detail)
            }
        }
        return .event(
            UsageEvent(
                id: idText, customer: customerText, meter: meterText, instant: instant,
                quantityNanos: nanos, dims: dimensions, amount: amountField))
    }

    /// `amount` as written; whether it is required and valid depends on the meter, which
    /// admission checks (SPEC §13.5: after the quantity's `missing_field`).
    var amountField: EventAmountField {
        switch amount {
        case .absent: return .absent
        case .null: return .null
        case .string(let text): return .text(Array(text.utf8))
        case .bytes(let bytes), .number(let bytes): return .text(bytes)
        case .other(let name): return .other(name)
        case .dims, .badDims: return .other("object")
        }
    }

    static func missing(_ name: String) -> EventLineOutcome {
        .rejected(.missingField, "missing field \"\(name)\"")
    }

    /// An id or customer must be 1 to `keyBytesMax` bytes.
    static func keyLength(_ name: String, _ text: String) -> EventLineOutcome? {
        let count = text.utf8.count
        guard count == 0 || count > EventLineParser.keyBytesMax else { return nil }
        return .rejected(
            .invalidFieldType,
            "\"\(name)\" must be 1 to \(EventLineParser.keyBytesMax) bytes, not \(count)")
    }

    /// A field that must be a string is not one (an unescaped string held as bytes counts as a
    /// string only for `ts` and `quantity`, which are read as bytes).
    static func notAString(_ name: String) -> EventLineOutcome {
        .rejected(.invalidFieldType, "\"\(name)\" must be a string")
    }
}

/// Reads an event amount exactly, in picos (SPEC §13.1, §13.5).
public enum AmountText {
    /// Applies `invalid_amount`, `negative_amount`, `amount_precision` in that order to the
    /// text of a string or number (`"1.50"`, `1.5e0`): the grammar and value rules of a
    /// quantity (§11), with 12 fractional digits instead of 9.
    public static func picos<Bytes: Collection>(_ text: Bytes) -> QuantityText.Outcome
    where Bytes.Element == UInt8 {
        QuantityText.scaled(
            text, field: "amount", fractionDigits: AmountScale.fractionDigits,
            integerDigitsMax: AmountScale.integerDigitsMax,
            reasons: (.invalidAmount, .negativeAmount, .amountPrecision))
    }
}

/// Reads an event quantity exactly, in billionths.
public enum QuantityText {
    public enum Outcome: Equatable {
        case success(Int128)
        case failure(RejectReason, String)
    }

    /// Applies `invalid_quantity`, `negative_quantity`, `quantity_precision` in that order.
    public static func nanos(_ text: [UInt8]) -> Outcome {
        scaled(
            text, field: "quantity", fractionDigits: QuantityScale.fractionDigits,
            integerDigitsMax: QuantityScale.integerDigitsMax,
            reasons: (.invalidQuantity, .negativeQuantity, .quantityPrecision))
    }

    /// A decimal field read exactly as an integer count of `10^-fractionDigits`, with the three
    /// reasons of its checks in order: not a decimal, negative, too many digits (judged on the
    /// value: at most `integerDigitsMax` integer and `fractionDigits` fractional digits). The
    /// quantity (§11) and the amount (§13.5) differ only in these.
    static func scaled<Bytes: Collection>(
        _ text: Bytes, field: String, fractionDigits: Int, integerDigitsMax: Int,
        reasons: (invalid: RejectReason, negative: RejectReason, precision: RejectReason)
    ) -> Outcome where Bytes.Element == UInt8 {
        // Made only for a detail: most values are fine and never need it.
        var shown: String { String(decoding: text.prefix(64), as: UTF8.self) }
        guard DecimalText.isWellFormed(text) else {
            return .failure(reasons.invalid, "\(field) \"\(shown)\" is not a decimal number")
        }
        let negativeSign = text.first == UInt8(ascii: "-")
        switch DecimalText.parse(text) {
        case .failure:
            // Well-formed but beyond 38 significant digits: never zero, so the sign decides.
            if negativeSign {
                return .failure(reasons.negative, "\(field) \"\(shown)\" is negative")
            }
            return .failure(reasons.precision, "\(field) \"\(shown)\" has too many digits")
        case .success(let value):
            if value.significand < 0 {
                return .failure(reasons.negative, "\(field) \"\(shown)\" is negative")
            }
            if value.scale > fractionDigits || value.integerDigits > integerDigitsMax {
                return .failure(
                    reasons.precision,
                    "\(field) \"\(shown)\" has more than \(integerDigitsMax) integer "
                        + "or \(fractionDigits) fractional digits")
            }
            var scaled = value.significand
            for _ in value.scale..<fractionDigits { scaled *= 10 }
            return .success(scaled)
        }
    }
}
