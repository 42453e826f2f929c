import Formats
import Pricing

/// Where a field's bytes sit in the line it was scanned from: `count` bytes from offset `start`.
///
/// Lines are at most 1 MiB (`InputLimits.lineBytesMax`), so 32-bit offsets always suffice.
public struct ByteSpan: Equatable, Sendable {
    /// The offset of the first byte in the line.
    public var start: Int32
    /// The number of bytes.
    public var count: Int32

    /// A span of `count` bytes from `start`.
    public init(start: Int32, count: Int32) {
        self.start = start
        self.count = count
    }

    /// The span's bytes within `line`, which must be the line the span was scanned from.
    public func bytes(in line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let first = Int(start)
        let end = first + Int(count)
        precondition(first >= 0, "a span starts inside its line")
        precondition(end >= first && end <= line.count, "a span ends inside its line")
        return UnsafeRawBufferPointer(rebasing: line[first..<end])
    }
}

/// One event read in place by `EventScanner`: the fields as spans of the scanned line plus the
/// parsed instant and quantity. Reused line after line, so scanning allocates nothing.
///
/// The content equals what `EventLineParser.parse` returns as `.event` for the same line: the
/// bytes of `id`, `customer` and `meter` (no escapes, so the bytes are the text), the instant,
/// the quantity in billionths, and the dims sorted by key bytes (unsigned, bytewise).
public struct ScannedEvent: Sendable {
    /// Dims pairs held in place; a line with more falls back to `EventLineParser`.
    public static let dimsCountMax = 16

    /// The `id` field's bytes (1 to `EventLineParser.keyBytesMax`).
    public internal(set) var id = ByteSpan(start: 0, count: 0)
    /// The `customer` field's bytes (1 to `EventLineParser.keyBytesMax`).
    public internal(set) var customer = ByteSpan(start: 0, count: 0)
    /// The `meter` field's bytes.
    public internal(set) var meter = ByteSpan(start: 0, count: 0)
    /// The `ts` field as an exact instant.
    public internal(set) var instant = Instant(secondsSinceEpoch: 0)
    /// The quantity in billionths (scale 9), or nil when `quantity` is absent or `null`.
    public internal(set) var quantityNanos: Int128?
    /// The number of dims pairs (0 when `dims` is absent, `null` or `{}`).
    public internal(set) var dimsCount = 0
    /// The `amount` member (SPEC §13.1): absent, `null`, or the text of a string without
    /// escapes or of a number, in `amountText`. Read only for `carries_amount` meters.
    public internal(set) var amountKind = AmountInput.Kind.absent
    /// The amount's text when `amountKind` is `.text`.
    public internal(set) var amountText = ByteSpan(start: 0, count: 0)
    /// Four offsets per pair, in key order: key start, key count, value start, value count.
    var dimSpans = InlineArray<64, Int32>(repeating: 0)

    /// An empty event, to be filled by `EventScanner.scan`.
    public init() {}

    /// The key of the `index`-th dims pair in key order (`0..<dimsCount`).
    public func dimKey(_ index: Int) -> ByteSpan {
        precondition(index >= 0 && index < dimsCount, "dims index out of range")
        return ByteSpan(start: dimSpans[4 &* index], count: dimSpans[4 &* index &+ 1])
    }

    /// The value of the `index`-th dims pair in key order (`0..<dimsCount`).
    public func dimValue(_ index: Int) -> ByteSpan {
        precondition(index >= 0 && index < dimsCount, "dims index out of range")
        return ByteSpan(start: dimSpans[4 &* index &+ 2], count: dimSpans[4 &* index &+ 3])
    }
}

extension ScannedEvent {
    /// The same event as `EventLineParser` returns it, its strings copied out of `line` (the
    /// line this event was scanned from): for callers that take a `UsageEvent`. Allocates.
    public func usageEvent(in line: UnsafeRawBufferPointer) -> UsageEvent {
        func text(_ span: ByteSpan) -> String {
            String(decoding: span.bytes(in: line), as: UTF8.self)
        }
        let dims = (0..<dimsCount).map {
            Dimension(key: text(dimKey($0)), value: text(dimValue($0)))
        }
        let amount: EventAmountField
        switch amountKind {
        case .absent: amount = .absent
        case .null: amount = .null
        case .text: amount = .text(Array(amountText.bytes(in: line)))
        case .object, .array, .boolean:
            preconditionFailure("the scanner leaves other amount values to the slow path")
        }
        return UsageEvent(
            id: text(id), customer: text(customer), meter: text(meter), instant: instant,
            quantityNanos: quantityNanos, dims: dims, amount: amount)
    }
}

/// The fast path for event lines: reads the common line in place, with no allocation, and says
/// whether it could.
///
/// `scan` returns true only when `EventLineParser.parse` would return `.event` with the same
/// content; for anything else (blank lines, rejects, escapes in event fields, exponents, signs,
/// leading zeros, over 16 dims, keys with escapes, objects of many keys) it returns false and the
/// caller runs `EventLineParser`, which decides and explains. It validates the whole line as
/// strictly as the slow path: RFC 8259 grammar, JSON whitespace only, nesting up to
/// `EventLineParser.depthMax`, repeated keys at every level, UTF-8 of every string, escapes and
/// `\u` surrogate pairs in strings it skips, no control bytes in strings.
///
/// Cost is linear in the line: strings are skipped eight bytes at a time, and repeated keys are
/// found by comparing each key with the earlier keys of its object (at most `keysPerObjectMax`).
public struct EventScanner: Sendable {
    /// Keys of one object checked for repeats one by one; an object with more falls back.
    public static let keysPerObjectMax = 16
    /// Keys held at once over all open objects; a line needing more falls back.
    static let keyStackCapacity = 64

    /// Keys of the objects being scanned, innermost last (unknown top-level keys first).
    var keys = KeyStack()
    /// The last date read from a `ts` (consecutive events mostly share their day).
    var lastDay = DayCache()

    /// A scanner; one per thread, reused for every line.
    public init() {}

    /// Scans one line (without its LF; a CR left before it is JSON whitespace, as for the
    /// parser) into `event`.
    ///
    /// - Returns: true when the line is an event and `event` holds exactly what
    ///   `EventLineParser.parse` would return as `.event`; false when the caller must run
    ///   `EventLineParser` (then `event` holds nothing of use).
    public mutating func scan(
        _ line: UnsafeRawBufferPointer, into event: inout ScannedEvent
    )
        -> Bool
    {
        guard let base = line.baseAddress, line.count > 0 else { return false }
        // Offsets are kept as Int32; real lines are at most 1 MiB.
        guard line.count < Int(Int32.max) else { return false }
        keys.count = 0
        var cursor = LineCursor(base: base, end: line.count)
        return cursor.event(into: &event, keys: &keys, lastDay: &lastDay)
    }
}

/// The keys of open objects, for the repeated-key check, in fixed storage.
struct KeyStack {
    var starts = InlineArray<64, Int32>(repeating: 0)
    var counts = InlineArray<64, Int32>(repeating: 0)
    var count = 0
}

/// The six event fields and `amount`, by bit.
enum EventField {
    static let id: UInt8 = 1
    static let customer: UInt8 = 2
    static let meter: UInt8 = 4
    static let timestamp: UInt8 = 8
    static let quantity: UInt8 = 16
    static let dims: UInt8 = 32
    /// SPEC §13.1; not required, and read only for `carries_amount` meters.
    static let amount: UInt8 = 64
    /// Present in every event (absent or null ones are `missing_field`).
    static let required: UInt8 = id | customer | meter | timestamp

    // Key names as little-endian words, so a key is matched with one or two loads.
    static let idWord: UInt16 = 0x6469  // "id"
    static let tsWord: UInt16 = 0x7374  // "ts"
    static let dimsWord: UInt32 = 0x736D_6964  // "dims"
    static let meterWord: UInt32 = 0x6574_656D  // "mete", then "r"
    static let customerWord: UInt64 = 0x7265_6D6F_7473_7563  // "customer"
    static let quantityWord: UInt64 = 0x7974_6974_6E61_7571  // "quantity"
    static let amouWord: UInt32 = 0x756F_6D61  // "amou", then "nt"
    // Names with their closing quote, for `knownKey`.
    static let idQuoted: UInt64 = 0x22_6469  // `id"`
    static let tsQuoted: UInt64 = 0x22_7374  // `ts"`
    static let dimsQuoted: UInt64 = 0x22_736D_6964  // `dims"`
    static let meterQuoted: UInt64 = 0x2272_6574_656D  // `meter"`
    static let amountQuoted: UInt64 = 0x22_746E_756F_6D61  // `amount"`
}

/// Byte values the scanner looks for.
enum JSONByte {
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
    static let minus: UInt8 = 0x2D
    static let plus: UInt8 = 0x2B
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
}

/// A position in one line, valid only during one `scan` call (the line's memory is borrowed).
///
/// Every method returns false for anything the slow path might refuse or read differently;
/// reads past `end` never happen (`peek` gives 0 there, a byte no JSON token starts with).
struct LineCursor {
    let base: UnsafeRawPointer
    let end: Int
    var index = 0

    init(base: UnsafeRawPointer, end: Int) {
        self.base = base
        self.end = end
    }

    @inline(__always)
    func byte(_ offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }

    /// The byte at `index`, or 0 at the end of the line.
    @inline(__always)
    func peek() -> UInt8 { index < end ? byte(index) : 0 }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- JSONByte.zero < 10 }

    /// JSON whitespace: space, tab, LF, CR (not VT or FF, as in the slow path).
    @inline(__always)
    mutating func skipWhitespace() {
        // The common case, a token at once, is one load and one comparison.
        if index < end && byte(index) > 0x20 { return }
        skipWhitespaceBytes()
    }

    mutating func skipWhitespaceBytes() {
        while index < end {
            let byte = byte(index)
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
            index &+= 1
        }
    }

    /// The next byte after optional whitespace (0 at the end of the line), consumed.
    @inline(__always)
    mutating func take() -> UInt8 {
        if index < end {
            let byte = byte(index)
            if byte > 0x20 {
                index &+= 1
                return byte
            }
        }
        skipWhitespaceBytes()
        let byte = peek()
        index &+= 1
        return byte
    }

    /// Consumes `expected` after optional whitespace.
    @inline(__always)
    mutating func consume(_ expected: UInt8) -> Bool {
        if index < end && byte(index) == expected {
            index &+= 1
            return true
        }
        skipWhitespaceBytes()
        guard peek() == expected else { return false }
        index &+= 1
        return true
    }

    // MARK: The event object

    /// The whole line: one object with the event fields, then only whitespace.
    mutating func event(
        into event: inout ScannedEvent, keys: inout KeyStack, lastDay: inout DayCache
    ) -> Bool {
        guard consume(JSONByte.openBrace) else { return false }
        event.quantityNanos = nil
        event.dimsCount = 0
        event.amountKind = .absent
        var seen: UInt8 = 0
        while true {
            skipWhitespace()
            guard peek() == JSONByte.quote else { return false }  // also `{}`: fields missing
            let keyStart = index &+ 1
            var field = knownKey(start: keyStart)
            var keyCount = 0
            if field == 0 {
                guard plainString() else { return false }
                keyCount = index &- 1 &- keyStart
                field = eventField(start: keyStart, count: keyCount)
            }
            if field != 0 {
                guard seen & field == 0 else { return false }  // repeated key
                seen |= field
            } else {
                // Unknown keys cannot equal a field name (no escapes), so only they are kept.
                guard push(start: keyStart, count: keyCount, objectBase: 0, keys: &keys) else {
                    return false
                }
            }
            guard consume(JSONByte.colon) else { return false }
            skipWhitespace()
            switch field {
            case EventField.id:
                guard let span = keyString(), span.count <= EventLineParser.keyBytesMax else {
                    return false
                }
                event.id = span
            case EventField.customer:
                guard let span = keyString(), span.count <= EventLineParser.keyBytesMax else {
                    return false
                }
                event.customer = span
            case EventField.meter:
                guard let span = keyString() else { return false }
                event.meter = span
            case EventField.timestamp:
                guard peek() == JSONByte.quote, let instant = timestamp(lastDay: &lastDay) else {
                    return false
                }
                event.instant = instant
            case EventField.quantity:
                guard quantity(into: &event) else { return false }
            case EventField.dims:
                guard dims(into: &event) else { return false }
            case EventField.amount:
                guard amount(into: &event) else { return false }
            default:
                // Members of the top-level object sit at depth 2, as in the slow path.
                guard skipValue(depth: 2, keys: &keys) else { return false }
            }
            let next = take()
            if next == JSONByte.comma { continue }
            guard next == JSONByte.closeBrace else { return false }
            break
        }
        skipWhitespace()
        return index == end && seen & EventField.required == EventField.required
    }

    /// The event field named by the key starting at `start` (after its opening quote), matched
    /// with one load, and `index` moved past the key's closing quote; 0 (and `index` unmoved)
    /// for any other key or when fewer than 9 bytes remain (`eventField` then decides).
    @inline(__always)
    mutating func knownKey(start: Int) -> UInt8 {
        guard end &- start >= 9 else { return 0 }
        let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: start, as: UInt64.self))
        var field: UInt8 = 0
        var count = 0
        // The first byte picks the one name to compare with.
        switch UInt8(truncatingIfNeeded: word) {
        case UInt8(ascii: "i") where word & 0xFF_FFFF == EventField.idQuoted:
            (field, count) = (EventField.id, 2)
        case UInt8(ascii: "c")
        where word == EventField.customerWord && byte(start &+ 8) == JSONByte.quote:
            (field, count) = (EventField.customer, 8)
        case UInt8(ascii: "m") where word & 0xFFFF_FFFF_FFFF == EventField.meterQuoted:
            (field, count) = (EventField.meter, 5)
        case UInt8(ascii: "t") where word & 0xFF_FFFF == EventField.tsQuoted:
            (field, count) = (EventField.timestamp, 2)
        case UInt8(ascii: "q")
        where word == EventField.quantityWord && byte(start &+ 8) == JSONByte.quote:
            (field, count) = (EventField.quantity, 8)
        case UInt8(ascii: "d") where word & 0xFF_FFFF_FFFF == EventField.dimsQuoted:
            (field, count) = (EventField.dims, 4)
        case UInt8(ascii: "a") where word & 0xFF_FFFF_FFFF_FFFF == EventField.amountQuoted:
            (field, count) = (EventField.amount, 6)
        default: return 0
        }
        if field != 0 { index = start &+ count &+ 1 }
        return field
    }

    /// Which event field a key (without escapes) names, or 0 for any other key.
    @inline(__always)
    func eventField(start: Int, count: Int) -> UInt8 {
        switch count {
        case 2:
            let word = UInt16(
                littleEndian: base.loadUnaligned(fromByteOffset: start, as: UInt16.self))
            if word == EventField.idWord { return EventField.id }
            if word == EventField.tsWord { return EventField.timestamp }
        case 4:
            let word = UInt32(
                littleEndian: base.loadUnaligned(fromByteOffset: start, as: UInt32.self))
            if word == EventField.dimsWord { return EventField.dims }
        case 5:
            let word = UInt32(
                littleEndian: base.loadUnaligned(fromByteOffset: start, as: UInt32.self))
            if word == EventField.meterWord && byte(start &+ 4) == UInt8(ascii: "r") {
                return EventField.meter
            }
        case 6:
            let word = UInt32(
                littleEndian: base.loadUnaligned(fromByteOffset: start, as: UInt32.self))
            if word == EventField.amouWord && byte(start &+ 4) == UInt8(ascii: "n")
                && byte(start &+ 5) == UInt8(ascii: "t")
            {
                return EventField.amount
            }
        case 8:
            let word = UInt64(
                littleEndian: base.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            if word == EventField.customerWord { return EventField.customer }
            if word == EventField.quantityWord { return EventField.quantity }
        default: break
        }
        return 0
    }

    /// A string value of 1 byte or more without escapes (`id`, `customer`, `meter`).
    @inline(__always)
    mutating func keyString() -> ByteSpan? {
        guard peek() == JSONByte.quote else { return nil }
        let start = index &+ 1
        guard plainString() else { return nil }
        let count = index &- 1 &- start
        guard count > 0 else { return nil }
        return ByteSpan(
            start: Int32(truncatingIfNeeded: start), count: Int32(truncatingIfNeeded: count))
    }

    /// `quantity`: `null`, or a plain decimal as a string or a JSON number.
    mutating func quantity(into event: inout ScannedEvent) -> Bool {
        let first = peek()
        if first == JSONByte.quote {
            index &+= 1
            guard let nanos = plainDecimal(), peek() == JSONByte.quote else { return false }
            index &+= 1
            event.quantityNanos = nanos
            return true
        }
        if LineCursor.isDigit(first) {
            guard let nanos = plainDecimal() else { return false }
            // An exponent makes it another number; the slow path decides those.
            let next = peek()
            guard next != UInt8(ascii: "e") && next != UInt8(ascii: "E") else { return false }
            event.quantityNanos = nanos
            return true
        }
        guard literal(0x6C6C_756E, count: 4) else { return false }  // "null"
        event.quantityNanos = nil
        return true
    }

    /// `amount`: `null`, a string without escapes, or a JSON number, kept as text for admission
    /// (which reads it only on `carries_amount` meters); any other value, or a string with
    /// escapes, falls back to the slow path, which decides the same way.
    mutating func amount(into event: inout ScannedEvent) -> Bool {
        let first = peek()
        if first == JSONByte.quote {
            let start = index &+ 1
            guard plainString() else { return false }
            event.amountText = ByteSpan(
                start: Int32(truncatingIfNeeded: start),
                count: Int32(truncatingIfNeeded: index &- 1 &- start))
            event.amountKind = .text
            return true
        }
        if first == JSONByte.minus || LineCursor.isDigit(first) {
            let start = index
            guard skipNumber() else { return false }
            event.amountText = ByteSpan(
                start: Int32(truncatingIfNeeded: start),
                count: Int32(truncatingIfNeeded: index &- start))
            event.amountKind = .text
            return true
        }
        guard literal(0x6C6C_756E, count: 4) else { return false }  // "null"
        event.amountKind = .null
        return true
    }

    /// `0|[1-9][0-9]{0,19}` then optionally `.` and 1 to 9 digits, in billionths.
    ///
    /// These are exactly the texts `QuantityText.nanos` accepts without a sign, exponent,
    /// leading zero or more than 9 fractional digits; any of those (valid or not) falls back.
    /// With no leading zeros the integer digits are the value's integer digits, so the limit
    /// of `QuantityScale.integerDigitsMax` is the slow path's; 20 digits and 9 fraction digits
    /// stay below 10^29 billionths, far inside `Int128`.
    mutating func plainDecimal() -> Int128? {
        var integer: UInt64 = 0
        var integerWide: Int128 = 0  // used only past 19 digits, where UInt64 could overflow
        var digits = 0
        var byte = peek()
        guard LineCursor.isDigit(byte) else { return nil }
        if byte == JSONByte.zero {
            index &+= 1
            byte = peek()
            guard !LineCursor.isDigit(byte) else { return nil }  // leading zero
        } else {
            repeat {
                digits &+= 1
                guard digits <= QuantityScale.integerDigitsMax else { return nil }
                if digits <= 19 {
                    integer = integer &* 10 &+ UInt64(byte &- JSONByte.zero)
                } else {
                    if digits == 20 { integerWide = Int128(integer) }
                    integerWide = integerWide &* 10 &+ Int128(byte &- JSONByte.zero)
                }
                index &+= 1
                byte = peek()
            } while LineCursor.isDigit(byte)
        }
        var fraction: Int64 = 0
        if byte == JSONByte.dot {
            index &+= 1
            var fractionDigits = 0
            byte = peek()
            while LineCursor.isDigit(byte) {
                fractionDigits &+= 1
                guard fractionDigits <= QuantityScale.fractionDigits else { return nil }
                fraction = fraction &* 10 &+ Int64(byte &- JSONByte.zero)
                index &+= 1
                byte = peek()
            }
            guard fractionDigits > 0 else { return nil }
            while fractionDigits < QuantityScale.fractionDigits {
                fraction &*= 10
                fractionDigits &+= 1
            }
        }
        let whole = digits > 19 ? integerWide : Int128(integer)
        return whole &* QuantityScale.unit &+ Int128(fraction)
    }

    /// `dims`: `null`, or an object of up to `ScannedEvent.dimsCountMax` string values, keys and
    /// values without escapes, kept sorted by key bytes.
    mutating func dims(into event: inout ScannedEvent) -> Bool {
        if peek() != JSONByte.openBrace {
            return literal(0x6C6C_756E, count: 4)  // "null"
        }
        index &+= 1
        skipWhitespace()
        if peek() == JSONByte.closeBrace {
            index &+= 1
            return true
        }
        var count = 0
        while true {
            skipWhitespace()
            guard peek() == JSONByte.quote else { return false }
            let keyStart = index &+ 1
            guard plainString() else { return false }
            let keyCount = index &- 1 &- keyStart
            guard consume(JSONByte.colon) else { return false }
            skipWhitespace()
            guard peek() == JSONByte.quote else { return false }  // a value that is not a string
            let valueStart = index &+ 1
            guard plainString() else { return false }
            let valueCount = index &- 1 &- valueStart
            guard count < ScannedEvent.dimsCountMax else { return false }
            // Insertion in key order; an equal key is a repeat (malformed in the slow path).
            var slot = count
            while slot > 0 {
                let order = compare(
                    start: Int(event.dimSpans[4 &* (slot &- 1)]),
                    count: Int(event.dimSpans[4 &* (slot &- 1) &+ 1]),
                    withStart: keyStart, count: keyCount)
                if order == 0 { return false }
                if order < 0 { break }
                for offset in 0..<4 {
                    event.dimSpans[4 &* slot &+ offset] = event.dimSpans[4 &* (slot &- 1) &+ offset]
                }
                slot &-= 1
            }
            event.dimSpans[4 &* slot] = Int32(truncatingIfNeeded: keyStart)
            event.dimSpans[4 &* slot &+ 1] = Int32(truncatingIfNeeded: keyCount)
            event.dimSpans[4 &* slot &+ 2] = Int32(truncatingIfNeeded: valueStart)
            event.dimSpans[4 &* slot &+ 3] = Int32(truncatingIfNeeded: valueCount)
            count &+= 1
            let next = take()
            if next == JSONByte.comma { continue }
            guard next == JSONByte.closeBrace else { return false }
            event.dimsCount = count
            return true
        }
    }

    /// Orders two byte ranges of the line as unsigned bytes, shorter first on a common prefix:
    /// negative, 0 or positive.
    @inline(__always)
    func compare(
        start left: Int, count leftCount: Int, withStart right: Int, count rightCount: Int
    )
        -> Int
    {
        let common = min(leftCount, rightCount)
        var offset = 0
        while offset < common {
            let a = byte(left &+ offset)
            let b = byte(right &+ offset)
            if a != b { return a < b ? -1 : 1 }
            offset &+= 1
        }
        return leftCount &- rightCount
    }

    // MARK: Validating and skipping any value

    /// Any JSON value, validated as the slow path does and skipped; `depth` counts as in
    /// `JSONScanner` (the top-level object is 1, its members' values 2).
    mutating func skipValue(depth: Int, keys: inout KeyStack) -> Bool {
        guard depth <= EventLineParser.depthMax else { return false }
        switch peek() {
        case JSONByte.quote:
            var escaped = false
            return string(escaped: &escaped)
        case JSONByte.openBrace:
            return skipObject(depth: depth, keys: &keys)
        case JSONByte.openBracket:
            index &+= 1
            skipWhitespace()
            if peek() == JSONByte.closeBracket {
                index &+= 1
                return true
            }
            while true {
                skipWhitespace()
                guard skipValue(depth: depth &+ 1, keys: &keys) else { return false }
                let next = take()
                if next == JSONByte.comma { continue }
                return next == JSONByte.closeBracket
            }
        case UInt8(ascii: "t"): return literal(0x6575_7274, count: 4)  // "true"
        case UInt8(ascii: "f"):
            guard literal(0x736C_6166, count: 4) else { return false }  // "fals"
            return literal(0x65, count: 1)  // "e"
        case UInt8(ascii: "n"): return literal(0x6C6C_756E, count: 4)  // "null"
        default: return skipNumber()
        }
    }

    /// An object, its keys checked for repeats against the earlier keys of the same object.
    mutating func skipObject(depth: Int, keys: inout KeyStack) -> Bool {
        index &+= 1  // the "{"
        skipWhitespace()
        if peek() == JSONByte.closeBrace {
            index &+= 1
            return true
        }
        let objectBase = keys.count
        defer { keys.count = objectBase }
        while true {
            skipWhitespace()
            guard peek() == JSONByte.quote else { return false }
            let keyStart = index &+ 1
            guard plainString() else { return false }
            guard
                push(
                    start: keyStart, count: index &- 1 &- keyStart, objectBase: objectBase,
                    keys: &keys)
            else { return false }
            guard consume(JSONByte.colon) else { return false }
            skipWhitespace()
            guard skipValue(depth: depth &+ 1, keys: &keys) else { return false }
            let next = take()
            if next == JSONByte.comma { continue }
            return next == JSONByte.closeBrace
        }
    }

    /// Records a key of the object whose keys start at `objectBase`; false when it repeats an
    /// earlier key of that object or when there is no room (an unusual line: fall back).
    @inline(__always)
    func push(start: Int, count: Int, objectBase: Int, keys: inout KeyStack) -> Bool {
        let top = keys.count
        guard top < EventScanner.keyStackCapacity,
            top &- objectBase < EventScanner.keysPerObjectMax
        else { return false }
        var earlier = objectBase
        while earlier < top {
            if Int(keys.counts[earlier]) == count
                && compare(
                    start: Int(keys.starts[earlier]), count: count,
                    withStart: start, count: count) == 0
            {
                return false
            }
            earlier &+= 1
        }
        keys.starts[top] = Int32(truncatingIfNeeded: start)
        keys.counts[top] = Int32(truncatingIfNeeded: count)
        keys.count = top &+ 1
        return true
    }

    /// A literal of 1 to 4 bytes given as a little-endian word.
    @inline(__always)
    mutating func literal(_ word: UInt32, count: Int) -> Bool {
        guard end &- index >= count else { return false }
        var expected = word
        for offset in 0..<count {
            guard byte(index &+ offset) == UInt8(truncatingIfNeeded: expected) else {
                return false
            }
            expected >>= 8
        }
        index &+= count
        return true
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, as `JSONScanner.number`.
    mutating func skipNumber() -> Bool {
        if peek() == JSONByte.minus { index &+= 1 }
        let first = peek()
        guard LineCursor.isDigit(first) else { return false }
        if first == JSONByte.zero {
            index &+= 1
        } else {
            skipDigits()
        }
        if peek() == JSONByte.dot {
            index &+= 1
            guard skipDigits() > 0 else { return false }
        }
        let marker = peek()
        if marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            index &+= 1
            let sign = peek()
            if sign == JSONByte.plus || sign == JSONByte.minus { index &+= 1 }
            guard skipDigits() > 0 else { return false }
        }
        return true
    }

    @inline(__always) @discardableResult
    mutating func skipDigits() -> Int {
        let start = index
        while LineCursor.isDigit(peek()) { index &+= 1 }
        return index &- start
    }

    // MARK: Strings

    /// A string without escapes (event fields and every key); `index` moves past its closing
    /// quote. Escapes fall back: their decoded bytes would differ from the line's.
    @inline(__always)
    mutating func plainString() -> Bool {
        // The common case inline: ASCII up to the closing quote, found eight bytes at a time.
        var position = index &+ 1
        while position &+ 8 <= end {
            let word = UInt64(
                littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            let special = LineCursor.specialBytes(word)
            if special != 0 {
                position &+= special.trailingZeroBitCount >> 3
                if byte(position) == JSONByte.quote {
                    index = position &+ 1
                    return true
                }
                break
            }
            position &+= 8
        }
        if position < end && end >= 8 && position &+ 8 > end {
            // Under eight bytes left: the line's last eight, the bytes before `position`
            // shifted out. Their borrows can only add false hits, which the quote test below
            // catches; a true hit always stays.
            let word = UInt64(
                littleEndian: base.loadUnaligned(fromByteOffset: end &- 8, as: UInt64.self))
            let special = LineCursor.specialBytes(word) >> (UInt64(8 &- (end &- position)) &* 8)
            if special != 0 {
                let at = position &+ special.trailingZeroBitCount >> 3
                if byte(at) == JSONByte.quote {
                    index = at &+ 1
                    return true
                }
            }
        }
        index = position
        var escaped = false
        return stringRest(escaped: &escaped) && !escaped
    }

    /// A string whose opening quote is at `index`, validated as the slow path does (escapes,
    /// surrogate pairs, no control bytes, UTF-8); `index` moves past its closing quote.
    mutating func string(escaped: inout Bool) -> Bool {
        index &+= 1  // the opening quote
        return stringRest(escaped: &escaped)
    }

    /// The rest of a string from `index` (inside it) to past its closing quote.
    mutating func stringRest(escaped: inout Bool) -> Bool {
        while true {
            // Eight bytes at a time up to the first byte that needs a look.
            while index &+ 8 <= end {
                let word = UInt64(
                    littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let special = LineCursor.specialBytes(word)
                if special != 0 {
                    index &+= special.trailingZeroBitCount >> 3
                    break
                }
                index &+= 8
            }
            guard index < end else { return false }
            let byte = byte(index)
            if byte == JSONByte.quote {
                index &+= 1
                return true
            }
            if byte == JSONByte.backslash {
                escaped = true
                guard escape() else { return false }
            } else if byte >= 0x80 {
                guard utf8Sequence() else { return false }
            } else if byte < 0x20 {
                return false  // a control byte
            } else {
                index &+= 1  // an ordinary byte left over after the last full word
            }
        }
    }

    /// The high bit of every byte of `word` (little-endian) that is `"`, `\`, below 0x20 or
    /// above 0x7F. Bits above the lowest set one may be false (borrows), the lowest is exact.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(JSONByte.quote))
        let backslashes = word ^ (ones &* UInt64(JSONByte.backslash))
        let quoteHits = (quotes &- ones) & ~quotes
        let backslashHits = (backslashes &- ones) & ~backslashes
        let controlHits = (word &- ones &* 0x20) & ~word
        return (quoteHits | backslashHits | controlHits | word) & highs
    }

    /// One escape at `index` (the backslash), as `JSONScanner.string`: a lone or unpaired
    /// surrogate falls back (the slow path calls it invalid UTF-8).
    mutating func escape() -> Bool {
        index &+= 1
        switch peek() {
        case JSONByte.quote, JSONByte.backslash, UInt8(ascii: "/"), UInt8(ascii: "b"),
            UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index &+= 1
            return true
        case UInt8(ascii: "u"):
            index &+= 1
            guard let unit = hex4() else { return false }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard end &- index >= 2, byte(index) == JSONByte.backslash,
                    byte(index &+ 1) == UInt8(ascii: "u")
                else { return false }
                index &+= 2
                guard let low = hex4(), low >= 0xDC00 && low <= 0xDFFF else { return false }
                return true
            }
            return !(unit >= 0xDC00 && unit <= 0xDFFF)
        default:
            return false
        }
    }

    /// Four hex digits.
    @inline(__always)
    mutating func hex4() -> UInt32? {
        guard end &- index >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = byte(index)
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte &- 0x30)
            case 0x41...0x46: digit = UInt32(byte &- 0x41 &+ 10)
            case 0x61...0x66: digit = UInt32(byte &- 0x61 &+ 10)
            default: return nil
            }
            value = value << 4 | digit
            index &+= 1
        }
        return value
    }

    /// One UTF-8 sequence of 2 to 4 bytes at `index` (lead byte 0x80 or above), with the slow
    /// path's rules: no overlong forms, no surrogates, nothing above U+10FFFF.
    mutating func utf8Sequence() -> Bool {
        guard let (needed, low, high) = UTF8Lead.rule(byte(index)) else { return false }
        guard index &+ needed < end else { return false }
        let second = byte(index &+ 1)
        guard second >= low && second <= high else { return false }
        var offset = 2
        while offset <= needed {
            let next = byte(index &+ offset)
            guard next >= 0x80 && next <= 0xBF else { return false }
            offset &+= 1
        }
        index &+= needed &+ 1
        return true
    }
}
